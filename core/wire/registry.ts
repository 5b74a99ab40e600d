/**
 * Control messages: what members send each other over their own data
 * channels, after the relay has introduced them. Each type is declared once,
 * by the feature that owns it (core's mesh included), with the guard its body
 * must pass. The router hands each inbound message to its owner's handler;
 * anything malformed, undeclared or invalid is dropped and counted, and one
 * bad message (or a handler that throws) never stops the next.
 *
 * Each type also has a rate limit, a token bucket per sender link: a member
 * may send `burst` messages of a type at once, then `perSecond` on average.
 * What goes over is dropped and counted as `limited`, before its validator
 * runs, so a member cannot make the others work or propagate without bound.
 */
import { systemClock, type Clock } from '../clock.js';
import { invalidOption } from '../errors.js';
import { TokenBucket, type RateLimit } from './bucket.js';
import { isObject, MAX_ENVELOPE_BYTES, type Json } from './guards.js';

export type { RateLimit } from './bucket.js';

/** One control message type: its name on the wire and the check its body must pass. */
export interface MessageType<B extends object = object> {
  readonly type: string;
  /** True when a received body is well formed. Must not throw. */
  readonly valid: (body: Json) => boolean;
  /** How many of these one member may send us: `burst` at once, then `perSecond` on average. */
  readonly limit: Required<RateLimit>;
  /** Carries the body type for TypeScript; never set. */
  readonly body?: B;
}

/**
 * The limit of a type declared without one: generous for anything a person
 * does by hand, still a bound on what a hostile member can make us do.
 */
export const DEFAULT_LIMIT: Required<RateLimit> = Object.freeze({ perSecond: 20, burst: 50 });

const TYPE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Declares a control message type. `valid` sees only an object (the body);
 * it decides whether that object is a `B`. `limit` bounds how many one
 * member may send us (default DEFAULT_LIMIT).
 */
export function defineMessage<B extends object>(type: string, valid: (body: Json) => boolean, limit: RateLimit = DEFAULT_LIMIT): MessageType<B> {
  if (!TYPE_PATTERN.test(type)) throw invalidOption(`message type "${type}" must be a lowercase letter then up to 31 letters, digits or dashes`);
  if (typeof valid !== 'function') throw invalidOption(`message type "${type}" needs a validator function`);
  const perSecond = limit?.perSecond;
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond <= 0) {
    throw invalidOption(`message type "${type}": perSecond must be a number above 0`);
  }
  const burst = limit.burst ?? Math.max(1, Math.ceil(perSecond));
  if (!Number.isInteger(burst) || burst < 1) throw invalidOption(`message type "${type}": burst must be a whole number from 1`);
  return Object.freeze({ type, valid, limit: Object.freeze({ perSecond, burst }) });
}

/** A forwarded envelope is the largest control message; a little room for its wrapping. */
export const MAX_CONTROL_BYTES = MAX_ENVELOPE_BYTES + 1024;

export type ControlDropReason =
  | 'oversize' // over MAX_CONTROL_BYTES, not parsed
  | 'malformed' // not JSON text, or not {type, body}
  | 'unknown' // a type no installed feature declared
  | 'invalid' // the body failed its type's validator
  | 'limited' // over its type's rate limit for that sender
  | 'failed'; // the handler threw

export const CONTROL_DROP_REASONS: readonly ControlDropReason[] = ['oversize', 'malformed', 'unknown', 'invalid', 'limited', 'failed'];

interface Route<P> {
  readonly owner: string;
  readonly message: MessageType;
  handler: ((peer: P, body: never) => void) | null;
}

/** Routes inbound control messages to the feature that declared their type. `P` is whatever a handler is told the sender is. */
export class ControlRouter<P> {
  readonly dropped = Object.fromEntries(CONTROL_DROP_REASONS.map((r) => [r, 0])) as Record<ControlDropReason, number>;
  readonly #routes = new Map<string, Route<P>>();
  readonly #failed: (error: unknown) => void;
  readonly #clock: Pick<Clock, 'now'>;
  /** Per sender, per type; a sender's go with `forget(sender)`. */
  readonly #buckets = new Map<P, Map<string, TokenBucket>>();

  /**
   * `failed` hears what a handler threw; by default it is rethrown outside the
   * dispatch, to reach the console. The rate limits read `clock`.
   */
  constructor(failed: (error: unknown) => void = (error) => queueMicrotask(() => { throw error; }), clock: Pick<Clock, 'now'> = systemClock) {
    this.#failed = failed;
    this.#clock = clock;
  }

  /** Claims `messages` for `owner`. A type already claimed (by anyone) is a TypeError, and nothing is claimed. */
  declare(owner: string, messages: readonly MessageType[]): void {
    const seen = new Set<string>();
    for (const m of messages) {
      if (!m || typeof m.type !== 'string' || typeof m.valid !== 'function') {
        throw invalidOption(`${owner} declares something that is not a message type; use defineMessage()`);
      }
      const by = this.#routes.get(m.type)?.owner ?? (seen.has(m.type) ? owner : undefined);
      if (by !== undefined) throw invalidOption(`control message type "${m.type}" is declared by both "${by}" and "${owner}"`);
      seen.add(m.type);
    }
    for (const message of messages) this.#routes.set(message.type, { owner, message, handler: null });
  }

  /** Sets the handler for a type `owner` declared. One handler per type. */
  on<B extends object>(owner: string, message: MessageType<B>, handler: (peer: P, body: B) => void): void {
    const route = this.#owned(owner, message);
    if (route.handler) throw invalidOption(`${owner} already handles "${message.type}"`);
    route.handler = handler as (peer: P, body: never) => void;
  }

  /** The wire form of a message `owner` may send. */
  encode<B extends object>(owner: string, message: MessageType<B>, body: B): string {
    this.#owned(owner, message);
    return JSON.stringify({ type: message.type, body });
  }

  /** One inbound frame from `peer`'s control channel. */
  dispatch(peer: P, data: unknown): void {
    if (typeof data === 'string' && data.length > MAX_CONTROL_BYTES) return this.#drop('oversize');
    let parsed: unknown;
    try {
      parsed = typeof data === 'string' ? JSON.parse(data) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!isObject(parsed) || typeof parsed['type'] !== 'string' || !isObject(parsed['body'])) return this.#drop('malformed');
    const route = this.#routes.get(parsed['type']);
    if (!route?.handler) return this.#drop('unknown');
    if (!this.#allowed(peer, route.message)) return this.#drop('limited');
    const body = parsed['body'];
    if (!route.message.valid(body)) return this.#drop('invalid');
    try {
      route.handler(peer, body as never);
    } catch (error) {
      // Counted and isolated, but not hidden.
      this.#drop('failed');
      this.#failed(error);
    }
  }

  /** A sender is gone: its rate-limit state goes too. */
  forget(peer: P): void {
    this.#buckets.delete(peer);
  }

  #allowed(peer: P, message: MessageType): boolean {
    const now = this.#clock.now();
    let own = this.#buckets.get(peer);
    if (!own) this.#buckets.set(peer, (own = new Map()));
    let bucket = own.get(message.type);
    if (!bucket) own.set(message.type, (bucket = new TokenBucket(message.limit ?? DEFAULT_LIMIT, now)));
    return bucket.take(now);
  }

  #owned(owner: string, message: MessageType): Route<P> {
    const route = this.#routes.get(message?.type);
    if (!route || route.message !== message || route.owner !== owner) {
      throw invalidOption(`"${String(message?.type)}" is not a message type ${owner} declared`);
    }
    return route;
  }

  #drop(reason: ControlDropReason): void {
    this.dropped[reason]++;
  }
}
