/**
 * The relay side of a meeting: one connection to the relay at a time (none
 * while joining is closed), every signal sealed before it leaves and opened
 * before anything reads it. Sealing runs one at a time, so order on the
 * wire is call order. Opening overlaps (up to OPEN_AHEAD envelopes at once),
 * and what is opened is handed on in arrival order.
 */
import type { RoomKeys } from '../crypto.js';
import { EnvelopeCodec, type DropReason, type Inbound } from '../envelope.js';
import { PREFIX, SecureMeetingError } from '../errors.js';
import type { Identity } from '../identity.js';
import type { RelayAdapter, RelayConnection, RelayState, RelayTarget } from '../relay.js';
import type { Signal } from '../wire/signals.js';

export interface RoomEvents {
  /** An envelope opened and checked (sender, addressee, freshness, replay). */
  message(message: Inbound): void;
  state(state: RelayState): void;
  error(error: SecureMeetingError): void;
  /** Our hello was handed to the relay (each time it opens; `meeting.timings` keeps the first). */
  greeted?(): void;
}

/**
 * Inbound envelopes waiting to be opened, at most. Opening one costs a
 * decryption and a signature check (a millisecond or so); a relay or member
 * sending faster than that fills the queue, and what does not fit is dropped
 * and counted rather than held without bound.
 */
export const MAX_INBOUND_QUEUE = 256;

/**
 * Inbound envelopes being opened at once, at most. Their decryptions and
 * signature checks run off the main thread, so a newcomer's three offers
 * need not wait for each other, nor for what the page does with the first
 * one; each is handed on only after the ones that came before it.
 */
export const OPEN_AHEAD = 4;

/** A hello sealed ahead; `frame` once sealing is done. */
interface Greeting { at: number; frame: string | null; sealed: Promise<string> }

/** A hello sealed ahead is used only this soon after sealing (members accept ±5 minutes). */
const GREETING_MAX_AGE_MS = 30_000;

export class Room {
  readonly #adapter: RelayAdapter;
  readonly #events: RoomEvents;
  readonly #now: () => number;
  #codec: EnvelopeCodec | null = null;
  #self: Identity | null = null;
  #target: RelayTarget | null = null;
  /** What the codecs of earlier epochs dropped (rekey() makes a new one). */
  readonly #earlier: Partial<Record<DropReason, number>> = {};
  #relay: RelayConnection | null = null;
  #state: RelayState | 'idle' = 'idle';
  #closed = false;
  #outbound: Promise<void> = Promise.resolve();
  /** What we say on each arrival on the relay (our hello), and that signal sealed ahead for the next arrival. */
  #greeting: Signal | null = null;
  #sealedGreeting: Greeting | null = null;
  #inbound: Promise<void> = Promise.resolve();
  #queued = 0;
  /** Envelopes being opened now (at most OPEN_AHEAD), and the ones waiting for a place, first come first. */
  #opening = 0;
  readonly #waiting: (() => void)[] = [];
  /** Inbound frames whose handling threw, or that did not fit the queue: counted, and the next one goes on. */
  readonly #lost = { failed: 0, overflow: 0 };

  constructor(adapter: RelayAdapter, events: RoomEvents, now: () => number) {
    this.#adapter = adapter;
    this.#events = events;
    this.#now = now;
  }

  get state(): RelayState | 'idle' {
    return this.#state;
  }

  /** On the relay now: newcomers can reach us, and we them. */
  get open(): boolean {
    return this.#relay?.state === 'open';
  }

