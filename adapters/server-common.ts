/**
 * What the two relay servers (websocket/server.ts, socketio/server.ts) share:
 * their common options, the API-key check, the per-member token bucket and
 * listening on a port of their own. Node only: imported by the two server
 * entries and nothing a browser build reaches.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { invalidOption } from '../core/errors.js';

/** Both relays take topics of 1–128 of [A-Za-z0-9_-]: core's blinded topics are 32 hex characters. */
export const TOPIC = /^[A-Za-z0-9_-]{1,128}$/;

/** The options both relays take, with the same meaning. */
export interface CommonServerOptions {
  port?: number;
  host?: string;
  apiKeys?: readonly string[];
  maxPayload?: number;
  rateLimit?: { messagesPerSecond?: number; burst?: number } | false;
  maxMembersPerTopic?: number;
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
}

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
  };
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
