/**
 * The small type guards every inbound message is built from. Nothing here
 * throws on bad input: a guard returns false and the caller drops and counts
 * the message.
 */

/** Member ids are 16 hex characters: a hash prefix of the identity key (core/identity.ts). */
export const ID_PATTERN = /^[0-9a-f]{16}$/;
export const MAX_NAME_LENGTH = 64;
/** Larger envelopes are dropped unread (envelope.ts); an SDP offer with candidates is far below this. */
export const MAX_ENVELOPE_BYTES = 64 * 1024;

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
export const isOptional = <T>(v: unknown, guard: (x: unknown) => x is T): boolean => v === undefined || v === null || guard(v);
export const isId = (v: unknown): v is string => typeof v === 'string' && ID_PATTERN.test(v);

export function isName(v: unknown): v is string {
  return isString(v, MAX_NAME_LENGTH) && v.trim().length > 0;
}
