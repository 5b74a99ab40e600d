import { SecureMeetingError } from './errors.js';
import { canDeflate, deflate, fromBase64Url, fromUtf8, inflate, randomBytes, toBase64Url, utf8 } from './encoding.js';
import { SignatureChecker, type Identity } from './identity.js';
import { isObject, MAX_ENVELOPE_BYTES } from './wire/guards.js';
import { parseHeader, parseSignal, type Header, type Signal } from './wire/signals.js';

/**
 * Envelopes: one text frame per signaling message,
 *   {"v":2,"iv":"<b64url 12 bytes>","ct":"<b64url AES-256-GCM ciphertext+tag>"}
 * sealing `<signature>.<{from, to?, ts, nonce, key, type, body}>`. The AAD
 * binds the version and the topic, so an envelope replayed into another room
 * does not open. The room key says "a member"; the signature, by the identity
 * key the payload names and whose hash is `from` (identity.ts), says which
 * one, so a member cannot seal in another's name (dropped as `forged`).
 *
 * Descriptions (an SDP offer or answer, ≈7 KB) are deflated before they are
 * sealed: the plaintext is then a 0 byte (never the first character of a
 * base64url signature) and the raw DEFLATE of `<signature>.<payload>`. The
 * envelope is a quarter of the size, which matters on the wire: Mosquitto's
 * WebSockets listener delivers a message larger than 4 KB one 4 KB read per
 * 100 ms loop, so each uncompressed description cost a join ≈200 ms there.
 * Only descriptions: they hold nothing another party chose, so their
 * compressed length tells an observer nothing it could steer (CRIME).
 * Inflating is capped at the envelope cap, so a small envelope cannot
 * inflate into a large one.
 */
export const ENVELOPE_VERSION = 2;
export { MAX_ENVELOPE_BYTES };
/** Members' clocks may differ by this much; older or newer envelopes are stale. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** At most this many (sender, nonce) pairs are remembered; the oldest go first. */
export const MAX_REPLAY_ENTRIES = 4096;

export type DropReason =
  | 'oversize' // over the size cap, not even parsed
  | 'malformed' // not an envelope: not the frame's exact shape, wrong version, bad base64
  | 'undecryptable' // wrong key, tampered, or sealed for another topic
  | 'invalid' // decrypted, but the header or body fails validation
  | 'misaddressed' // addressed to another member
  | 'stale' // timestamp outside the skew window
  | 'replayed' // (sender, nonce) already seen
  | 'own' // our own envelope echoed back by the relay
  | 'forged' // the signature does not verify, or the key is not the sender's
  | 'overflow' // more arrived than the inbound queue holds (room.ts)
  | 'failed'; // handling it threw (room.ts)

export const DROP_REASONS: readonly DropReason[] =
  ['oversize', 'malformed', 'undecryptable', 'invalid', 'misaddressed', 'stale', 'replayed', 'own', 'forged', 'overflow', 'failed'];

export type Inbound = Header & Signal;

export interface EnvelopeOptions {
  maxBytes?: number;
  maxSkewMs?: number;
  /** Wall clock (ms since the epoch), for timestamps; for tests. */
  now?: () => number;
  /** A clock that never steps back, for how long replay entries are kept; for tests. */
  monotonic?: () => number;
}

/**
 * The outer frame exactly as seal() writes it. Checked by shape, before any
 * JSON.parse and before any decryption: junk costs a regular-expression test.
 */
const FRAME = /^\{"v":2,"iv":"([A-Za-z0-9_-]{16})","ct":"([A-Za-z0-9_-]{24,})"\}$/;
/** A P-256 signature in base64url, then a dot, then the signed payload. */
const SIGNATURE_LENGTH = 86;
/** The first plaintext byte of a deflated envelope. */
const DEFLATED = 0;
/** Signals deflated before sealing (see above). */
const DEFLATE_TYPES: ReadonlySet<string> = new Set(['description']);
const PRUNE_EVERY = 256;

export class EnvelopeCodec {
  readonly dropped: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  readonly #key: CryptoKey;
  readonly #aad: Uint8Array<ArrayBuffer>;
  readonly #self: Identity;
  readonly #maxBytes: number;
  readonly #maxSkewMs: number;
  readonly #now: () => number;
  readonly #monotonic: () => number;
  readonly #signatures = new SignatureChecker();
  /** (sender|nonce) → when first seen (monotonic), oldest first. */
  readonly #seen = new Map<string, number>();
  #opened = 0;

