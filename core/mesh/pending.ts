/**
 * Members whose control channel has not opened yet: a newcomer being
 * connected, or a ghost (a hello nobody answers, a replayed hello of someone
 * who left, a connection with no network path). Each costs a connection, a
 * tile and an offer, so there are at most MAX_PENDING at a time, and each is
 * given PENDING_TIMEOUT_MS to open.
 *
 * When all places are taken, the oldest pending member ICE has found no path
 * to makes room: that is what a flood of hellos from fresh ids looks like,
 * while a real newcomer finds a path within a second or so. Refusing the new
 * one instead would let a flood shut out the next real newcomer, whose one
 * hello would then never be answered. Only when every place holds a member
 * with a path is the new one refused.
 */
import type { Clock, TimerId } from '../clock.js';

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
  /** Not let in: every place held a member with a path. */
  refused: number;
  /** Closed after PENDING_TIMEOUT_MS. */
  timedOut: number;
  /** Their connection could not be made (the browser's connection limit). */
  failed: number;
}

export class PendingPeers {
  readonly counts: PendingCounts = { evicted: 0, refused: 0, timedOut: 0, failed: 0 };
  readonly #clock: Clock;
  /** In arrival order: the first is the oldest. */
  readonly #timers = new Map<PendingPeer, [stall: TimerId, timeout: TimerId]>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#timers.size;
  }

  /** Whether one more may start connecting; makes room by closing the oldest pathless one if needed. */
  makeRoom(): boolean {
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

  /** Its control channel opened, or it closed: no longer pending. */
  settled(peer: PendingPeer): void {
    for (const id of this.#timers.get(peer) ?? []) this.#clock.clearTimeout(id);
    this.#timers.delete(peer);
  }

  close(): void {
    for (const ids of this.#timers.values()) for (const id of ids) this.#clock.clearTimeout(id);
    this.#timers.clear();
  }
}
