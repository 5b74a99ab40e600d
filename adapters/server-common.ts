/**
 * What the two relay servers (websocket/server.ts, socketio/server.ts) share:
 * their common options and limits, the API-key check, the per-member token
 * bucket, the topic rule, counting connections per address, their stats, and
 * listening on a port of their own. Node only: imported by the two server
 * entries and nothing a browser build reaches.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { invalidOption } from '../core/errors.js';

/** The widest any topic may be, whatever the `topics` option: what a URL path and a room name carry safely. */
export const TOPIC = /^[A-Za-z0-9_-]{1,128}$/;
/** Core's blinded topics: 128 bits as lowercase hex. Anything else is not one of our meetings. */
export const BLINDED_TOPIC = /^[0-9a-f]{32}$/;

/**
 * Which topics a relay takes: `'blinded'` (core's 32 lowercase hex), `'any'`
 * (1–128 of [A-Za-z0-9_-], for generic set-ups such as `[CHANNEL_ID]`), or a
 * RegExp a topic must match on top of that rule.
 */
export type TopicRule = 'blinded' | 'any' | RegExp;

/**
 * The limits both relays take, so that nobody without the password can make
 * them run out of memory. How each relay tells a client it hit one is in its
 * own options and in the README.
 */
export interface LimitOptions {
  /**
   * Which topics are taken. Default `'blinded'`: core's topics, 32 lowercase
   * hex characters. `'any'`: 1–128 of [A-Za-z0-9_-], for generic set-ups such
   * as a URL template `/relay/ch-[CHANNEL_ID]`. A RegExp: topics that match
   * it and that rule.
   */
  topics?: TopicRule;
  /**
   * Bytes a member may have waiting to be sent to it. A member that does not
   * read is dropped when the next message for it would pass this, so a reader
   * that stalls costs at most this much memory. Default 1 MiB.
   */
  maxBufferedBytes?: number;
  /** Connections at once from one address (an IPv6 /64); see each relay for how one more is refused. Default 20. */
  maxConnectionsPerAddress?: number;
  /** Connections at once in all. Default 10 000. */
  maxConnections?: number;
  /**
   * The address a request counts under for maxConnectionsPerAddress. Default:
   * the TCP peer. Behind a proxy every client shares the proxy's address: read
   * the header your proxy sets (and only that proxy) here.
   */
  addressOf?: (req: IncomingMessage) => string;
}

/** The options both relays take, with the same meaning. */
export interface CommonServerOptions extends LimitOptions {
  port?: number;
  host?: string;
  apiKeys?: readonly string[];
  maxPayload?: number;
  rateLimit?: { messagesPerSecond?: number; burst?: number } | false;
  maxMembersPerTopic?: number;
}

/** What a relay holds and has turned away since it started, for tests and diagnostics. */
export interface RelayStats {
  /** Bytes accepted for sending to members and not yet handed to the kernel, all together. */
  bufferedBytes: number;
  /** Connections held, refused ones still closing included (what the connection caps count). */
  sockets: number;
  /** Members taking part now, on this instance. */
  members: number;
  /** Topics with at least one member on this instance. */
  topics: number;
  /**
   * Frames (and their payload bytes) received from this instance's members
   * (`in`) and the copies of them handed to other members (`out`; on a
   * cluster, only the copies this instance sends).
   */
  frames: { in: number; out: number };
  bytes: { in: number; out: number };
  /** Members dropped for not reading (`slow`) or for missing a heartbeat. */
  dropped: { slow: number; heartbeat: number };
  /** By reason; `unavailable`: the cluster could not be asked. */
  refused: { perAddress: number; total: number; badTopic: number; unauthorized: number; topicFull: number; unavailable: number };
  /** Pongs that answered no outstanding ping, ignored. */
  ignoredPongs: number;
}

/** Fresh counters for RelayStats. */
export function counters(): Omit<RelayStats, 'bufferedBytes' | 'sockets' | 'members' | 'topics'> {
  return {
    frames: { in: 0, out: 0 },
    bytes: { in: 0, out: 0 },
    dropped: { slow: 0, heartbeat: 0 },
    refused: { perAddress: 0, total: 0, badTopic: 0, unauthorized: 0, topicFull: 0, unavailable: 0 },
    ignoredPongs: 0,
  };
}

export interface Rate {
  readonly perSecond: number;
  readonly burst: number;
}

export interface CommonSettings {
  readonly port: number;
  readonly host: string;
  readonly apiKeys: readonly string[] | undefined;
  readonly maxPayload: number;
  readonly rate: Rate | false;
  readonly maxMembers: number;
  readonly topicAllowed: (topic: string) => boolean;
  readonly maxBuffered: number;
  readonly perAddress: number;
  readonly maxConnections: number;
  readonly addressOf: (req: IncomingMessage) => string;
}

const MiB = 1024 * 1024;

/** Reads a whole number option, `fallback` when absent; `fn` names the factory in the error. */
export function count(fn: string, name: string, value: number | undefined, fallback: number, min = 1): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min) throw invalidOption(`${fn}: ${name} must be an integer >= ${min}`);
  return n;
}

/** Throws unless `options` is an object; `fn` names the factory in the error. */
export function checkObject(fn: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) throw invalidOption(`${fn}: options must be an object`);
}

