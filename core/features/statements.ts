/**
 * Signed statements: what hosts say (roles.ts). Each is the exact JSON text
 * that was signed (`p`) and its P-256 signature by the speaker's identity key
 * (`s`), so checking never depends on how anyone re-serialises JSON. The
 * payload names the meeting (a random id from its first host) and the host
 * term it was made in, which binds it to this meeting and to the role chain
 * of that moment: replayed into another meeting, or after a hand-over, it
 * entitles nothing.
 */
import { randomBytes, toBase64Url, utf8 } from '../encoding.js';
import { PUBLIC_KEY_PATTERN, SIGNATURE_PATTERN } from '../identity.js';
import { isId, isObject, isString, type Json } from '../wire/guards.js';

/** A statement as it travels: the payload exactly as signed, and the signature (base64url). */
export interface SignedAction { readonly p: string; readonly s: string }

/** The fields every statement's payload has. */
export interface Statement {
  readonly kind: string;
  /** The meeting's id: random, drawn by its first host. */
  readonly meeting: string;
  /** The host term it was made in (0 from the first host; one more at each hand-over). */
  readonly term: number;
  /** Who said it: member id, and the identity key that signed it (its hash is the id). */
  readonly by: string;
  readonly key: string;
  readonly ts: number;
  readonly nonce: string;
  readonly body: Json;
  readonly signed: SignedAction;
}

/** A roster of a few hundred members stays under this; anything larger is dropped unread. */
export const MAX_STATEMENT_BYTES = 24 * 1024;
const MEETING_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const KIND_PATTERN = /^[a-z][a-z0-9:-]{0,47}$/;

export const newMeetingId = (): string => toBase64Url(randomBytes(16));
export const isMeetingId = (v: unknown): v is string => typeof v === 'string' && MEETING_PATTERN.test(v);

export const isSigned = (v: unknown): v is SignedAction =>
  isObject(v) && isString(v['p'], MAX_STATEMENT_BYTES) && typeof v['s'] === 'string' && SIGNATURE_PATTERN.test(v['s']);

/** The statement a signed payload says, or undefined when its shape is wrong (the signature is not checked here). */
export function parseStatement(signed: SignedAction): Statement | undefined {
  let v: unknown;
  try {
    v = JSON.parse(signed.p);
  } catch {
    return undefined;
  }
  if (!isObject(v)) return undefined;
  const { kind, meeting, term, by, key, ts, nonce, body } = v;
  if (typeof kind !== 'string' || !KIND_PATTERN.test(kind) || !isMeetingId(meeting)) return undefined;
  if (!Number.isSafeInteger(term) || (term as number) < 0 || !isId(by)) return undefined;
  if (typeof key !== 'string' || !PUBLIC_KEY_PATTERN.test(key) || typeof ts !== 'number' || !Number.isFinite(ts)) return undefined;
  if (typeof nonce !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(nonce) || !isObject(body)) return undefined;
  return { kind, meeting, term: term as number, by, key, ts, nonce, body, signed };
}

/** What signs and checks statements: our identity, and a checker of others' keys. */
export interface Signer {
  readonly id: string;
  readonly publicKey: string;
  sign(data: Uint8Array<ArrayBuffer>): Promise<string>;
  verify(from: string, publicKey: string, signature: string, data: Uint8Array<ArrayBuffer>): Promise<boolean>;
}

/** Signs a statement of ours. */
export async function signStatement(signer: Signer, fields: Pick<Statement, 'kind' | 'meeting' | 'term' | 'ts' | 'body'>): Promise<Statement> {
  const payload = { kind: fields.kind, meeting: fields.meeting, term: fields.term, by: signer.id, key: signer.publicKey, ts: fields.ts, nonce: toBase64Url(randomBytes(16)), body: fields.body };
  const p = JSON.stringify(payload);
  const signed = { p, s: await signer.sign(utf8(p)) };
  return { ...payload, signed };
}

/** Checks signatures, each one once: statements come back often (every action carries its term's chain). */
export class StatementChecker {
  /** Signature → the payload it was checked against, and the answer. */
  readonly #seen = new Map<string, { p: string; ok: Promise<boolean> }>();
  constructor(private readonly signer: Signer, private readonly max = 512) {}

  /** True when the statement is signed by the key it names, and that key is its `by`'s. Never throws. */
  check(statement: Statement): Promise<boolean> {
    const { p, s } = statement.signed;
    const seen = this.#seen.get(s);
    // Only the exact text signed counts: the same signature on another payload is checked afresh.
    if (seen?.p === p) return seen.ok;
    const ok = this.signer.verify(statement.by, statement.key, s, utf8(p)).catch(() => false);
    if (!seen) {
      this.#seen.set(s, { p, ok });
      if (this.#seen.size > this.max) this.#seen.delete(this.#seen.keys().next().value as string);
    }
    return ok;
  }
}
