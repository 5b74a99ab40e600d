/**
 * The options of the Socket.IO relay (server.ts) and how they are read. Node
 * only, like server.ts.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Server as IoServer, ServerOptions } from 'socket.io';
import { invalidOption } from '../../core/errors.js';
import { checkObject, count, readCommon, type CommonSettings, type LimitOptions } from '../server-common.js';
import { readPathAndNamespace } from './codes.js';

/**
 * The Socket.IO relay: a member joins one topic (sent in the handshake
 * `auth`), and every string it emits as "message" goes to every *other*
 * member of that topic, on this instance and, with a cluster adapter such as
 * `@socket.io/redis-adapter`, on every other instance. It stores nothing and
 * logs nothing; it only ever sees blinded topics and sealed envelopes.
 *
 * Give at most one of `server`, `io` and `port`; with none, it listens on a
 * free port of 127.0.0.1.
 *
 * Limits (LimitOptions): a bad topic is refused ("bad-topic"); a slow member
 * (maxBufferedBytes) has its transport cut. Members over
 * maxConnectionsPerAddress or maxConnections are refused ("unavailable",
 * with the reason in the message, so clients retry later); on a Server the
 * relay creates, Engine.IO handshakes beyond twice the per-address cap or
 * beyond maxConnections are refused by Engine.IO (HTTP 403, or 400 on a
 * WebSocket handshake) before any namespace.
 */
export interface SocketIoRelayServerOptions extends LimitOptions {
  /**
   * An existing HTTP(S) server to attach to: the relay creates a Socket.IO
   * Server on it under `path`; other requests and upgrades still reach the
   * app's own handlers, and close() detaches and leaves the server running.
   */
  server?: HttpServer | HttpsServer;
  /**
   * An existing Socket.IO Server: the relay uses only its `namespace` on it.
   * The app's own namespaces, its path, CORS and adapter (set a cluster
   * adapter on it yourself) stay as they are, and close() leaves it running.
   */
  io?: IoServer;
  /** Port to listen on when neither `server` nor `io` is given. Default 0 (a free port; see address()). */
  port?: number;
  /** Address to listen on with `port`. Default 127.0.0.1: put a TLS-terminating proxy in front for the outside world. */
  host?: string;
  /** HTTP path of the Socket.IO Server the relay creates (not with `io`). Clients use the same `path`. Default `/socket.io/`. */
  path?: string;
  /** The Socket.IO namespace of the relay, so it never mixes with an app's own events. Default `/secure-meeting`. */
  namespace?: string;
  /**
   * A Socket.IO adapter for the Server the relay creates (not with `io`),
   * e.g. `createAdapter(pubClient, subClient)` from `@socket.io/redis-adapter`:
   * several relay instances then act as one, and maxMembersPerTopic counts
   * members on all of them.
   */
  adapter?: ServerOptions['adapter'];
  /** When given, the handshake's `auth.apiKey` must be one of these. */
  apiKeys?: readonly string[];
  /**
   * Largest message in UTF-8 bytes; a bigger one disconnects its sender
   * ("too-big"). Anything but a string is dropped. Default 64 KiB.
   */
  maxPayload?: number;
  /**
   * Token bucket per member, counting every event it emits; going over
   * disconnects it ("rate-limit"). Default 50 messages/s, burst 100; `false` for none.
   */
  rateLimit?: { messagesPerSecond?: number; burst?: number } | false;
  /** Members per topic (across the cluster with a cluster adapter); one more is refused ("topic-full"). Default 50. */
  maxMembersPerTopic?: number;
  /**
   * Engine.IO's ping period and pong timeout on a Server the relay creates
   * (with `io`, set pingInterval and pingTimeout on it). Only a pong while a
   * ping is outstanding counts, one per ping (see guard.ts). Default: Engine.IO's, 25 000 and 20 000.
   */
  heartbeatMs?: number;
}

/**
 * Socket.IO encodes a message as JSON in a packet; JSON escapes a control
 * character as 6 bytes. The transport cap of a Server we create allows any
 * message up to maxPayload, so our check (with its clear "too-big") decides.
 */
export const transportCap = (maxPayload: number): number => maxPayload * 6 + 1024;

export interface Settings extends CommonSettings {
  readonly server: HttpServer | HttpsServer | undefined;
  readonly io: IoServer | undefined;
  readonly path: string;
  readonly namespace: string;
  readonly adapter: ServerOptions['adapter'] | undefined;
  readonly heartbeatMs: number | undefined;
}

export const FN = 'createSocketIoRelay';

export function readOptions(options: SocketIoRelayServerOptions): Settings {
  checkObject(FN, options);
  const { server, io, adapter } = options;
  if ([server, io, options.port].filter((x) => x !== undefined).length > 1) {
    throw invalidOption(`${FN}: give at most one of server, io and port`);
  }
  if (server !== undefined && (typeof server?.listeners !== 'function' || typeof server.listen !== 'function')) {
    throw invalidOption(`${FN}: server must be an http.Server or https.Server`);
  }
  if (io !== undefined && (typeof io?.of !== 'function' || typeof io.use !== 'function')) {
    throw invalidOption(`${FN}: io must be a Socket.IO Server`);
  }
  if (io !== undefined && (options.path !== undefined || adapter !== undefined)) {
    throw invalidOption(`${FN}: with io, set path and adapter on your Socket.IO Server`);
  }
  const { path, namespace } = readPathAndNamespace(FN, options);
  if (io !== undefined && options.heartbeatMs !== undefined) {
    throw invalidOption(`${FN}: with io, set pingInterval and pingTimeout on your Socket.IO Server instead of heartbeatMs`);
  }
  if (adapter !== undefined && typeof adapter !== 'function') {
    throw invalidOption(`${FN}: adapter must be a Socket.IO adapter, e.g. createAdapter() of @socket.io/redis-adapter`);
  }
  const heartbeatMs = options.heartbeatMs === undefined ? undefined : count(FN, 'heartbeatMs', options.heartbeatMs, 1);
  return { ...readCommon(FN, options), server, io, path, namespace, adapter, heartbeatMs };
}
