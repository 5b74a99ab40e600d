/**
 * Member identity (DESIGN.md, "Keys and envelopes"): each member makes a
 * signing key pair when it joins; its member id is a hash prefix of the
 * public key, and everything it seals carries that key and its signature.
 * The room key only says "someone who knows the password"; the identity key
 * says which member, so no member can speak in another's name.
 */
import { SecureMeetingError } from './errors.js';
import { fromBase64Url, toBase64Url, toHex, utf8 } from './encoding.js';

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** A P-256 public key, raw uncompressed (65 bytes), in base64url. */
export const PUBLIC_KEY_PATTERN = /^[A-Za-z0-9_-]{87}$/;
/** A P-256 ECDSA signature (r‖s, 64 bytes), in base64url. */
export const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{86}$/;

export interface Identity {
  /** The member id: the first 64 bits of SHA-256 over the public key, in hex. */
  readonly id: string;
  /** The public key, raw, base64url: what others check signatures with. */
  readonly publicKey: string;
  sign(data: Uint8Array<ArrayBuffer>): Promise<string>;
}

/** The member id a public key stands for. */
export async function idOf(publicKey: string): Promise<string> {
  const raw = fromBase64Url(publicKey);
  if (!raw) throw new TypeError('not base64url');
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', raw)).subarray(0, 8));
}

/** A new identity whose private key never leaves WebCrypto (not extractable). */
export async function createIdentity(): Promise<Identity> {
  let pair: CryptoKeyPair;
  try {
    pair = await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify']);
  } catch (error) {
    throw new SecureMeetingError('unsupported', 'this browser cannot make ECDSA P-256 keys (WebCrypto)', { cause: error });
  }
  const publicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
  const { privateKey } = pair;
  return {
    id: await idOf(publicKey),
    publicKey,
    sign: async (data) => toBase64Url(new Uint8Array(await crypto.subtle.sign(SIGN, privateKey, data))),
  };
}

/** How many members' keys stay imported; a key beyond them is imported again when next needed. */
const KEY_CACHE = 256;

/**
 * Checks signatures against the key an envelope names, and that the key is
 * the one its sender id stands for. Imported keys are kept, a bounded number.
 */
export class SignatureChecker {
  readonly #keys = new Map<string, Promise<{ id: string; key: CryptoKey } | null>>();

  /** True when `signature` over `data` is by `publicKey`, and `publicKey` is member `from`'s. Never throws. */
  async verify(from: string, publicKey: string, signature: string, data: Uint8Array<ArrayBuffer>): Promise<boolean> {
    if (!PUBLIC_KEY_PATTERN.test(publicKey) || !SIGNATURE_PATTERN.test(signature)) return false;
    const known = await this.#import(publicKey);
    if (!known || known.id !== from) return false;
    const sig = fromBase64Url(signature);
    if (!sig) return false;
    try {
      return await crypto.subtle.verify(SIGN, known.key, sig, data);
    } catch {
      return false;
    }
  }

  #import(publicKey: string): Promise<{ id: string; key: CryptoKey } | null> {
    let entry = this.#keys.get(publicKey);
    if (entry) {
      // Most recently used last, so the oldest is evicted first.
      this.#keys.delete(publicKey);
    } else {
      entry = (async () => {
        const raw = fromBase64Url(publicKey);
        if (!raw) return null;
        // Side by side: each is a trip to the crypto thread, and a newcomer meets every member this way.
        const [key, id] = await Promise.all([crypto.subtle.importKey('raw', raw, ECDSA, false, ['verify']), idOf(publicKey)]);
        return { id, key };
      })().catch(() => null);
    }
    this.#keys.set(publicKey, entry);
    if (this.#keys.size > KEY_CACHE) this.#keys.delete(this.#keys.keys().next().value as string);
    return entry;
  }
}

/** One member's side of a pair: its identity key and the DTLS fingerprint of its connection. */
export interface SafetyInput {
  key: string;
  /** "sha-256 AB:CD:…", as in the SDP's a=fingerprint line. */
  fingerprint: string;
}

/** Four groups of five digits from a SHA-256 over `text`: 66 bits people can read aloud. */
async function digits(text: string): Promise<string> {
  const hash = new DataView(await crypto.subtle.digest('SHA-256', utf8(text)));
  const groups: string[] = [];
  for (let i = 0; i < 4; i++) groups.push(String(hash.getUint32(i * 4) % 100_000).padStart(5, '0'));
  return groups.join(' ');
}

const side = ({ key, fingerprint }: SafetyInput) => `${key}|${fingerprint.trim().toLowerCase()}`;

/**
 * The safety code of a pair of members: the same on both sides (the two
 * sides are sorted), different if either identity key or either DTLS
 * fingerprint differs. Two people who read the same code aloud know that no
 * one (not even another member) sits between their browsers.
 */
export function pairSafetyCode(a: SafetyInput, b: SafetyInput): Promise<string> {
  return digits(`secure-meeting/safety/v1\n${[side(a), side(b)].sort().join('\n')}`);
}

/** The room code: from every member's identity key, the same for everyone who sees the same members. */
export function roomSafetyCode(keys: readonly string[]): Promise<string> {
  return digits(`secure-meeting/room/v1\n${[...keys].sort().join('\n')}`);
}

/** What the codes need of a connected member. */
interface Known { readonly publicKey: string; readonly fingerprints: { local: string; remote: string } | null }

/** Our pair code with `peer`; null before we have an identity or the connection both descriptions. */
export async function pairCodeWith(self: Identity | null, peer: Known | undefined): Promise<string | null> {
  const fp = peer?.fingerprints;
  if (!self || !peer || !fp) return null;
  return pairSafetyCode({ key: self.publicKey, fingerprint: fp.local }, { key: peer.publicKey, fingerprint: fp.remote });
}

/** The room code from our key and the members'; null before we have an identity. */
export async function roomCodeOf(self: Identity | null, peers: Iterable<Known>): Promise<string | null> {
  return self ? roomSafetyCode([self.publicKey, ...[...peers].map((p) => p.publicKey)]) : null;
}