/** Checks the options both relays share (after checkObject); `fn` names the factory in the errors. */
export function readCommon(fn: string, options: CommonServerOptions): CommonSettings {
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw invalidOption(`${fn}: host must be a non-empty string`);
  const { apiKeys } = options;
  if (
    apiKeys !== undefined &&
    (!Array.isArray(apiKeys) || apiKeys.length === 0 || !apiKeys.every((k) => typeof k === 'string' && k !== ''))
  ) {
    throw invalidOption(`${fn}: apiKeys must be a non-empty array of non-empty strings`);
  }
  const rate = options.rateLimit ?? {};
  if (rate !== false && (typeof rate !== 'object' || rate === null)) {
    throw invalidOption(`${fn}: rateLimit must be false or { messagesPerSecond, burst }`);
  }
  return {
    port: count(fn, 'port', options.port, 0, 0),
    host,
    apiKeys,
    maxPayload: count(fn, 'maxPayload', options.maxPayload, 64 * 1024),
    rate:
      rate === false
        ? false
        : {
            perSecond: count(fn, 'rateLimit.messagesPerSecond', rate.messagesPerSecond, 50),
            burst: count(fn, 'rateLimit.burst', rate.burst, 100),
          },
    maxMembers: count(fn, 'maxMembersPerTopic', options.maxMembersPerTopic, 50),
    topicAllowed: topicRule(fn, options.topics),
    maxBuffered: count(fn, 'maxBufferedBytes', options.maxBufferedBytes, MiB),
    perAddress: count(fn, 'maxConnectionsPerAddress', options.maxConnectionsPerAddress, 20),
    maxConnections: count(fn, 'maxConnections', options.maxConnections, 10_000),
    addressOf: addressReader(fn, options.addressOf),
  };
}

function topicRule(fn: string, rule: TopicRule | undefined): (topic: string) => boolean {
  if (rule === undefined || rule === 'blinded') return (topic) => BLINDED_TOPIC.test(topic);
  if (rule === 'any') return (topic) => TOPIC.test(topic);
  if (!(rule instanceof RegExp)) throw invalidOption(`${fn}: topics must be 'blinded', 'any' or a RegExp`);
  // A copy without g/y: those make test() remember lastIndex between topics.
  const own = new RegExp(rule.source, rule.flags.replace(/[gy]/g, ''));
  return (topic) => TOPIC.test(topic) && own.test(topic);
}

function addressReader(fn: string, addressOf: ((req: IncomingMessage) => string) | undefined): (req: IncomingMessage) => string {
  if (addressOf === undefined) return (req) => addressKey(req.socket.remoteAddress);
  if (typeof addressOf !== 'function') throw invalidOption(`${fn}: addressOf must be a function of the request`);
  return (req) => String(addressOf(req));
}

/**
 * The key a connection is counted under for maxConnectionsPerAddress: the
 * IPv4 address, or the /64 prefix of an IPv6 one (one host usually holds a
 * whole /64, RFC 4291 §2.5.4, so counting single IPv6 addresses caps nothing).
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':') + '::/64';
}

/** Why a connection is refused before it takes part: too many from its address, or from everywhere. */
export type CapRefusal = 'per-address' | 'total';

/**
 * Counts the connections a relay holds, per address and in all, so the caps
 * hold whatever a client opens. take() reserves a place; its release is idempotent.
 */
export class ConnectionCounter {
  readonly #byAddress = new Map<string, number>();
  #total = 0;
  constructor(
    readonly perAddress: number,
    readonly max: number,
  ) {}

  get total(): number {
    return this.#total;
  }

  of(address: string): number {
    return this.#byAddress.get(address) ?? 0;
  }

  /** Which cap one more connection from `address` would break, if any. */
  check(address: string): CapRefusal | null {
    if (this.#total >= this.max) return 'total';
    if (this.of(address) >= this.perAddress) return 'per-address';
    return null;
  }

  take(address: string): () => void {
    this.#total += 1;
    this.#byAddress.set(address, this.of(address) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#total -= 1;
      const left = this.of(address) - 1;
      if (left > 0) this.#byAddress.set(address, left);
      else this.#byAddress.delete(address);
    };
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** A check of a presented key against the relay's list; every key passes when there is no list. */
export function keyChecker(apiKeys: readonly string[] | undefined): (key: unknown) => boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  const digests = apiKeys?.map(sha256);
  return (key) => {
    if (digests === undefined) return true;
    if (typeof key !== 'string') return false;
    const digest = sha256(key);
    let ok = false;
    // No early exit: the time taken does not say which key (or how much of one) matched.
    for (const candidate of digests) ok = timingSafeEqual(candidate, digest) || ok;
    return ok;
  };
}

/**
 * One member's token bucket: `burst` messages at once, refilled at
 * `perSecond`. Returns the function that takes a token (false: over the limit).
 */
export function tokenBucket(rate: Rate | false, now: () => number = Date.now): () => boolean {
  if (rate === false) return () => true;
  let tokens = rate.burst;
  let refilledAt = now();
  return () => {
    const t = now();
    tokens = Math.min(rate.burst, tokens + ((t - refilledAt) / 1000) * rate.perSecond);
    refilledAt = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** Listens on a server the relay created; rejects if listening fails. */
export function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Closes a server the relay created, dropping the connections still open. */
export function shutDown(server: HttpServer): Promise<void> {
  return new Promise<void>((resolve) => {
    // The callback also runs (with an error) when listen never succeeded.
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
