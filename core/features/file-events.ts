import type { RemotePeer } from '../events.js';
import type { FileFailure } from './file-send.js';

/**
 * `hashing` (ours, before the offer goes), `waiting` (offered, no bytes yet),
 * `sending` / `receiving`, `verifying` (all bytes in, hash being checked),
 * then one of `done`, `cancelled`, `failed`.
 */
export type FileTransferState = 'hashing' | 'waiting' | 'sending' | 'receiving' | 'verifying' | 'done' | 'cancelled' | 'failed';

/** One member we send a file to, and how far it got. */
export interface Recipient {
  readonly peer: RemotePeer;
  readonly state: 'waiting' | 'sending' | 'done' | 'cancelled' | 'failed';
  readonly bytes: number;
  readonly failure: FileFailure | null;
}

/** A file being sent or received, as it was when the event fired (a frozen snapshot). */
export interface FileTransfer {
  readonly id: string;
  readonly direction: 'send' | 'receive';
  /** As announced: no path, no control characters, at most 255 characters; the sender chose it. */
  readonly name: string;
  readonly size: number;
  /** The MIME type the sender announced ('' if none); the received Blob is application/octet-stream regardless. */
  readonly type: string;
  /** SHA-256 of the whole file, hex; '' while we are hashing our own. */
  readonly sha256: string;
  /** Who sends it to us; null for ours. */
  readonly from: RemotePeer | null;
  readonly state: FileTransferState;
  /** Bytes moved so far: received, or sent summed over the recipients. */
  readonly bytes: number;
  /** What `bytes` reaches at the end: `size`, or `size` × recipients. */
  readonly total: number;
  /** Ours: each recipient's progress. Theirs: empty. */
  readonly recipients: readonly Recipient[];
  readonly failure: FileFailure | null;
  /** Who cancelled, when it was cancelled. */
  readonly cancelledBy: 'us' | 'them' | null;
  /** A received file once its hash checked out. */
  readonly blob: Blob | null;
}

export type FileEventType = 'fileoffer' | 'fileprogress' | 'filedone' | 'filecancel' | 'fileerror';

/**
 * `fileoffer`: a transfer appeared (ours on send(), theirs when announced);
 * `fileprogress`: bytes moved (at most once per percent) or a recipient
 * finished; then one of `filedone`, `filecancel`, `fileerror`.
 */
export class FileEvent extends Event {
  constructor(type: FileEventType, readonly transfer: FileTransfer) {
    super(type);
  }
}
