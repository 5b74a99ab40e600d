import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { PREFIX } from '../../core/errors.js';
import { ConnectionCounter, counters, keyChecker, listen, shutDown, tokenBucket, type RelayStats as CommonStats } from '../server-common.js';
import type { ClusterSeat } from './cluster.js';
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
import { readOptions, type RelayServerOptions } from './server-options.js';
export type { LimitOptions, TopicRule } from '../server-common.js';
export type { RelayServerOptions } from './server-options.js';
export type { ClusterSeat, RelayCluster } from './cluster.js';

/** RFC 6455 §7.4.1 "Service Restart": what drain() closes members with, so their clients reconnect. */
export const CLOSE_RESTARTING = 1012;

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
  /**
   * A graceful close (SIGTERM): takes no new member, closes every member with
   * 1012 (service restart) so its client reconnects, to another instance or
   * to this one once it is back, waits up to `graceMs` (default 5 000) for
   * their closing handshakes, then close().
   */
  drain(graceMs?: number): Promise<void>;
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

/** Where a cluster's frames for a member go, once its socket is upgraded. */
interface Inbox {
  socket: WebSocket | null;
}

interface Member {
  readonly socket: WebSocket;
  /** The payload of the ping not answered yet, if any. */
  awaiting: Buffer | null;
  readonly takeToken: () => boolean;
  /** Its seat in the cluster, when there is one. */
  readonly seat: ClusterSeat | null;
}

/** How long a refused socket may take to finish its closing handshake before it is cut. */
const REFUSAL_GRACE_MS = 2_000;

const RESTARTING: Refusal = { code: CLOSE_RESTARTING, reason: 'relay restarting' };
const TOPIC_FULL: Refusal = { code: CLOSE_TOPIC_FULL, reason: 'topic full' };
const TOO_MANY: Refusal = { code: CLOSE_TOO_MANY_CONNECTIONS, reason: 'too many connections from this address' };
const REFUSAL_COUNTERS: Partial<Record<number, 'perAddress' | 'badTopic' | 'unauthorized' | 'topicFull'>> = {
  [CLOSE_TOO_MANY_CONNECTIONS]: 'perAddress',
  [CLOSE_BAD_TOPIC]: 'badTopic',
  [CLOSE_UNAUTHORIZED]: 'unauthorized',
  [CLOSE_TOPIC_FULL]: 'topicFull',
};

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
    if (url === null || !url.pathname.startsWith(o.path)) {
      // On a shared server, other paths belong to other upgrade listeners.
      if (owned) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // Draining: the client retries, on another instance or on this one once it is back.
    if (closed) return answer(socket, '503 Service Unavailable');
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
    const refusal = over !== null ? TOO_MANY : judge(url.searchParams.get('apiKey'), topic);
    if (refusal !== null || o.cluster === undefined) return upgrade(req, socket, head, topic, refusal, null);
    // On a cluster the seat is taken (and the topic's channel heard) before the
    // upgrade, so the member cannot send before its frames can go anywhere.
    const inbox: Inbox = { socket: null };
    o.cluster.join(topic, o.maxMembers, (data, isBinary) => {
      if (inbox.socket !== null) forward(inbox.socket, data, isBinary);
    }).then(
      (seat) => {
        if (closed || socket.destroyed) {
          seat?.leave();
          // Drained while Redis answered: the client retries, elsewhere or later.
          if (!socket.destroyed) answer(socket, '503 Service Unavailable');
          return;
        }
        upgrade(req, socket, head, topic, seat === null ? TOPIC_FULL : null, seat, inbox);
      },
      () => {
        stats.refused.unavailable += 1;
        answer(socket, '503 Service Unavailable');
      },
    );
  }

  function upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    topic: string,
    refusal: Refusal | null,
    seat: ClusterSeat | null,
    inbox?: Inbox,
  ): void {
    verdicts.set(req, refusal);
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (inbox !== undefined) inbox.socket = ws;
      accept(ws, topic, refusal, seat);
    });
  }

  function judge(apiKey: string | null, topic: string): Refusal | null {
    if (!keyAccepted(apiKey)) return { code: CLOSE_UNAUTHORIZED, reason: PREFIX + 'invalid API key' };
    if (!o.topicAllowed(topic)) return { code: CLOSE_BAD_TOPIC, reason: 'bad topic' };
    return localFull(topic) ? TOPIC_FULL : null;
  }

  /** Without a cluster the topic's room here is all of it; with one, the cluster counts. */
  function localFull(topic: string): boolean {
    return o.cluster === undefined && (rooms.get(topic)?.size ?? 0) >= o.maxMembers;
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

  /** One copy of a frame to one member, if it fits under its buffer cap. */
  function forward(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    if (ws.readyState !== WebSocket.OPEN || !fits(ws, data.length)) return;
    ws.send(data, { binary: isBinary });
    stats.frames.out += 1;
    stats.bytes.out += data.length;
  }

  function accept(ws: WebSocket, topic: string, refusal: Refusal | null, seat: ClusterSeat | null): void {
    sockets.add(ws);
    ws.on('error', ignore);
    ws.once('close', () => {
      sockets.delete(ws);
      seat?.leave();
    });
    const room = rooms.get(topic) ?? new Set<Member>();
    // Checked again: the room may have filled while this handshake completed.
    refusal ??= closed ? RESTARTING : localFull(topic) ? TOPIC_FULL : null;
    if (refusal !== null) return refuse(ws, refusal);
    rooms.set(topic, room);

    const member: Member = { socket: ws, awaiting: null, takeToken: tokenBucket(o.rate), seat };
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
    ws.on('message', (raw, isBinary) => {
      // After we start closing, `ws` still delivers frames that were in flight.
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!member.takeToken()) return ws.close(CLOSE_RATE_LIMIT, 'rate limit');
      const data = raw as Buffer;
      stats.frames.in += 1;
      stats.bytes.in += data.length;
      for (const peer of room) if (peer !== member) forward(peer.socket, data, isBinary);
      seat?.publish(data, isBinary);
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
  let draining: Promise<void> | undefined;

  function close(): Promise<void> {
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
  }

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
        members: this.connections(),
        topics: rooms.size,
        frames: { ...stats.frames },
        bytes: { ...stats.bytes },
        heartbeats: stats.heartbeats,
        dropped: { ...stats.dropped },
        refused: { ...stats.refused },
        ignoredPongs: stats.ignoredPongs,
      };
    },
    close,
    drain(graceMs = 5_000): Promise<void> {
      draining ??= (async () => {
        // From here on an upgrade is answered 503 (see onUpgrade): clients retry elsewhere.
        closed = true;
        const gone = [...sockets].map((ws) => new Promise((resolve) => ws.once('close', resolve)));
        for (const ws of sockets) ws.close(CLOSE_RESTARTING, 'relay restarting');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([Promise.all(gone), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
        clearTimeout(timer);
        await close();
      })();
      return draining;
    },
  };
}
