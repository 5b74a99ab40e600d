/**
 * Members whose control channel has not opened yet: a newcomer being
 * connected, or a ghost (a hello nobody answers, a replayed hello of someone
 * who left, a connection with no network path). Each costs a connection, a
 * tile and an offer, so there are at most MAX_PENDING at a time, each is
 * given PENDING_TIMEOUT_MS to open, and connections for them are made at most
 * NEW_CONNECTIONS_PER_SECOND once the first MAX_PENDING are spent.
 *
 * The rate matters as much as the cap: a closed RTCPeerConnection still
 * counts towards the browser's limit (about 500 a page in Chromium) until it
 * is collected, so a flood that makes connections as fast as hellos arrive
 * reaches the limit, and then the browser refuses a real newcomer's too.
 *
 * A hello (or offer) that cannot have a connection at once waits. The newest
 * are served first, and only the newest MAX_WAITING are kept: a flood is a
 * burst of hellos, and the real newcomer who joins after it is then the one
 * answered next, not the last in a long line. When all places are taken, the
 * oldest pending member ICE has found no path to makes room: that is what a
 * ghost looks like, while a real newcomer finds a path within a second or so.
 * Only while every place holds a member with a path do the others wait for
 * one to open or go.
 */
import type { Clock, TimerId } from '../clock.js';
import { TokenBucket } from '../wire/bucket.js';

/** Most members at once whose control channel has not opened. */
export const MAX_PENDING = 16;
/** A member whose control channel has not opened this long after we met is dropped. */
export const PENDING_TIMEOUT_MS = 20_000;
/**
 * No path this long after we met: shown as "Could not connect" even where ICE
 * itself never says failed (it can keep checking until the timeout, as on the
 * side of a pair whose other end failed at once).
 */
export const PENDING_STALL_MS = 10_000;
/** Connections made per second for members not connected yet, once a first MAX_PENDING are spent. */
export const NEW_CONNECTIONS_PER_SECOND = 4;
/** Members waiting for a connection, at most: the newest are kept. */
export const MAX_WAITING = MAX_PENDING;
/** Signals kept per waiting member: its hello or offer, then its candidates. */
const MAX_WAITING_SIGNALS = 32;

export interface PendingPeer {
  readonly id: string;
  /** ICE found a working path to this member. */
  readonly pathFound: boolean;
  /** Still no path after PENDING_STALL_MS: show it as not connecting. */
  stalled(): void;
  close(): void;
}

/** What happened to members who never connected, for tests and diagnostics. */
export interface PendingCounts {
  /** Closed to make room for a newer one. */
  evicted: number;
  /** Had to wait because every place held a member with a path. */
  refused: number;
  /** Closed after PENDING_TIMEOUT_MS. */
  timedOut: number;
  /** Their connection could not be made (the browser's connection limit). */
  failed: number;
  /** Waited for a connection, and were pushed out by newer ones. */
  shed: number;
  /** Were still connecting when the room secret changed (a removal): they came in with the old one. */
  superseded: number;
}

export class PendingPeers<S> {
  readonly counts: PendingCounts = { evicted: 0, refused: 0, timedOut: 0, failed: 0, shed: 0, superseded: 0 };
  readonly #clock: Clock;
  readonly #start: (signals: readonly S[]) => void;
  /** In arrival order: the first is the oldest. */
  readonly #timers = new Map<PendingPeer, [stall: TimerId, timeout: TimerId]>();
  /** Members waiting for a connection, by id, oldest first; each with its signals so far. */
  readonly #waiting = new Map<string, S[]>();
  readonly #connections: TokenBucket;
  #drainTimer: TimerId | undefined;

  /** `start` makes a member's connection and applies its signals, in order. */
  constructor(clock: Clock, start: (signals: readonly S[]) => void) {
    this.#clock = clock;
    this.#start = start;
    this.#connections = new TokenBucket({ perSecond: NEW_CONNECTIONS_PER_SECOND, burst: MAX_PENDING }, clock.now());
  }

  get size(): number {
    return this.#timers.size;
  }

