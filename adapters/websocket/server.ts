import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { invalidOption, PREFIX } from '../../core/errors.js';
import {
  checkObject,
  ConnectionCounter,
  count,
  counters,
  keyChecker,
  listen,
  readCommon,
  shutDown,
  tokenBucket,
  type CommonSettings,
  type LimitOptions,
  type RelayStats as CommonStats,
} from '../server-common.js';
import {
  CLOSE_BAD_TOPIC,
  CLOSE_RATE_LIMIT,
  CLOSE_TOO_MANY_CONNECTIONS,
  CLOSE_TOPIC_FULL,
  CLOSE_UNAUTHORIZED,
  PROTOCOL,
  PROTOCOL_REFUSED,
} from './codes.js';
export {
  CLOSE_BAD_TOPIC,
  CLOSE_RATE_LIMIT,
  CLOSE_TOO_BIG,
  CLOSE_TOO_MANY_CONNECTIONS,
  CLOSE_TOPIC_FULL,
  CLOSE_UNAUTHORIZED,
} from './codes.js';
export type { LimitOptions, TopicRule } from '../server-common.js';

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
  /** Members per topic; one more is closed with 4003. Default 50. */
  maxMembersPerTopic?: number;
}

export interface RelayStats extends CommonStats {
  /** Heartbeat rounds so far. */
  heartbeats: number;
}

export interface RelayServer {
  /** Resolves once listening (at once when attached to an existing server); rejects if listen fails. */
  readonly ready: Promise<void>;
  address(): AddressInfo;
  /** Terminates every client and stops the timers. Idempotent. */
  close(): Promise<void>;
  /** Open members of one topic, or of all topics. */
  connections(topic?: string): number;
  /** A snapshot of the counters and of the bytes waiting to be sent. */
  stats(): RelayStats;
}

/** Why a socket is closed right after its upgrade. */
interface Refusal {
  readonly code: number;
  readonly reason: string;
}

interface Member {
  readonly socket: WebSocket;
  /** The payload of the ping not answered yet, if any. */
  awaiting: Buffer | null;
  readonly takeToken: () => boolean;
}

/** How long a refused socket may take to finish its closing handshake before it is cut. */
const REFUSAL_GRACE_MS = 2_000;

interface Settings extends CommonSettings {
  readonly server: HttpServer | HttpsServer | undefined;
  readonly path: string;
  readonly heartbeatMs: number;
}

const FN = 'createRelayServer';

const TOO_MANY: Refusal = { code: CLOSE_TOO_MANY_CONNECTIONS, reason: 'too many connections from this address' };
const REFUSAL_COUNTERS: Partial<Record<number, 'perAddress' | 'badTopic' | 'unauthorized' | 'topicFull'>> = {
  [CLOSE_TOO_MANY_CONNECTIONS]: 'perAddress',
  [CLOSE_BAD_TOPIC]: 'badTopic',
  [CLOSE_UNAUTHORIZED]: 'unauthorized',
  [CLOSE_TOPIC_FULL]: 'topicFull',
};

function readOptions(options: RelayServerOptions): Settings {
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
  };
}

// Registered on every socket: `ws` reports protocol errors (oversized frame,
// bad UTF-8) as 'error' and then closes with the right code itself; an
// EventEmitter 'error' without a listener would take the process down.
const ignore = (): void => {};

