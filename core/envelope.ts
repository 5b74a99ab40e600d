import { SecureMeetingError } from './errors.js';
import { fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from './encoding.js';
import { isObject, MAX_ENVELOPE_BYTES } from './wire/guards.js';
import { parseHeader, parseSignal, type Header, type Signal } from './wire/signals.js';

/**
 * Envelopes: one text frame per signaling message,
 *   {"v":1,"iv":"<b64url 12 bytes>","ct":"<b64url AES-256-GCM ciphertext+tag>"}
 * sealing {from, to?, ts, nonce, type, body}. The AAD binds the version and
 * the topic, so an envelope replayed into another room does not open.
 */
export const ENVELOPE_VERSION = 1;
export { MAX_ENVELOPE_BYTES };
/** Members' clocks may differ by this much; older or newer envelopes are stale. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export type DropReason =
  | 'oversize' // over the size cap, not even parsed
  | 'malformed' // not an envelope: bad JSON, wrong version, bad base64
  | 'undecryptable' // wrong key, tampered, or sealed for another topic
  | 'invalid' // decrypted, but the header or body fails validation
  | 'misaddressed' // addressed to another member
  | 'stale' // timestamp outside the skew window
  | 'replayed' // (sender, nonce) already seen
  | 'own'; // our own envelope echoed back by the relay

export const DROP_REASONS: readonly DropReason[] =
  ['oversize', 'malformed', 'undecryptable', 'invalid', 'misaddressed', 'stale', 'replayed', 'own'];

export type Inbound = Header & Signal;

export interface EnvelopeOptions {
  maxBytes?: number;
  maxSkewMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const PRUNE_EVERY = 256;

export class EnvelopeCodec {
  readonly dropped: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  readonly #key: CryptoKey;
  readonly #aad: Uint8Array<ArrayBuffer>;
  readonly #selfId: string;
  readonly #maxBytes: number;
  readonly #maxSkewMs: number;
  readonly #now: () => number;
  /** (sender|nonce) → timestamp, kept while the timestamp is inside the window. */
  readonly #seen = new Map<string, number>();
  #opened = 0;

  constructor(keys: { envelopeKey: CryptoKey; topic: string }, selfId: string, options: EnvelopeOptions = {}) {
    this.#key = keys.envelopeKey;
    this.#aad = utf8(`secure-meeting/v${ENVELOPE_VERSION}|${keys.topic}`);
    this.#selfId = selfId;
    this.#maxBytes = options.maxBytes ?? MAX_ENVELOPE_BYTES;
    this.#maxSkewMs = options.maxSkewMs ?? MAX_CLOCK_SKEW_MS;
    this.#now = options.now ?? Date.now;
  }

  async seal(signal: Signal, to?: string): Promise<string> {
    const header: Header = { from: this.#selfId, ts: this.#now(), nonce: toBase64Url(randomBytes(16)) };
    if (to !== undefined) header.to = to;
    const iv = randomBytes(12);
    const plain = utf8(JSON.stringify({ ...header, type: signal.type, body: signal.body }));
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: this.#aad }, this.#key, plain));
    const frame = JSON.stringify({ v: ENVELOPE_VERSION, iv: toBase64Url(iv), ct: toBase64Url(ct) });
    if (frame.length > this.#maxBytes) {
      throw new SecureMeetingError('rejected', `a ${signal.type} message is ${frame.length} bytes sealed, over the ${this.#maxBytes}-byte envelope cap`);
    }
    return frame;
  }

  /** Opens one inbound frame; returns undefined (and counts why) for anything that must be dropped. */
  async open(frame: string): Promise<Inbound | undefined> {
    if (frame.length > this.#maxBytes) return this.#drop('oversize');
    let outer: unknown;
    try {
      outer = JSON.parse(frame);
    } catch {
      return this.#drop('malformed');
    }
    if (!isObject(outer) || outer['v'] !== ENVELOPE_VERSION || typeof outer['iv'] !== 'string' || typeof outer['ct'] !== 'string') {
      return this.#drop('malformed');
    }
    const iv = fromBase64Url(outer['iv']);
    const ct = fromBase64Url(outer['ct']);
    if (!iv || iv.length !== 12 || !ct || ct.length < 16) return this.#drop('malformed');

    let inner: unknown;
    try {
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: this.#aad }, this.#key, ct);
      inner = JSON.parse(fromUtf8(plain));
    } catch {
      return this.#drop('undecryptable');
    }
    const header = isObject(inner) ? parseHeader(inner) : undefined;
    const signal = header ? parseSignal(inner) : undefined;
    if (!header || !signal) return this.#drop('invalid');
    if (header.from === this.#selfId) return this.#drop('own');
    if (header.to !== undefined && header.to !== this.#selfId) return this.#drop('misaddressed');
    const now = this.#now();
    if (Math.abs(now - header.ts) > this.#maxSkewMs) return this.#drop('stale');
    const key = `${header.from}|${header.nonce}`;
    if (this.#seen.has(key)) return this.#drop('replayed');
    this.#seen.set(key, header.ts);
    if (++this.#opened % PRUNE_EVERY === 0) this.#prune(now);
    return { ...header, ...signal };
  }

  #prune(now: number): void {
    // Anything older than the window is rejected as stale anyway.
    for (const [key, ts] of this.#seen) if (now - ts > this.#maxSkewMs) this.#seen.delete(key);
  }

  #drop(reason: DropReason): undefined {
    this.dropped[reason]++;
    return undefined;
  }
}