  /** Dropped inbound envelopes by reason. */
  get dropped(): Readonly<Record<DropReason, number>> {
    const counts = { ...(this.#codec?.dropped ?? ({} as Record<DropReason, number>)) };
    for (const [reason, n] of Object.entries(this.#earlier) as [DropReason, number][]) counts[reason] = (counts[reason] ?? 0) + n;
    counts.failed = (counts.failed ?? 0) + this.#lost.failed;
    counts.overflow = (counts.overflow ?? 0) + this.#lost.overflow;
    return counts;
  }

  /**
   * The keys are derived and our identity made: from now on we can seal,
   * open and connect. `greeting` is published each time the relay opens,
   * before anyone hears it is open (members already there answer it).
   */
  start(keys: RoomKeys, channel: string, self: Identity, greeting: Signal): void {
    this.#codec = new EnvelopeCodec(keys, self, { now: this.#now });
    this.#self = self;
    this.#target = { topic: keys.topic, channel };
    this.#greeting = greeting;
  }

  /**
   * A new epoch (a member was removed, and the room secret changed): from
   * now on everything is sealed and opened with these keys, on their topic.
   * On the relay, we leave the old topic and dial the new one, where our
   * hello goes out again; off it (joining locked), the next connect() dials
   * the new one. Frames already queued from the old topic are still opened
   * with the old keys; the old topic is never heard again.
   */
  rekey(keys: RoomKeys): void {
    const [codec, self, target] = [this.#codec, this.#self, this.#target];
    if (!codec || !self || !target || this.#closed) return;
    for (const [reason, n] of Object.entries(codec.dropped) as [DropReason, number][]) this.#earlier[reason] = (this.#earlier[reason] ?? 0) + n;
    this.#codec = new EnvelopeCodec(keys, self, { now: this.#now });
    this.#target = { topic: keys.topic, channel: target.channel };
    if (this.#relay === null) return;
    this.disconnect();
    this.connect();
  }

  /** Dials the relay, unless already on it (or closed, or no keys yet). */
  connect(): void {
    const target = this.#target;
    if (target === null || this.#relay !== null || this.#closed) return;
    // Sealed (signed, encrypted) while the relay is dialled: at a join every
    // millisecond until the hello is out is felt.
    this.#sealedGreeting = this.#sealGreeting();
    // Adapters report 'connecting' from inside connect(), before `relay` is assigned.
    let relay: RelayConnection | undefined;
    const current = (): boolean => relay === undefined || this.#relay === relay;
    relay = this.#adapter.connect(target, {
      message: (data) => {
        if (current()) this.receive(data);
      },
      state: (state) => {
        // A relay we already let go of (locked) still reports its closing,
        // unless another has taken its place (a new epoch's topic).
        if (current() || (state === 'closed' && this.#relay === null)) {
          if (state === 'open' && current()) this.#greet();
          this.#state = state;
          this.#events.state(state);
        }
      },
      error: (error) => {
        if (current()) this.#events.error(error);
      },
    });
    this.#relay = relay;
  }

  /** Leaves the relay (joining closed); the mesh goes on. */
  disconnect(): void {
    const relay = this.#relay;
    this.#relay = null;
    // Not kept for the next connect: by then it may be older than members accept.
    this.#sealedGreeting = null;
    relay?.close();
  }

  /** Publishes an already sealed envelope; false when we are not on the relay. */
  publish(envelope: string): boolean {
    return this.#relay?.publish(envelope) ?? false;
  }

  /** Seals a signal (for one member, or everyone on the relay) and publishes it. */
  send(signal: Signal, to?: string): void {
    this.seal(signal, to, (frame) => this.publish(frame));
  }

  /** Seals a signal and hands the envelope to `deliver` (the relay, or members passing it on). */
  seal(signal: Signal, to: string | undefined, deliver: (envelope: string) => void): void {
    if (!this.#codec) return;
    // The keys when its turn comes: what leaves after a rekey is sealed for the new topic.
    this.#outbound = this.#outbound
      .then(async () => deliver(await this.#codec!.seal(signal, to)))
      .catch((error: unknown) => {
        if (error instanceof SecureMeetingError) this.#events.error(error);
      });
  }

  /**
   * One inbound envelope, from the relay or forwarded by a member: opened
   * while earlier ones may still be opening, handed on in arrival order,
   * each on its own, so one that fails (counted, and reported as an error)
   * never stops the next.
   */
  receive(frame: string): void {
    const codec = this.#codec;
    if (!codec) return;
    if (this.#queued >= MAX_INBOUND_QUEUE) {
      this.#lost.overflow++;
      return;
    }
    this.#queued++;
    const opened = this.#open(codec, frame);
    opened.catch(() => {}); // handled in its turn, below
    this.#inbound = this.#inbound
      .then(async () => {
        const message = await opened;
        if (message && !this.#closed) this.#events.message(message);
      })
      .catch((error: unknown) => {
        this.#lost.failed++;
        const why = (error instanceof Error ? error.message : String(error)).replace(PREFIX, '');
        this.#events.error(new SecureMeetingError('rejected', `a message from another member could not be handled (${why}); the meeting goes on`, { cause: error }));
      })
      .finally(() => {
        this.#queued--;
      });
  }

  /** Opens one envelope once there is a place among the OPEN_AHEAD being opened; the place passes to the next waiting. */
  async #open(codec: EnvelopeCodec, frame: string): Promise<Inbound | undefined> {
    if (this.#opening < OPEN_AHEAD) this.#opening++;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await codec.open(frame);
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#opening--;
    }
  }

  #sealGreeting(): Greeting | null {
    const [codec, greeting] = [this.#codec, this.#greeting];
    if (!codec || !greeting) return null;
    const ahead: Greeting = { at: this.#now(), frame: null, sealed: codec.seal(greeting) };
    ahead.sealed.then((frame) => (ahead.frame = frame), () => {}); // a failure is reported where it is awaited
    return ahead;
  }

  /** Publishes our hello on arrival; a reconnect gets a fresh one (the last is a replay to members who saw it). */
  #greet(): void {
    const early = this.#sealedGreeting;
    this.#sealedGreeting = null;
    // A relay that took long to reach (it retried while down) gets a hello of now, not of when we first dialled.
    const ahead = early && this.#now() - early.at < GREETING_MAX_AGE_MS ? early : this.#sealGreeting();
    if (!ahead) return;
    const greet = (frame: string) => {
      if (this.publish(frame)) this.#events.greeted?.();
    };
    // Sealed in time (the usual case): out at once, before anyone hears the relay is open.
    if (ahead.frame !== null) return greet(ahead.frame);
    this.#outbound = this.#outbound
      .then(async () => greet(await ahead.sealed))
      .catch((error: unknown) => {
        if (error instanceof SecureMeetingError) this.#events.error(error);
      });
  }

  /** Resolves once everything sealed so far has been handed over. */
  flushed(): Promise<void> {
    return this.#outbound;
  }

  close(): void {
    this.#closed = true;
    this.disconnect();
  }
}
