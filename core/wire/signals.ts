/**
 * The signals members exchange sealed over the relay (and, once connected,
 * description and candidate over their control channel too), and the guards
 * each must pass once decrypted.
 */
import { PUBLIC_KEY_PATTERN, SIGNATURE_PATTERN } from '../identity.js';
import { isId, isName, isObject, isOptional, isString, type Json } from './guards.js';

const MAX_SDP_LENGTH = 48 * 1024;
const MAX_CANDIDATE_LENGTH = 1024;

export interface HelloBody { name: string }
export interface DescriptionBody { description: { type: 'offer' | 'answer'; sdp: string }; name: string }
export interface CandidateBody { candidate: RTCIceCandidateInit | null }
export type EmptyBody = Record<string, never>;

/** A host action as signed (core/features/roles.ts): the JSON payload exactly as signed, and its P-256 signature. */
export interface SignedActionBody { p: string; s: string }
/**
 * A member who holds a newcomer's hello tells it where it stands (the waiting
 * room, core/features/waiting-room.ts): still waiting, or denied by host
 * `by`, with the signed deny action so it can be checked.
 */
export type KnockBody = { state: 'waiting' } | { state: 'denied'; by: string; action?: SignedActionBody };

/** Messages that travel sealed over the relay (and round a broken link, forwarded by members). */
export type Signal =
  | { type: 'hello'; body: HelloBody }
  | { type: 'description'; body: DescriptionBody }
  | { type: 'candidate'; body: CandidateBody }
  | { type: 'bye'; body: EmptyBody }
  | { type: 'knock'; body: KnockBody };

/** The signals a member pair also exchanges over its own control channel. */
export type LinkSignal = Extract<Signal, { type: 'description' | 'candidate' }>;

/** What the envelope carries inside, besides the signal itself. */
export interface Header {
  /** The sender's member id: the hash prefix of `key` (identity.ts). */
  from: string;
  to?: string;
  ts: number;
  nonce: string;
  /** The sender's public identity key, which signed the envelope. */
  key: string;
}

export function isDescriptionBody(b: Json): boolean {
  const d = b['description'];
  return isName(b['name']) && isObject(d) && (d['type'] === 'offer' || d['type'] === 'answer') && isString(d['sdp'], MAX_SDP_LENGTH);
}

export function isCandidateBody(b: Json): boolean {
  const c = b['candidate'];
  if (c === null) return true;
  return isObject(c) && isString(c['candidate'], MAX_CANDIDATE_LENGTH) &&
    isOptional(c['sdpMid'], (x): x is string => isString(x, 64)) &&
    isOptional(c['sdpMLineIndex'], (x): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) < 1024) &&
    isOptional(c['usernameFragment'], (x): x is string => isString(x, 256));
}

/** A signed action's payload: small JSON (a kind, a member id and key, a term, a time). */
const MAX_ACTION_PAYLOAD = 4096;

export function isSignedAction(v: unknown): v is SignedActionBody {
  return isObject(v) && isString(v['p'], MAX_ACTION_PAYLOAD) && typeof v['s'] === 'string' && SIGNATURE_PATTERN.test(v['s']);
}

export function isKnockBody(b: Json): boolean {
  if (b['state'] === 'waiting') return true;
  return b['state'] === 'denied' && isId(b['by']) && (b['action'] === undefined || isSignedAction(b['action']));
}

const signalGuards: Record<Signal['type'], (b: Json) => boolean> = {
  hello: (b) => isName(b['name']),
  description: isDescriptionBody,
  candidate: isCandidateBody,
  bye: () => true,
  knock: isKnockBody,
};

export function parseSignal(v: unknown): Signal | undefined {
  if (!isObject(v) || typeof v['type'] !== 'string' || !Object.hasOwn(signalGuards, v['type']) || !isObject(v['body'])) return undefined;
  return signalGuards[v['type'] as Signal['type']](v['body']) ? ({ type: v['type'], body: v['body'] } as Signal) : undefined;
}

/** The header fields of a decrypted envelope; undefined when any is missing or malformed. */
export function parseHeader(v: Json): Header | undefined {
  const { from, to, ts, nonce, key } = v;
  if (!isId(from)) return undefined;
  if (to !== undefined && !isId(to)) return undefined;
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return undefined;
  if (typeof nonce !== 'string' || !/^[A-Za-z0-9_-]{16,32}$/.test(nonce)) return undefined;
  if (typeof key !== 'string' || !PUBLIC_KEY_PATTERN.test(key)) return undefined;
  return to === undefined ? { from, ts, nonce, key } : { from, to, ts, nonce, key };
}
