/**
 * The reconnecting connection every browser adapter is: dial → open →
 * (lost → backoff → dial again) → closed, written once. The machine owns the
 * state, the app's handlers, the backoff timer and the rule that a finished
 * attempt's late events count for nothing; an adapter supplies only its
 * transport (open one attempt, send on it, let go of it) and says how each
 * attempt ended.
 */
import { SecureMeetingError, invalidOption } from '../core/errors.js';
import type { RelayConnection, RelayHandlers, RelayState } from '../core/relay.js';
import { call, type ReconnectOptions } from './common.js';

/** Time and chance as the machine sees them; tests pass a fake clock. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

/** A connection open this long counts as healthy: the next outage starts from the first delay again. */
export const STABLE_MS = 5000;

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"): members that lost the same relay do not come back in
 * lockstep.
 */
export class Backoff {
  /** Attempts since the last stable connection. */
  #failures = 0;

  /** `false`: no reconnecting at all. */
  constructor(
    private readonly settings: Required<ReconnectOptions> | false,
    private readonly clock: Clock = realClock,
  ) {}

  /** An attempt ended; `openedAt` is when it opened (null: it never did). A long-lived one resets the count. */
  ended(openedAt: number | null): void {
    if (openedAt !== null && this.clock.now() - openedAt >= STABLE_MS) this.#failures = 0;
  }

  /** The delay before the next attempt, or null when the adapter must not reconnect. */
  next(): number | null {
    if (this.settings === false) return null;
    const { initialDelayMs, maxDelayMs } = this.settings;
    const bound = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(this.#failures, 30));
    this.#failures += 1;
    return this.clock.random() * bound;
  }
}

/** How one attempt ended, as the adapter reads its transport. */
export type Ending =
  /** Retrying cannot help (refused credentials or topic, a blocked URL): report and close for good. */
  | { readonly kind: 'fatal'; readonly error: SecureMeetingError }
  /** The relay dropped us for something we did (rate limit, size cap): report every time, retry. */
  | { readonly kind: 'retry'; readonly error: SecureMeetingError }
  /** Could not reach the relay, or lost it: retry; reported once per outage, and only while never open. */
  | { readonly kind: 'unreachable'; readonly error: SecureMeetingError }
  /** Dial again at once, without backoff (MQTT falling back to 3.1.1). */
  | { readonly kind: 'redial' };

/**
 * One attempt as its transport's listeners see it. Every call from an
 * attempt that is no longer the current one (it ended, or close() ended it)
 * is ignored, so a late event from an old socket cannot touch the connection.
 */
export interface Attempt {
  /** True while this is the connection's current attempt. */
  readonly current: boolean;
  /** The relay takes and delivers our messages now. */
  opened(): void;
  message(data: string): void;
  /** An error that does not end the attempt by itself (a kick, before the disconnect that follows). */
  report(error: SecureMeetingError): void;
  ended(ending: Ending): void;
}

/** What an adapter supplies: one attempt's life, for a socket (or client) of type S. */
export interface Transport<S> {
  /**
   * Starts one attempt and returns its socket; its listeners report through
   * `attempt`. Throwing (a SecureMeetingError, e.g. for mixed content or a
   * CSP block) reports it and closes for good: retrying cannot help.
   */
  open(attempt: Attempt): S;
  /** Sends one frame on the open attempt's socket; false when it cannot. */
  send(socket: S, data: string): boolean;
  /** Lets go of an attempt: listeners off, socket and its timers freed. Called once per attempt. */
  dispose(socket: S): void;
}

// The machine's phases (named like ws's lib/receiver.js states). The
// public RelayState is derived: DIALLING and WAITING read 'connecting'
// before the first open and 'reconnecting' after it.
/** An attempt is in flight and has not opened. */
const DIALLING = 0;
/** The current attempt is open. */
const OPEN = 1;
/** Between attempts: the backoff timer runs. */
const WAITING = 2;
/** For good: no attempt, no timer. */
const CLOSED = 3;
type Phase = typeof DIALLING | typeof OPEN | typeof WAITING | typeof CLOSED;

interface Current<S> {
  socket: S | undefined;
  openedAt: number | null;
}

/**
 * A RelayConnection over any transport: what `connect()` of each browser
 * adapter returns. Reports 'connecting' synchronously and dials at once.
 */
export class ReconnectingConnection<S> implements RelayConnection {
  #phase: Phase = DIALLING;
  #state: RelayState = 'connecting';
  #current: Current<S> | null = null;
  #timer: unknown;
  #everOpened = false;
  #outageReported = false;
  readonly #backoff: Backoff;

