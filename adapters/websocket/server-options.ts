/**
 * The options of the WebSocket relay (server.ts) and how they are read. Node
 * only, like server.ts.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { invalidOption } from '../../core/errors.js';
import { checkObject, count, readCommon, type CommonSettings, type LimitOptions } from '../server-common.js';
import type { RelayCluster } from './cluster.js';

/**
 * The relay: every frame sent on `<path><topic>` goes to every *other* socket
 * on the same topic, text or binary as sent. It stores nothing and logs
 * nothing; it only ever sees blinded topics and sealed envelopes.
 *
 * Limits (LimitOptions): a slow member (maxBufferedBytes) is terminated, which
 * the client sees as 1006; one socket over maxConnectionsPerAddress is closed
 * with 4029, and beyond twice that cap, or beyond maxConnections, the
 * handshake gets a plain HTTP 429 or 503 without an upgrade. Sockets still
 * closing after a refusal count (for 2 s at most).
 */
export interface RelayServerOptions extends LimitOptions {
  /** An existing HTTP(S) server to attach to; only upgrades under `path` are handled, and close() leaves it running. */
  server?: HttpServer | HttpsServer;
  /** Port to listen on when no `server` is given. Default 0 (a free port; see address()). */
  port?: number;
  /** Default 127.0.0.1: put a TLS-terminating proxy in front for the outside world. */
  host?: string;
  /** Path prefix; the rest of the path is the topic (see `topics`; others are closed with 4000). Default `/relay/`. */
  path?: string;
  /** When given, the `apiKey` query parameter must be one of these. */
  apiKeys?: readonly string[];
  /** Largest frame in bytes; bigger ones close the socket with 1009. Default 64 KiB. */
  maxPayload?: number;
  /** Token bucket per connection (frames and pings); going over closes it with 4008. Default 50 messages/s, burst 100. */
  rateLimit?: { messagesPerSecond?: number; burst?: number } | false;
  /**
   * Ping period. Each ping carries 16 random bytes and only the pong echoing
   * them counts (RFC 6455 §5.5.3), so pongs sent unasked keep nothing alive; a
   * member that has not answered the previous ping is terminated. Default 15 000; 0 turns it off.
   */
  heartbeatMs?: number;
  /** Members per topic; one more is closed with 4003. Default 50 (with a `cluster`, counted on every instance). */
  maxMembersPerTopic?: number;
  /**
   * Other instances to act as one with, behind a load balancer: e.g.
   * `redisCluster({ publisher, subscriber })` from
   * `secure-meeting/adapters/websocket/cluster`. Frames reach members on every
   * instance, and maxMembersPerTopic counts all of them. close() leaves the
   * cluster's Redis clients open.
   */
  cluster?: RelayCluster;
}


export interface Settings extends CommonSettings {
  readonly server: HttpServer | HttpsServer | undefined;
  readonly path: string;
  readonly heartbeatMs: number;
  readonly cluster: RelayCluster | undefined;
}

export const FN = 'createRelayServer';

export function readOptions(options: RelayServerOptions): Settings {
  checkObject(FN, options);
  if (options.server !== undefined && options.port !== undefined) {
    throw invalidOption(`${FN}: give either server or port, not both`);
  }
  const path = options.path ?? '/relay/';
  if (typeof path !== 'string' || !path.startsWith('/')) throw invalidOption(`${FN}: path must start with "/"`);
  return {
    ...readCommon(FN, options),
    server: options.server,
    path: path.endsWith('/') ? path : path + '/',
    heartbeatMs: count(FN, 'heartbeatMs', options.heartbeatMs, 15_000, 0),
    cluster: readCluster(options.cluster),
  };
}


function readCluster(cluster: RelayCluster | undefined): RelayCluster | undefined {
  if (cluster !== undefined && typeof cluster?.join !== 'function') {
    throw invalidOption(`${FN}: cluster must be a RelayCluster, e.g. redisCluster({ publisher, subscriber })`);
  }
  return cluster;
}