  constructor(keys: { envelopeKey: CryptoKey; topic: string }, self: Identity, options: EnvelopeOptions = {}) {
    this.#key = keys.envelopeKey;
    this.#aad = utf8(`secure-meeting/v${ENVELOPE_VERSION}|${keys.topic}`);
    this.#self = self;
    this.#maxBytes = options.maxBytes ?? MAX_ENVELOPE_BYTES;
    this.#maxSkewMs = options.maxSkewMs ?? MAX_CLOCK_SKEW_MS;
    this.#now = options.now ?? Date.now;
    this.#monotonic = options.monotonic ?? (() => performance.now());
  }

  /** How many (sender, nonce) pairs are remembered now. */
  get replayEntries(): number {
    return this.#seen.size;
  }

  async seal(signal: Signal, to?: string): Promise<string> {
    const header: Header = { from: this.#self.id, ts: this.#now(), nonce: toBase64Url(randomBytes(16)), key: this.#self.publicKey };
    if (to !== undefined) header.to = to;
    const payload = JSON.stringify({ ...header, type: signal.type, body: signal.body });
    const signature = await this.#self.sign(utf8(payload));
    const iv = randomBytes(12);
    let plain = utf8(`${signature}.${payload}`);
    if (DEFLATE_TYPES.has(signal.type) && canDeflate()) {
      const packed = await deflate(plain);
      plain = new Uint8Array(packed.length + 1);
      plain[0] = DEFLATED;
      plain.set(packed, 1);
    }
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
    const match = FRAME.exec(frame);
    const iv = match ? fromBase64Url(match[1]!) : undefined;
    const ct = match ? fromBase64Url(match[2]!) : undefined;
    if (!iv || iv.length !== 12 || !ct || ct.length < 16) return this.#drop('malformed');

    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: this.#aad }, this.#key, ct));
    } catch {
      return this.#drop('undecryptable');
    }
    let plain: string;
    try {
      if (bytes[0] === DEFLATED) {
        const inflated = canDeflate() ? await inflate(bytes.subarray(1), this.#maxBytes) : undefined;
        if (inflated === null) return this.#drop('oversize');
        if (inflated === undefined) return this.#drop('invalid');
        bytes = inflated;
      }
      plain = fromUtf8(bytes);
    } catch {
      return this.#drop('invalid');
    }
    if (plain[SIGNATURE_LENGTH] !== '.') return this.#drop('invalid');
    const signature = plain.slice(0, SIGNATURE_LENGTH);
    const payload = plain.slice(SIGNATURE_LENGTH + 1);
    let inner: unknown;
    try {
      inner = JSON.parse(payload);
    } catch {
      return this.#drop('invalid');
    }
    const header = isObject(inner) ? parseHeader(inner) : undefined;
    const signal = header ? parseSignal(inner) : undefined;
    if (!header || !signal) return this.#drop('invalid');
    if (header.from === this.#self.id) return this.#drop('own');
    if (header.to !== undefined && header.to !== this.#self.id) return this.#drop('misaddressed');
    if (Math.abs(this.#now() - header.ts) > this.#maxSkewMs) return this.#drop('stale');
    const seen = `${header.from}|${header.nonce}`;
    if (this.#seen.has(seen)) return this.#drop('replayed');
    // Last, the costly check; only a verified envelope is remembered, so a
    // forgery cannot spend a real member's nonce.
    if (!(await this.#signatures.verify(header.from, header.key, signature, utf8(payload)))) return this.#drop('forged');
    if (this.#seen.has(seen)) return this.#drop('replayed'); // a copy verified meanwhile
    this.#remember(seen);
    return { ...header, ...signal };
  }

  #remember(seen: string): void {
    const now = this.#monotonic();
    this.#seen.set(seen, now);
    if (this.#seen.size > MAX_REPLAY_ENTRIES) this.#seen.delete(this.#seen.keys().next().value as string);
    if (++this.#opened % PRUNE_EVERY !== 0) return;
    // Kept for twice the skew window of steady time: a wall clock stepped
    // back (or forward and back) cannot make a remembered envelope new again.
    for (const [key, at] of this.#seen) {
      if (now - at <= 2 * this.#maxSkewMs) break; // oldest first: the rest are younger
      this.#seen.delete(key);
    }
  }

  #drop(reason: DropReason): undefined {
    this.dropped[reason]++;
    return undefined;
  }
}
