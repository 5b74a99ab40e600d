/**
 * When each phase of our join happened (`meeting.timings`), in the spirit of
 * lib-jitsi-meet's per-phase join timings (`connectionTimes`): milliseconds
 * since `join()` was called, read from the meeting's clock, each phase's
 * first time only. Made for finding where a slow join spends its time; the
 * felt join ends at the first decoded frame, which `getPeerStats()` (or the
 * benchmark) reads, since only polling getStats would see it here.
 */

/** The phases of one member's connection with us; absent until it happened. */
export interface PeerTimings {
  /** Their first signal reached us (their hello, or their offer answering ours), opened and checked. */
  readonly heard?: number;
  /** Our offer or answer was set (setLocalDescription resolved): ICE gathering starts. */
  readonly localSet?: number;
  /** ICE gathering for it ended, or we stopped waiting for it (trickle.ts's GATHER_WAIT_MS). */
  readonly gathered?: number;
  /** Our offer or answer went out to them (sealed next, then relayed or sent on the control channel). */
  readonly localDescription?: number;
  /** Their offer or answer was applied (setRemoteDescription resolved). */
  readonly remoteDescription?: number;
  /** ICE found a working path to them (`iceConnectionState` connected or completed). */
  readonly iceConnected?: number;
  /** Our control data channel with them opened: from here on signaling no longer needs the relay. */
  readonly controlOpen?: number;
  /** Their first media track arrived (`ontrack`); frames decode shortly after. */
  readonly firstTrack?: number;
}

/** Every phase of our join; absent until it happened. Values are ms since `join()` (0). */
export interface JoinTimings {
  /** `join()` was called: always 0, the origin of the others. */
  readonly join?: number;
  /** Camera and microphone opened (or failed to, and we join to watch). */
  readonly mediaOpen?: number;
  /** The room keys are there (derived now, or taken from `prepareRoomKeys` when they were derived ahead). */
  readonly keysDerived?: number;
  /** The relay adapter reported 'open' for the first time. */
  readonly relayOpen?: number;
  /** Our hello was published on the relay. */
  readonly helloSent?: number;
  /** Per member, by member id. At most `MAX_TIMED_PEERS` members (the first ones heard). */
  readonly peers: Readonly<Record<string, PeerTimings>>;
}

export type JoinPhase = Exclude<keyof JoinTimings, 'peers'>;
export type PeerPhase = keyof PeerTimings;

/** Members timed at most: a flood of hellos with fresh ids cannot grow the record without bound. */
export const MAX_TIMED_PEERS = 64;

/** Records phases as they happen; `snapshot()` is what `meeting.timings` returns. */
export class JoinTimeline {
  readonly #now: () => number;
  #origin: number | null = null;
  readonly #phases: { -readonly [K in JoinPhase]?: number } = {};
  readonly #peers = new Map<string, { -readonly [K in PeerPhase]?: number }>();

  constructor(now: () => number) {
    this.#now = now;
  }

  /** `join()` was called: the origin. */
  start(): void {
    if (this.#origin !== null) return;
    this.#origin = this.#now();
    this.#phases.join = 0;
  }

  /** A phase of our join happened now (only its first time counts). */
  mark(phase: JoinPhase): void {
    const at = this.#elapsed();
    if (at !== null && this.#phases[phase] === undefined) this.#phases[phase] = at;
  }

  /** A phase of one member's connection happened now (only its first time counts). */
  peer(id: string, phase: PeerPhase): void {
    const at = this.#elapsed();
    if (at === null) return;
    let phases = this.#peers.get(id);
    if (!phases) {
      if (this.#peers.size >= MAX_TIMED_PEERS) return;
      phases = {};
      this.#peers.set(id, phases);
    }
    phases[phase] ??= at;
  }

  /** A frozen copy: later phases do not change what a caller already holds. */
  snapshot(): JoinTimings {
    const peers: Record<string, PeerTimings> = {};
    for (const [id, phases] of this.#peers) peers[id] = Object.freeze({ ...phases });
    return Object.freeze({ ...this.#phases, peers: Object.freeze(peers) });
  }

  #elapsed(): number | null {
    return this.#origin === null ? null : this.#now() - this.#origin;
  }
}
