import { invalidOption } from '../../core/errors.js';

/**
 * What our Socket.IO relay (server.ts) tells a client (client.ts) when it
 * refuses or drops it. Socket.IO has no close codes, so:
 * - a refused connection is a middleware error, which reaches the client as
 *   `connect_error` with `err.data = { code: RefusalCode }`;
 * - a member dropped for breaking a limit first receives KICK_EVENT with
 *   `{ code: KickCode }`, then a server-side disconnect.
 */
export type RefusalCode =
  /** The API key is missing or not one of the relay's. */
  | 'unauthorized'
  /** The topic is not 1–128 of [A-Za-z0-9_-]. */
  | 'bad-topic'
  /** The topic already has maxMembersPerTopic members (across the cluster). */
  | 'topic-full'
  /** The relay is closed, or could not count the members; worth retrying later. */
  | 'unavailable';

export type KickCode =
  /** More messages than the rate limit allows. */
  | 'rate-limit'
  /** A message over maxPayload (UTF-8 bytes). */
  | 'too-big';

/** Our relay's own events, in our own namespace: never mixed with an app's events. */
export const MESSAGE_EVENT = 'message';
export const KICK_EVENT = 'secure-meeting:kicked';

export const DEFAULT_PATH = '/socket.io/';
export const DEFAULT_NAMESPACE = '/secure-meeting';

/** A namespace goes into a URL path: no query, fragment or whitespace. */
const NAMESPACE_RULE = /^\/[^?#\s]*$/;

/**
 * The `path` and `namespace` options, checked the same way on both sides
 * (they must match for a client to reach the relay). `fn` names the caller
 * in the error.
 */
export function readPathAndNamespace(fn: string, options: { path?: unknown; namespace?: unknown }): { path: string; namespace: string } {
  const path = options.path ?? DEFAULT_PATH;
  if (typeof path !== 'string' || !path.startsWith('/')) throw invalidOption(`${fn}: path must start with "/"`);
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  if (typeof namespace !== 'string' || !NAMESPACE_RULE.test(namespace)) {
    throw invalidOption(`${fn}: namespace must start with "/" and hold no "?", "#" or spaces`);
  }
  return { path, namespace };
}
