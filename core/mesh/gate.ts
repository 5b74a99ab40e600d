/**
 * The gate in front of the mesh: a feature (the waiting room,
 * core/features/waiting-room.ts) may install a policy that is asked about
 * every hello or offer from a member we are not connected to. Let through,
 * the signal goes on to the pending cap (pending.ts) as it always did; held,
 * it waits here, with the candidates that follow it, until the policy's
 * owner releases it (we then connect as we would have: a held hello makes us
 * the one who offers) or drops it; ignored, it is forgotten.
 *
 * Held members are bounded like waiting ones in pending.ts: at most MAX_HELD,
 * the newest kept, each forgotten HELD_TTL_MS after its last hello. A flood
 * of fresh ids pushes out the oldest; a real newcomer says hello again every
 * KNOCK_AGAIN_MS while it waits, so it comes back as the newest.
 *
 * The gate also carries the knock signals: a member holding a newcomer's
 * hello tells it (sealed, over the relay) that it waits or was denied. At
 * most one reply per member per REPLY_INTERVAL_MS and REPLIES_PER_SECOND in
 * all, so hellos from fresh ids cannot make us seal without bound.
 */
import type { Clock, TimerId } from '../clock.js';
import { invalidOption } from '../errors.js';
import { TokenBucket } from '../wire/bucket.js';
import type { KnockBody } from '../wire/signals.js';

/** Most members held at once: the newest are kept. */
export const MAX_HELD = 16;
/** A held member is forgotten this long after its last hello or offer. */
export const HELD_TTL_MS = 60_000;
/** A newcomer still waiting says hello again this often (members forget held ones after HELD_TTL_MS). */
export const KNOCK_AGAIN_MS = 20_000;
/** A member hears from us at most once in this long (a newcomer's hellos every KNOCK_AGAIN_MS each get one). */
export const REPLY_INTERVAL_MS = 5_000;
/** Knock replies sealed per second, at most, to everyone together. */
const REPLIES_PER_SECOND = 4;
/** Signals kept per held member: its hello or offer, then its candidates. */
const MAX_HELD_SIGNALS = 32;

/** A member not connected to us whose hello or offer came: who it says it is, and since when it knocks. */
export interface Knocker {
  readonly id: string;
  /** Its public identity key, which signed the envelope (its id is this key's hash). */
  readonly key: string;
  readonly name: string;
  /** When its first hello (or offer) of this wait reached us (ms since the epoch). */
  readonly since: number;
}

/** `pass`: connect as before; `hold`: keep it until released; `ignore`: forget it. */
export type GateVerdict = 'pass' | 'hold' | 'ignore';

/** What a feature installs in front of the mesh. */
export interface GatePolicy {
  /** A hello or offer from a member we are not connected to (and again for each held one on recheck()). */
  check(member: Knocker, kind: 'hello' | 'offer'): GateVerdict;
  /** Who is held changed; `arrived` is a member held for the first time (not a hello again). */
  changed(arrived: Knocker | null): void;
  /** A member held a hello or offer again; the policy may answer it. */
  heldAgain?(member: Knocker): void;
  /** A knock signal addressed to us. */
  knocked(from: { readonly id: string; readonly key: string }, body: KnockBody): void;
}

/** What the feature that installed the policy can do. */
export interface GateControl {
  /** Held members, oldest first. */
  readonly held: readonly Knocker[];
  /** Connects to a held member as we would have when its hello came; false when it is not held. */
  release(id: string): boolean;
  /** Forgets a held member. */
  drop(id: string): void;
  /** Asks the policy again about every held member (after it changed its mind: the waiting room switched off). */
  recheck(): void;
  /** A knock signal to one member, sealed over the relay (bounded: one per member and state per REPLY_INTERVAL_MS); false when not sent. */
  reply(to: string, body: KnockBody): boolean;
  /** Our hello once more on the relay, for members who forgot ours. */
  knockAgain(): void;
}

export interface GateHooks<S> {
  /** Connects to a released member: its signals in the order they came. */
  start(signals: readonly S[]): void;
  /** Seals a knock signal for one member over the relay. */
  send(to: string, body: KnockBody): void;
  /** Says our hello on the relay again. */
  hello(): void;
}

interface Held<S> { who: Knocker; kind: 'hello' | 'offer'; signals: S[]; timer: TimerId }

export class Gate<S> {
  /** Signals ignored, by why: the policy said so, or a held one was pushed out, expired or dropped. */
  readonly counts = { ignored: 0, shed: 0, expired: 0, replies: 0, repliesDropped: 0 };
  readonly #clock: Clock;
  readonly #hooks: GateHooks<S>;
  #policy: GatePolicy | null = null;
  /** By id, oldest first. */
  readonly #held = new Map<string, Held<S>>();
  /** Member id and state → when we last told it that; bounded by pruning entries older than REPLY_INTERVAL_MS. */
  readonly #replied = new Map<string, number>();
  readonly #replies: TokenBucket;

