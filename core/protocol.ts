/**
 * The messages members exchange, and the type guards every inbound one must
 * pass. Nothing here throws on bad input: a guard returns undefined and the
 * caller drops and counts the message.
 */

import { MAX_WINDOW_MS } from './join-window.js';

/** Ids are 16 hex characters (core/encoding.ts randomId). */
export const ID_PATTERN = /^[0-9a-f]{16}$/;
export const MAX_NAME_LENGTH = 64;
const MAX_SDP_LENGTH = 48 * 1024;
const MAX_CANDIDATE_LENGTH = 1024;
/** Larger envelopes are dropped unread (envelope.ts); an SDP offer with candidates is far below this. */
export const MAX_ENVELOPE_BYTES = 64 * 1024;

export interface HelloBody { name: string }
export interface DescriptionBody { description: { type: 'offer' | 'answer'; sdp: string }; name: string }
export interface CandidateBody { candidate: RTCIceCandidateInit | null }
export interface StateBody { name: string; audio: boolean; video: boolean }
export type ByeBody = Record<string, never>;
/**
 * The join window (join-window.ts). `open: true`: joining is open for `ms`
 * from now; with `follow`, only a reminder of the room's window for a
 * newcomer, which only ever shortens its own. `open: false`: lock now.
 */
export type WindowBody = { open: true; ms: number; follow?: boolean } | { open: false };
/** Liveness: a ping is sent every few seconds over each control channel, and answered with a pong at once. */
export type PingBody = Record<string, never>;
/**
 * A sealed envelope (envelope.ts) passed round a broken direct link: sent to
 * a member we are still connected to, who passes it on to `to` over their
 * own control channel. The envelope is sealed with the room key and carries
 * its real sender, addressee, timestamp and nonce, so forwarding cannot
 * forge, redirect or replay it.
 */
export interface ForwardBody { to: string; envelope: string }

/** Messages that travel sealed over the relay (and, once connected, over the control channel). */
export type Signal =
  | { type: 'hello'; body: HelloBody }
  | { type: 'description'; body: DescriptionBody }
  | { type: 'candidate'; body: CandidateBody }
  | { type: 'bye'; body: ByeBody };

/** Messages that travel only over a member pair's own control data channel. */
export type Control =
  | { type: 'description'; body: DescriptionBody }
  | { type: 'candidate'; body: CandidateBody }
  | { type: 'state'; body: StateBody }
  | { type: 'window'; body: WindowBody }
  | { type: 'ping'; body: PingBody }
  | { type: 'pong'; body: PingBody }
  | { type: 'forward'; body: ForwardBody }
  | { type: 'bye'; body: ByeBody };

/** What the envelope carries inside, besides the signal itself. */
export interface Header {
  from: string;
  to?: string;
  ts: number;
  nonce: string;
}

type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const isOptional = <T>(v: unknown, guard: (x: unknown) => x is T): boolean => v === undefined || v === null || guard(v);

export function isName(v: unknown): v is string {
  return isString(v, MAX_NAME_LENGTH) && v.trim().length > 0;
}

function isDescriptionBody(b: Json): boolean {
  const d = b['description'];
  return isName(b['name']) && isObject(d) && (d['type'] === 'offer' || d['type'] === 'answer') && isString(d['sdp'], MAX_SDP_LENGTH);
}

function isCandidateBody(b: Json): boolean {
  const c = b['candidate'];
  if (c === null) return true;
  return isObject(c) && isString(c['candidate'], MAX_CANDIDATE_LENGTH) &&
    isOptional(c['sdpMid'], (x): x is string => isString(x, 64)) &&
    isOptional(c['sdpMLineIndex'], (x): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) < 1024) &&
    isOptional(c['usernameFragment'], (x): x is string => isString(x, 256));
}

const bodyGuards: Record<string, (b: Json) => boolean> = {
  hello: (b) => isName(b['name']),
  description: isDescriptionBody,
  candidate: isCandidateBody,
  bye: () => true,
  ping: () => true,
  pong: () => true,
  window: (b) => b['open'] === false || (b['open'] === true && Number.isInteger(b['ms']) &&
    (b['ms'] as number) > 0 && (b['ms'] as number) <= MAX_WINDOW_MS && (b['follow'] === undefined || typeof b['follow'] === 'boolean')),
  forward: (b) => typeof b['to'] === 'string' && ID_PATTERN.test(b['to']) && isString(b['envelope'], MAX_ENVELOPE_BYTES),
  state: (b) => isName(b['name']) && typeof b['audio'] === 'boolean' && typeof b['video'] === 'boolean',
};

const SIGNAL_TYPES = new Set(['hello', 'description', 'candidate', 'bye']);
const CONTROL_TYPES = new Set(['description', 'candidate', 'state', 'window', 'ping', 'pong', 'forward', 'bye']);

function parseWith<T>(types: Set<string>, v: unknown): T | undefined {
  if (!isObject(v) || typeof v['type'] !== 'string' || !types.has(v['type']) || !isObject(v['body'])) return undefined;
  return bodyGuards[v['type']]?.(v['body']) ? ({ type: v['type'], body: v['body'] } as T) : undefined;
}

export const parseSignal = (v: unknown): Signal | undefined => parseWith<Signal>(SIGNAL_TYPES, v);
export const parseControl = (v: unknown): Control | undefined => parseWith<Control>(CONTROL_TYPES, v);

/** The header fields of a decrypted envelope; undefined when any is missing or malformed. */
export function parseHeader(v: Json): Header | undefined {
  const { from, to, ts, nonce } = v;
  if (typeof from !== 'string' || !ID_PATTERN.test(from)) return undefined;
  if (to !== undefined && (typeof to !== 'string' || !ID_PATTERN.test(to))) return undefined;
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return undefined;
  if (typeof nonce !== 'string' || !/^[A-Za-z0-9_-]{16,32}$/.test(nonce)) return undefined;
  return to === undefined ? { from, ts, nonce } : { from, to, ts, nonce };
}
