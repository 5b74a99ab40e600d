/**
 * Short-lived TURN credentials, the TURN REST API scheme coturn checks with
 * `use-auth-secret` / `static-auth-secret`: the username is
 * `<expiry in Unix seconds>:<random>` and the credential is the base64
 * HMAC-SHA1 of the username under the shared secret. The TURN server needs no
 * list of users, and a leaked credential stops working at its expiry.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface TurnCredentials {
  /** What RTCPeerConnection takes as-is. */
  iceServers: Array<{ urls: string[]; username: string; credential: string }>;
  /** Seconds the credential is valid from now. */
  ttl: number;
  /** When it stops working, in ms since the epoch: refresh before. */
  expiresAt: number;
}

export function turnCredentials(
  secret: string,
  urls: readonly string[],
  ttlSeconds: number,
  now: number = Date.now(),
  nonce: string = randomBytes(9).toString('base64url'),
): TurnCredentials {
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  const username = `${expiry}:${nonce}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { iceServers: [{ urls: [...urls], username, credential }], ttl: ttlSeconds, expiresAt: expiry * 1000 };
}