  constructor(
    private readonly transport: Transport<S>,
    reconnect: Required<ReconnectOptions> | false,
    private readonly handlers: RelayHandlers,
    private readonly clock: Clock = realClock,
  ) {
    this.#backoff = new Backoff(reconnect, clock);
    call(handlers.state, 'connecting');
    this.#dial();
  }

  get state(): RelayState {
    return this.#state;
  }

  publish(data: string): boolean {
    if (typeof data !== 'string') throw invalidOption('publish() takes a string');
    const socket = this.#current?.socket;
    if (this.#phase !== OPEN || socket === undefined) return false;
    return this.transport.send(socket, data);
  }

  close(): void {
    if (this.#phase === CLOSED) return;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#release();
    this.#enter(CLOSED);
  }

  #enter(phase: Phase): void {
    this.#phase = phase;
    const state: RelayState =
      phase === OPEN ? 'open' : phase === CLOSED ? 'closed' : this.#everOpened ? 'reconnecting' : 'connecting';
    if (this.#state === state) return;
    this.#state = state;
    call(this.handlers.state, state);
  }

  /** Ends the current attempt, if any: from here on its events are stale. */
  #release(): Current<S> | null {
    const current = this.#current;
    this.#current = null;
    if (current?.socket !== undefined) this.transport.dispose(current.socket);
    return current;
  }

  #dial(): void {
    this.#enter(DIALLING);
    const current: Current<S> = { socket: undefined, openedAt: null };
    this.#current = current;
    let socket: S;
    try {
      socket = this.transport.open(this.#attempt(current));
    } catch (cause) {
      const error =
        cause instanceof SecureMeetingError ? cause : new SecureMeetingError('unreachable', 'cannot open the relay connection', { cause });
      if (this.#current === current) this.#fail(error);
      return;
    }
    // The attempt may have ended (or close() been called) while it was opening.
    if (this.#current === current) current.socket = socket;
    else this.transport.dispose(socket);
  }

  #attempt(current: Current<S>): Attempt {
    const live = (): boolean => this.#current === current;
    return {
      get current() {
        return live();
      },
      opened: () => {
        if (!live() || this.#phase !== DIALLING) return;
        current.openedAt = this.clock.now();
        this.#everOpened = true;
        this.#outageReported = false;
        this.#enter(OPEN);
      },
      message: (data) => {
        if (live()) call(this.handlers.message, data);
      },
      report: (error) => {
        if (live()) call(this.handlers.error, error);
      },
      ended: (ending) => {
        if (live()) this.#ended(ending);
      },
    };
  }

  #fail(error: SecureMeetingError): void {
    call(this.handlers.error, error);
    this.close();
  }

  #ended(ending: Ending): void {
    const { openedAt } = this.#release() ?? { openedAt: null };
    this.#backoff.ended(openedAt);
    switch (ending.kind) {
      case 'fatal':
        return this.#fail(ending.error);
      case 'redial':
        return this.#dial();
      case 'retry':
        call(this.handlers.error, ending.error);
        break;
      case 'unreachable':
        // One report per outage: the app learns the relay is down, not every retry.
        // Losing an open connection is not an error by itself: 'reconnecting' says it.
        if (openedAt === null && !this.#outageReported) {
          this.#outageReported = true;
          call(this.handlers.error, ending.error);
        }
    }
    // An error handler may have closed us.
    if (this.#phase === CLOSED) return;
    const delay = this.#backoff.next();
    if (delay === null) return this.close();
    this.#enter(WAITING);
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#dial();
    }, delay);
  }
}