function answer(socket: Duplex, status: string): void {
  socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export function createRelayServer(options: RelayServerOptions = {}): RelayServer {
  const o = readOptions(options);
  /** The verdict on each handshake, decided before the upgrade so the selected subprotocol can announce it. */
  const verdicts = new WeakMap<IncomingMessage, Refusal | null>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxPayload,
    clientTracking: false,
    perMessageDeflate: false,
    // Pings from clients are answered below, where the answer counts against the buffer cap.
    autoPong: false,
    handleProtocols(offered, req) {
      const refused = verdicts.get(req) !== null;
      const pick = refused ? PROTOCOL_REFUSED : PROTOCOL;
      return offered.has(pick) ? pick : false;
    },
  });
  const owned = o.server === undefined;
  const http =
    o.server ??
    createServer((req, res) => {
      res.writeHead(parse(req)?.pathname.startsWith(o.path) ? 426 : 404, { connection: 'close' }).end();
    });
  const keyAccepted = keyChecker(o.apiKeys);
  const rooms = new Map<string, Set<Member>>();
  /** Every upgraded socket, refused ones included, so close() can end them all. */
  const sockets = new Set<WebSocket>();
  const counter = new ConnectionCounter(o.perAddress, o.maxConnections);
  const stats = { ...counters(), heartbeats: 0 };
  let closed = false;

  function parse(req: IncomingMessage): URL | null {
    try {
      return new URL(req.url ?? '/', 'http://relay.invalid');
    } catch {
      return null;
    }
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = parse(req);
    if (url === null || !url.pathname.startsWith(o.path) || closed) {
      // On a shared server, other paths belong to other upgrade listeners.
      if (owned || closed) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.on('error', ignore);
    const address = o.addressOf(req);
    const over = counter.check(address);
    // Past the caps nothing more is upgraded: that is what the caps are for. A few
    // over the per-address cap still get a close code, for a person behind a crowded NAT.
    if (over === 'total' || (over === 'per-address' && counter.of(address) >= 2 * o.perAddress)) {
      stats.refused[over === 'total' ? 'total' : 'perAddress'] += 1;
      return answer(socket, over === 'total' ? '503 Service Unavailable' : '429 Too Many Requests');
    }
    socket.once('close', counter.take(address));
    // Refusals happen after the upgrade: a browser never sees the HTTP status of a
    // failed handshake (only 1006), but it does see a close code and reason.
    const topic = url.pathname.slice(o.path.length);
    verdicts.set(req, over !== null ? TOO_MANY : judge(url.searchParams.get('apiKey'), topic));
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, topic, verdicts.get(req) ?? null));
  }

  function judge(apiKey: string | null, topic: string): Refusal | null {
    if (!keyAccepted(apiKey)) return { code: CLOSE_UNAUTHORIZED, reason: PREFIX + 'invalid API key' };
    if (!o.topicAllowed(topic)) return { code: CLOSE_BAD_TOPIC, reason: 'bad topic' };
    if ((rooms.get(topic)?.size ?? 0) >= o.maxMembers) return { code: CLOSE_TOPIC_FULL, reason: 'topic full' };
    return null;
  }

  function refuse(ws: WebSocket, refusal: Refusal): void {
    const counted = REFUSAL_COUNTERS[refusal.code];
    if (counted !== undefined) stats.refused[counted] += 1;
    ws.close(refusal.code, refusal.reason);
    // `ws` waits 30 s for the client's close frame; a refused client gets far less.
    const cut = setTimeout(() => ws.terminate(), REFUSAL_GRACE_MS);
    ws.once('close', () => clearTimeout(cut));
  }

  /** Terminated, not closed: a close frame would queue behind what the socket already holds. */
  function drop(ws: WebSocket, why: 'slow' | 'heartbeat'): void {
    stats.dropped[why] += 1;
    ws.terminate();
  }

  /** Whether `bytes` more fit under the socket's cap; a socket they would not fit is dropped. */
  function fits(ws: WebSocket, bytes: number): boolean {
    if (ws.bufferedAmount + bytes <= o.maxBuffered) return true;
    drop(ws, 'slow');
    return false;
  }

  function accept(ws: WebSocket, topic: string, refusal: Refusal | null): void {
    sockets.add(ws);
    ws.on('error', ignore);
    ws.once('close', () => sockets.delete(ws));
    const room = rooms.get(topic) ?? new Set<Member>();
    // Checked again: the room may have filled while this handshake completed.
    refusal ??= room.size >= o.maxMembers ? { code: CLOSE_TOPIC_FULL, reason: 'topic full' } : null;
    if (refusal !== null) return refuse(ws, refusal);
    rooms.set(topic, room);

    const member: Member = { socket: ws, awaiting: null, takeToken: tokenBucket(o.rate) };
    room.add(member);
    ws.once('close', () => {
      room.delete(member);
      if (room.size === 0 && rooms.get(topic) === room) rooms.delete(topic);
    });
    ws.on('pong', (data) => {
      if (member.awaiting !== null && data.equals(member.awaiting)) member.awaiting = null;
      else stats.ignoredPongs += 1;
    });
    ws.on('ping', (data) => {
      // A pong per ping is data we send: it counts against the rate limit and the buffer cap.
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!member.takeToken()) return ws.close(CLOSE_RATE_LIMIT, 'rate limit');
      if (fits(ws, data.length + 2)) ws.pong(data);
    });
    ws.on('message', (data, isBinary) => {
      // After we start closing, `ws` still delivers frames that were in flight.
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!member.takeToken()) return ws.close(CLOSE_RATE_LIMIT, 'rate limit');
      const size = (data as Buffer).length;
      for (const peer of room) {
        if (peer !== member && peer.socket.readyState === WebSocket.OPEN && fits(peer.socket, size)) {
          peer.socket.send(data, { binary: isBinary });
        }
      }
    });
  }

  // ws README, "How to detect and close broken connections": a peer whose
  // network vanished never sends a FIN, so only a missed pong reveals it.
  const heartbeat =
    o.heartbeatMs > 0
      ? setInterval(() => {
          stats.heartbeats += 1;
          for (const room of rooms.values()) {
            for (const member of room) {
              if (member.socket.readyState !== WebSocket.OPEN) continue;
              if (member.awaiting !== null) {
                drop(member.socket, 'heartbeat');
                continue;
              }
              // Random, so only a client that read the ping can answer it.
              member.awaiting = randomBytes(16);
              if (fits(member.socket, 18)) member.socket.ping(member.awaiting);
            }
          }
        }, o.heartbeatMs)
      : undefined;
  heartbeat?.unref();

  http.on('upgrade', onUpgrade);

  const ready = owned ? listen(http as HttpServer, o.port, o.host) : Promise.resolve();

  let closing: Promise<void> | undefined;

  return {
    ready,
    address(): AddressInfo {
      const address = http.address();
      if (address === null || typeof address === 'string') {
        throw new Error(PREFIX + 'relay server is not listening on a TCP port');
      }
      return address;
    },
    connections(topic?: string): number {
      if (topic !== undefined) return rooms.get(topic)?.size ?? 0;
      let total = 0;
      for (const room of rooms.values()) total += room.size;
      return total;
    },
    stats(): RelayStats {
      let bufferedBytes = 0;
      for (const ws of sockets) bufferedBytes += ws.bufferedAmount;
      return {
        bufferedBytes,
        sockets: counter.total,
        heartbeats: stats.heartbeats,
        dropped: { ...stats.dropped },
        refused: { ...stats.refused },
        ignoredPongs: stats.ignoredPongs,
      };
    },
    close(): Promise<void> {
      closing ??= (() => {
        closed = true;
        clearInterval(heartbeat);
        http.off('upgrade', onUpgrade);
        for (const ws of sockets) ws.terminate();
        sockets.clear();
        rooms.clear();
        wss.close();
        return owned ? shutDown(http as HttpServer) : Promise.resolve();
      })();
      return closing;
    },
  };
}