  /** Members waiting for a connection. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** The hello or offer of a member we have no connection with: started now if allowed, else it waits. */
  admit(id: string, signal: S): void {
    if (this.follow(id, signal)) return;
    if (this.#waiting.size === 0 && this.#mayStart()) return this.#start([signal]);
    this.#waiting.set(id, [signal]);
    if (this.#waiting.size > MAX_WAITING) {
      this.#waiting.delete(this.#waiting.keys().next().value as string);
      this.counts.shed++;
    }
    // Waiting for a place instead: settled() drains when one frees.
    if (this.#connections.wait(this.#clock.now()) > 0) this.#drainSoon();
  }

  /** A later signal (a candidate) of a member still waiting: kept for when it starts. False if it is not waiting. */
  follow(id: string, signal: S): boolean {
    const signals = this.#waiting.get(id);
    if (!signals) return false;
    if (signals.length < MAX_WAITING_SIGNALS) signals.push(signal);
    return true;
  }

  /** A member starts connecting: it has PENDING_TIMEOUT_MS to open. */
  add(peer: PendingPeer): void {
    this.#timers.set(peer, [
      this.#clock.setTimeout(() => peer.stalled(), PENDING_STALL_MS),
      this.#clock.setTimeout(() => {
        this.counts.timedOut++;
        this.settled(peer);
        peer.close();
      }, PENDING_TIMEOUT_MS),
    ]);
  }

  /** Its control channel opened, or it closed: no longer pending, and its place is free. */
  settled(peer: PendingPeer): void {
    const ids = this.#timers.get(peer);
    if (!ids) return;
    for (const id of ids) this.#clock.clearTimeout(id);
    this.#timers.delete(peer);
    if (this.#waiting.size > 0) this.#drainSoon();
  }

  /**
   * A new epoch: every member still connecting reached us under the old
   * room secret, which the removed member knows too, so none of them gets
   * in. Each is closed, and those waiting are forgotten.
   */
  supersede(): void {
    const peers = [...this.#timers.keys()];
    this.counts.superseded += peers.length + this.#waiting.size;
    this.#waiting.clear();
    for (const peer of peers) {
      this.settled(peer);
      peer.close();
    }
  }

  close(): void {
    for (const ids of this.#timers.values()) for (const id of ids) this.#clock.clearTimeout(id);
    this.#timers.clear();
    this.#waiting.clear();
    this.#clock.clearTimeout(this.#drainTimer);
    this.#drainTimer = undefined;
  }

  /** Whether one more may start connecting now: a connection is allowed, and a place is free or made. */
  #mayStart(): boolean {
    if (this.#connections.wait(this.#clock.now()) > 0) return false;
    if (!this.#makeRoom()) return false;
    return this.#connections.take(this.#clock.now());
  }

  /** Closes the oldest pending member without a path if every place is taken; false if all have one. */
  #makeRoom(): boolean {
    if (this.#timers.size < MAX_PENDING) return true;
    for (const peer of this.#timers.keys()) {
      if (peer.pathFound) continue;
      this.counts.evicted++;
      this.settled(peer);
      peer.close();
      return true;
    }
    this.counts.refused++;
    return false;
  }

  /** Starts the newest waiting members while allowed; then waits for the next connection allowed, or for a place. */
  #drain(): void {
    this.#drainTimer = undefined;
    while (this.#waiting.size > 0) {
      if (this.#connections.wait(this.#clock.now()) > 0) return this.#drainSoon();
      // Every place holds a member with a path: settled() drains again when one opens or goes.
      if (!this.#mayStart()) return;
      let newest = '';
      for (const id of this.#waiting.keys()) newest = id;
      const signals = this.#waiting.get(newest)!;
      this.#waiting.delete(newest);
      this.#start(signals);
    }
  }

  #drainSoon(): void {
    if (this.#drainTimer !== undefined) return;
    this.#drainTimer = this.#clock.setTimeout(() => this.#drain(), this.#connections.wait(this.#clock.now()));
  }
}
