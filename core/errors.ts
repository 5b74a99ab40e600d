/**
 * Every error the kit raises carries the library's prefix and a stable code,
 * so an app can branch on `error.code` and a person reading a console knows
 * where it came from.
 */
export type SecureMeetingErrorCode =
  /** The relay refused our credentials (API key, broker user/password). */
  | 'unauthorized'
  /** The relay could not be reached at all. */
  | 'unreachable'
  /** The relay accepted us but then refused something (room full, rate limit, payload cap, ACL). */
  | 'rejected'
  /** Camera or microphone could not be opened. */
  | 'media'
  /** The operation needs an open meeting or connection, and it is closed. */
  | 'closed'
  /** The browser lacks a capability the kit needs (WebCrypto, WebRTC). */
  | 'unsupported'
  /** What was asked for is taken: every presenter place of a screen share is in use. */
  | 'busy'
  /** Only a host (or co-host) may do that, or a host did not permit it. */
  | 'forbidden'
  /** Data could not be kept on this device (no IndexedDB, private mode, quota); the meeting goes on without it. */
  | 'storage'
  /** A host removed us from the meeting (the reason a meeting left on its own). */
  | 'removed';

export const PREFIX = 'secure-meeting: ';

export class SecureMeetingError extends Error {
  override readonly name = 'SecureMeetingError';
  readonly code: SecureMeetingErrorCode;

  constructor(code: SecureMeetingErrorCode, message: string, options?: { cause?: unknown }) {
    super(PREFIX + message, options);
    this.code = code;
  }
}

/** Bad options are a programming error: thrown at once, as a TypeError with our prefix. */
export function invalidOption(message: string): TypeError {
  return new TypeError(PREFIX + message);
}
