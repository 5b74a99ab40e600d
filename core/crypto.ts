import { invalidOption, SecureMeetingError } from './errors.js';
import { toHex, utf8 } from './encoding.js';

/**
 * The key schedule (DESIGN.md, "Keys and envelopes"):
 *
 *   master   = PBKDF2-HMAC-SHA256(password, "secure-meeting/v1|"+namespace+"|"+channel, 600 000, 256 bits)
 *   envKey   = HKDF-SHA256(master, info="envelope") → AES-256-GCM
 *   topic    = hex(HKDF-SHA256(master, info="topic", 128 bits))
 *   storeKey = HKDF-SHA256(master, info="store")    → AES-256-GCM
 *
 * The salt binds the namespace and channel, so the same password on another
 * channel or another site yields unrelated keys. HKDF gets an empty salt
 * (RFC 5869 §2.2: a zero-filled salt) because the master is already uniform.
 */
export const PBKDF2_ITERATIONS = 600_000;
export const DEFAULT_NAMESPACE = 'default';

export interface RoomKeys {
  /** AES-256-GCM key sealing every signaling envelope. Not extractable. */
  readonly envelopeKey: CryptoKey;
  /** AES-256-GCM key for data at rest (chat history…). Not extractable. */
  readonly storeKey: CryptoKey;
  /** The blinded topic the relay sees: 32 hex characters. */
  readonly topic: string;
}

export interface KeyScheduleInput {
  password: string;
  channel: string | number;
  namespace?: string;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  // crypto.subtle exists only in secure contexts (https or localhost).
  if (!s) throw new SecureMeetingError('unsupported', 'WebCrypto is unavailable; serve the page over https (or localhost)');
  return s;
}

export function saltFor(namespace: string, channel: string): string {
  return `secure-meeting/v1|${namespace}|${channel}`;
}

function checkInput({ password, channel, namespace = DEFAULT_NAMESPACE }: KeyScheduleInput) {
  if (typeof password !== 'string' || password.length === 0) throw invalidOption('password must be a non-empty string');
  const channelText = typeof channel === 'number' ? String(channel) : channel;
  if (typeof channelText !== 'string' || channelText.length === 0 || (typeof channel === 'number' && !Number.isFinite(channel))) {
    throw invalidOption('channel must be a non-empty string or a finite number');
  }
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.includes('|')) {
    throw invalidOption('namespace must be a non-empty string without "|"');
  }
  return { password, channel: channelText, namespace };
}

/** The 256-bit master secret, as an HKDF base key (raw bits never leave WebCrypto). */
async function deriveMaster(input: KeyScheduleInput): Promise<CryptoKey> {
  const { password, channel, namespace } = checkInput(input);
  const s = subtle();
  const pbkdf2 = await s.importKey('raw', utf8(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await s.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: utf8(saltFor(namespace, channel)), iterations: PBKDF2_ITERATIONS },
    pbkdf2,
    256,
  );
  return s.importKey('raw', bits, 'HKDF', false, ['deriveBits', 'deriveKey']);
}

const hkdf = (info: string) => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(info) });

function aesKey(master: CryptoKey, info: string): Promise<CryptoKey> {
  return subtle().deriveKey(hkdf(info), master, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

export async function deriveRoomKeys(input: KeyScheduleInput): Promise<RoomKeys> {
  const master = await deriveMaster(input);
  const [envelopeKey, storeKey, topicBits] = await Promise.all([
    aesKey(master, 'envelope'),
    aesKey(master, 'store'),
    subtle().deriveBits(hkdf('topic'), master, 128),
  ]);
  return { envelopeKey, storeKey, topic: toHex(new Uint8Array(topicBits)) };
}

/**
 * The raw outputs of the schedule, for known-answer tests and for people
 * checking an independent implementation. Not used at run time.
 */
export async function keyScheduleVectors(input: KeyScheduleInput): Promise<{ envelope: string; store: string; topic: string }> {
  const master = await deriveMaster(input);
  const bits = async (info: string, length: number) =>
    toHex(new Uint8Array(await subtle().deriveBits(hkdf(info), master, length)));
  return { envelope: await bits('envelope', 256), store: await bits('store', 256), topic: await bits('topic', 128) };
}

/**
 * Room keys derived ahead of `join()` (`prepareRoomKeys`), e.g. while a
 * person is still in the join form, so Join does not wait for PBKDF2. The
 * derivation is the same, at full cost; only its start moves earlier.
 */
export interface PreparedRoomKeys {
  /** Whether these are the keys of exactly this password, channel and namespace (false once discarded). */
  matches(input: KeyScheduleInput): boolean;
  /** The keys, once derived; rejects as `deriveRoomKeys` does. */
  readonly keys: Promise<RoomKeys>;
  /** Forgets the input it was made for: it matches nothing from now on. */
  discard(): void;
}

/**
 * Starts deriving the room keys now and returns a handle to give
 * `createMeeting({ keys })`; the meeting uses them only when they match its
 * own password, channel and namespace, and derives its own otherwise. The
 * input is kept in memory only, for `matches()`, until `discard()`.
 * Throws a TypeError for bad input, like `deriveRoomKeys`.
 */
export function prepareRoomKeys(input: KeyScheduleInput): PreparedRoomKeys {
  let held: ReturnType<typeof checkInput> | null = checkInput(input);
  const keys = deriveRoomKeys(input);
  keys.catch(() => {}); // the meeting that takes them awaits them; one that never does must not see "unhandled"
  return {
    keys,
    matches(other) {
      if (held === null) return false;
      try {
        const o = checkInput(other);
        return o.password === held.password && o.channel === held.channel && o.namespace === held.namespace;
      } catch {
        return false;
      }
    },
    discard() {
      held = null;
    },
  };
}
