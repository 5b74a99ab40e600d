/**
 * A chat message as the device keeps it: AES-256-GCM under the meeting's
 * store key (derived from the password, never stored), a fresh random IV
 * per record, everything about the message (sender, name, time, text, id)
 * inside the ciphertext. What the records are filed under is a hash of the
 * meeting's scope, so the device does not even hold the blinded topic the
 * relay saw.
 */
import { fromUtf8, randomBytes, toHex, utf8 } from '../encoding.js';
import { isChatMessage, pick, type ChatMessage } from './chat-log.js';

/** A sealed message: what IndexedDB holds. */
export interface SealedRecord {
  readonly scope: string;
  readonly iv: Uint8Array<ArrayBuffer>;
  readonly ct: ArrayBuffer;
}

/** Binds a record to what it is, so a sealed blob from elsewhere in the kit is not taken for a message. */
const AAD = utf8('secure-meeting/chat/v1');

/** What records of this scope are filed under: 128 bits of SHA-256 over a label and the scope. */
export async function storeScope(scope: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', utf8(`secure-meeting/chat-store|${scope}`));
  return toHex(new Uint8Array(digest).subarray(0, 16));
}

export async function seal(key: CryptoKey, scope: string, message: ChatMessage): Promise<SealedRecord> {
  const iv = randomBytes(12);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: AAD }, key, utf8(JSON.stringify(pick(message))));
  return { scope, iv, ct };
}

/** The message, or undefined when the record does not open with this key or is not a message. */
export async function unseal(key: CryptoKey, record: unknown): Promise<ChatMessage | undefined> {
  const r = record as Partial<SealedRecord> | null;
  if (!r || !(r.iv instanceof Uint8Array) || !(r.ct instanceof ArrayBuffer)) return undefined;
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: r.iv as Uint8Array<ArrayBuffer>, additionalData: AAD }, key, r.ct);
    const message: unknown = JSON.parse(fromUtf8(plain));
    return isChatMessage(message) ? pick(message) : undefined;
  } catch {
    return undefined;
  }
}
