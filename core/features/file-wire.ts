/**
 * What the two ends of a file transfer say to each other (features/files.ts):
 * the offer and the cancel go over the control channel, the bytes over a
 * data channel of their own per recipient, where a few short strings mark
 * the steps: the receiver says `go` once it has matched the channel to an
 * offer, and `ok` or `bad` after checking the hash; either side says
 * `cancel` before closing.
 */
import { isId, isString, type Json } from '../wire/guards.js';
import { defineMessage } from '../wire/registry.js';

/** 100 MiB: the default cap on one file, sent or received (`maxFileBytes` option). */
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;
/** One data-channel message: 64 KiB, well inside Chromium's and Firefox's limits (a=max-message-size 256 KiB). */
export const CHUNK_BYTES = 64 * 1024;
/** A receiver takes no message larger than this. */
export const MAX_CHUNK_BYTES = 256 * 1024;
/** The file is read this much at a time, then cut into chunks. */
export const READ_BYTES = 1024 * 1024;
/**
 * Backpressure: the sender stops queueing above HIGH and goes on when the
 * channel's `bufferedamountlow` says the queue fell to LOW. Chromium closes
 * a channel whose queue passes 16 MiB; 1 MiB keeps the pipe full on loopback.
 */
export const HIGH_WATER_BYTES = 1024 * 1024;
export const LOW_WATER_BYTES = 256 * 1024;
/** How long either side waits for the other's next step (go, the verdict, the channel). */
export const STEP_TIMEOUT_MS = 30_000;

export const MAX_FILE_NAME = 255;
export const MAX_FILE_TYPE = 127;
const HASH = /^[0-9a-f]{64}$/;
const MIME = /^[\w.+-]+\/[\w.+-]+$/;

export const Signal = { go: 'go', ok: 'ok', bad: 'bad', cancel: 'cancel' } as const;

export interface OfferBody { id: string; name: string; size: number; type: string; sha256: string }
export interface CancelBody { id: string }

export const isOfferBody = (b: Json): boolean =>
  isId(b['id']) && isString(b['name'], MAX_FILE_NAME) && (b['name'] as string).length > 0 &&
  typeof b['size'] === 'number' && Number.isSafeInteger(b['size']) && b['size'] >= 0 &&
  isString(b['type'], MAX_FILE_TYPE) && (b['type'] === '' || MIME.test(b['type'] as string)) &&
  typeof b['sha256'] === 'string' && HASH.test(b['sha256']);

/** A person offers a few files at a time, not a stream of them. */
export const FileOffer = defineMessage<OfferBody>('file-offer', isOfferBody, { perSecond: 2, burst: 10 });
export const FileCancel = defineMessage<CancelBody>('file-cancel', (b) => isId(b['id']), { perSecond: 5, burst: 20 });

/** A name as it may be announced and saved: no path, no control characters, not too long. */
export function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim().slice(0, MAX_FILE_NAME);
  return clean.length > 0 ? clean : 'file';
}

export const cleanType = (type: string): string => (type.length <= MAX_FILE_TYPE && MIME.test(type) ? type : '');

/** A fresh transfer id, shaped like a member id (16 hex digits). */
export function transferId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * SHA-256 of the whole file, hex. WebCrypto has no streaming digest, so the
 * file is in memory once for it (100 MiB at the cap): see README, Files.
 */
export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}