  constructor(clock: Clock, hooks: GateHooks<S>) {
    this.#clock = clock;
    this.#hooks = hooks;
    this.#replies = new TokenBucket({ perSecond: REPLIES_PER_SECOND, burst: MAX_HELD }, clock.now());
  }

  /** Installs the one policy of this meeting; a TypeError for a second. */
  install(policy: GatePolicy): GateControl {
    if (this.#policy) throw invalidOption('only one feature of a meeting can install a gate');
    this.#policy = policy;
    const gate = this;
    return {
      get held() { return gate.#heldList(); },
      release: (id) => this.#release(id),
      drop: (id) => this.#drop(id),
      recheck: () => this.#recheck(),
      reply: (to, body) => this.#reply(to, body),
      knockAgain: () => this.#hooks.hello(),
    };
  }

  /**
   * A hello or offer from a member we have no connection with. True: let it
   * through (the caller connects); false: held or ignored here.
   */
  arrive(member: Omit<Knocker, 'since'>, kind: 'hello' | 'offer', signal: S): boolean {
    const policy = this.#policy;
    if (!policy) return true;
    const earlier = this.#held.get(member.id);
    const who: Knocker = { ...member, since: earlier?.who.since ?? this.#clock.now() };
    const verdict = policy.check(who, kind);
    if (verdict === 'pass') {
      if (earlier) this.#forget(earlier);
      return true;
    }
    if (verdict === 'ignore') {
      this.counts.ignored++;
      if (earlier) this.#forget(earlier);
      return false;
    }
    if (earlier && earlier.who.key === who.key) {
      // Said again: kept as the newest, its time to wait starts over, and a hello replaces what it sent before.
      this.#held.delete(who.id);
      this.#clock.clearTimeout(earlier.timer);
      this.#keep(who, kind, kind === 'hello' || earlier.kind === 'hello' ? [signal] : [...earlier.signals, signal]);
      policy.heldAgain?.(who);
      policy.changed(null);
      return false;
    }
    if (earlier) this.#forget(earlier);
    this.#keep(who, kind, [signal]);
    if (this.#held.size > MAX_HELD) {
      this.#forget(this.#held.values().next().value as Held<S>);
      this.counts.shed++;
    }
    policy.changed(who);
    return false;
  }

  /** A candidate (or answer) of a member held here: kept for when it is released. False if it is not held. */
  follow(id: string, signal: S): boolean {
    const held = this.#held.get(id);
    if (!held) return false;
    if (held.signals.length < MAX_HELD_SIGNALS) held.signals.push(signal);
    return true;
  }

  /** A knock signal addressed to us, from a member we may not be connected to. */
  knocked(from: { id: string; key: string }, body: KnockBody): void {
    this.#policy?.knocked(from, body);
  }

  close(): void {
    for (const held of this.#held.values()) this.#clock.clearTimeout(held.timer);
    this.#held.clear();
    this.#replied.clear();
  }

  #keep(who: Knocker, kind: 'hello' | 'offer', signals: S[]): void {
    const timer = this.#clock.setTimeout(() => {
      const held = this.#held.get(who.id);
      if (held?.timer !== timer) return;
      this.counts.expired++;
      this.#forget(held);
      this.#policy?.changed(null);
    }, HELD_TTL_MS);
    this.#held.set(who.id, { who, kind, signals, timer });
  }

  #forget(held: Held<S>): void {
    this.#clock.clearTimeout(held.timer);
    if (this.#held.get(held.who.id) === held) this.#held.delete(held.who.id);
  }

  #heldList(): Knocker[] {
    return [...this.#held.values()].map((h) => h.who);
  }

  #release(id: string): boolean {
    const held = this.#held.get(id);
    if (!held) return false;
    this.#forget(held);
    this.#policy?.changed(null);
    this.#hooks.start(held.signals);
    return true;
  }

  #drop(id: string): void {
    const held = this.#held.get(id);
    if (!held) return;
    this.#forget(held);
    this.#policy?.changed(null);
  }

  #recheck(): void {
    const policy = this.#policy;
    if (!policy) return;
    let changed = false;
    for (const held of [...this.#held.values()]) {
      const verdict = policy.check(held.who, held.kind);
      if (verdict === 'hold') continue;
      changed = true;
      this.#forget(held);
      if (verdict === 'pass') this.#hooks.start(held.signals);
      else this.counts.ignored++;
    }
    if (changed) policy.changed(null);
  }

  #reply(to: string, body: KnockBody): boolean {
    const now = this.#clock.now();
    for (const [id, at] of this.#replied) {
      if (now - at < REPLY_INTERVAL_MS) break; // oldest first
      this.#replied.delete(id);
    }
    // By state too: a denial goes out at once after a "waiting" just sent.
    const key = `${to}|${body.state}`;
    if (this.#replied.has(key) || !this.#replies.take(now)) {
      this.counts.repliesDropped++;
      return false;
    }
    this.#replied.set(key, now);
    this.counts.replies++;
    this.#hooks.send(to, body);
    return true;
  }
}
