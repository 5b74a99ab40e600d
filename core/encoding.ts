// Small byte helpers shared by crypto and envelopes. btoa/atob exist in
// browsers and in Node ≥16, so the same code runs in both.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8 = (text: string): Uint8Array<ArrayBuffer> => encoder.encode(text);
/** Throws on invalid UTF-8 (fatal decoder): callers treat that as malformed input. */
export const fromUtf8 = (bytes: BufferSource): string => decoder.decode(bytes);

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Returns undefined for anything that is not canonical unpadded base64url. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** Whether this runtime has CompressionStream (every current browser, Node ≥ 18). */
export const canDeflate = (): boolean => typeof CompressionStream !== 'undefined' && typeof DecompressionStream !== 'undefined';

async function collect(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Raw DEFLATE (RFC 1951) of `bytes`. */
export async function deflate(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return (await collect(new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw')), Number.MAX_SAFE_INTEGER))!;
}

/**
 * Inflates raw DEFLATE, reading no more than `limit` bytes of output (a
 * small input can inflate a thousandfold): null when the output would be
 * larger; throws for input that is not DEFLATE.
 */
export async function inflate(bytes: Uint8Array<ArrayBuffer>, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  return collect(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')), limit);
}
