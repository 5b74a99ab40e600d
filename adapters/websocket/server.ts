import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { invalidOption, PREFIX } from '../../core/errors.js';
import {
  checkObject,
  count,
  keyChecker,
  listen,
  readCommon,
  shutDown,
  tokenBucket,
  TOPIC,
  type CommonSettings,
} from '../server-common.js';
import {
  CLOSE_BAD_TOPIC,
  CLOSE_RATE_LIMIT,
  CLOSE_TOPIC_FULL,
  CLOSE_UNAUTHORIZED,
  PROTOCOL,
  PROTOCOL_REFUSED,
} from './codes.js';
export { CLOSE_BAD_TOPIC, CLOSE_RATE_LIMIT, CLOSE_TOO_BIG, CLOSE_TOPIC_FULL, CLOSE_UNAUTHORIZED } from './codes.js';


/**
 * The relay: every frame sent on `<path><topic>` goes to every *other* socket
 * on the same topic, text or binary as sent. It stores nothing and logs
 * nothing; it only ever sees blinded topics and sealed envelopes.
 */
export interface RelayServerOptions {
  /** An existing HTTP(S) server to attach to; only upgrades under `path` are handled, and close() leaves it running. */
  server?: HttpServer | HttpsServer;
  /** Port to listen on when no `server` is given. Default 0 (a free port; see address()). */
  port?: number;
  /** Default 127.0.0.1: put a TLS-terminating proxy in front for the outside world. */
  host?: string;
  /** Path prefix; the rest of the path is the topic (1–128 of [A-Za-z0-9_-]). Default `/relay/`. */
  path?: string;
  /** When given, the `apiKey` query parameter must be one of these. */
  apiKeys?: readonly string[];
  /** Largest frame in bytes; bigger ones close the socket with 1009. Default 64 KiB. */
  maxPayload?: number;
  /** Token bucket per connection; going over closes it with 4008. Default 50 messages/s, burst 100. */
  rateLimit?: { messagesPerSecond?: number; burst?: number } | false;
  /** Ping period; a socket that has not answered the previous ping is terminated. Default 15 000; 0 turns it off. */
  heartbeatMs?: number;
  /** Members per topic; one more is closed with 4003. Default 50. */
  maxMembersPerTopic?: number;
}

export interface RelayServer {
  /** Resolves once listening (at once when attached to an existing server); rejects if listen fails. */
  readonly ready: Promise<void>;
  address(): AddressInfo;
  /** Terminates every client and stops the timers. Idempotent. */
  close(): Promise<void>;
  /** Open members of one topic, or of all topics. */
  connections(topic?: string): number;
}

/** Why a socket is closed right after its upgrade. */
interface Refusal {
  readonly code: number;
  readonly reason: string;
}

interface Member {
  readonly socket: WebSocket;
  alive: boolean;
  readonly takeToken: () => boolean;
}

interface Settings extends CommonSettings {
  readonly server: HttpServer | HttpsServer | undefined;
  readonly path: string;
  readonly heartbeatMs: number;
}

const FN = 'createRelayServer';

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

export function createRelayServer(options: RelayServerOptions = {}): RelayServer {
  const o = readOptions(options);
  /** The verdict on each handshake, decided before the upgrade so the selected subprotocol can announce it. */
  const verdicts = new WeakMap<IncomingMessage, Refusal | null>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxPayload,
    clientTracking: false,
    perMessageDeflate: false,
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
    // Refusals happen after the upgrade: a browser never sees the HTTP status of a
    // failed handshake (only 1006), but it does see a close code and reason.
    const topic = url.pathname.slice(o.path.length);
    verdicts.set(req, judge(url.searchParams.get('apiKey'), topic));
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, topic, verdicts.get(req) ?? null));
  }

  function judge(apiKey: string | null, topic: string): Refusal | null {
    if (!keyAccepted(apiKey)) return { code: CLOSE_UNAUTHORIZED, reason: PREFIX + 'invalid API key' };
    if (!TOPIC.test(topic)) return { code: CLOSE_BAD_TOPIC, reason: 'bad topic' };
    if ((rooms.get(topic)?.size ?? 0) >= o.maxMembers) return { code: CLOSE_TOPIC_FULL, reason: 'topic full' };
    return null;
  }

  function accept(ws: WebSocket, topic: string, refusal: Refusal | null): void {
    sockets.add(ws);
    ws.on('error', ignore);
    ws.once('close', () => sockets.delete(ws));
    const room = rooms.get(topic) ?? new Set<Member>();
    // Checked again: the room may have filled while this handshake completed.
    refusal ??= room.size >= o.maxMembers ? { code: CLOSE_TOPIC_FULL, reason: 'topic full' } : null;
    if (refusal !== null) return ws.close(refusal.code, refusal.reason);
    rooms.set(topic, room);

    const member: Member = { socket: ws, alive: true, takeToken: tokenBucket(o.rate) };
    room.add(member);
    ws.once('close', () => {
      room.delete(member);
      if (room.size === 0 && rooms.get(topic) === room) rooms.delete(topic);
    });
    ws.on('pong', () => {
      member.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      // After we start closing, `ws` still delivers frames that were in flight.
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!member.takeToken()) return ws.close(CLOSE_RATE_LIMIT, 'rate limit');
      for (const peer of room) {
        if (peer !== member && peer.socket.readyState === WebSocket.OPEN) {
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
          for (const room of rooms.values()) {
            for (const member of room) {
              if (member.socket.readyState !== WebSocket.OPEN) continue;
              if (!member.alive) {
                member.socket.terminate();
                continue;
              }
              member.alive = false;
              member.socket.ping();
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
