import { createServer, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as IoServer, type ExtendedError, type Namespace, type ServerOptions, type Socket } from 'socket.io';
import { invalidOption, PREFIX } from '../../core/errors.js';
import { ConnectionCounter, counters, keyChecker, listen, shutDown, tokenBucket, type RelayStats } from '../server-common.js';
import { attachReversibly } from './attach.js';
import { KICK_EVENT, MESSAGE_EVENT, type KickCode, type RefusalCode } from './codes.js';
import { guard } from './guard.js';
import { readOptions, transportCap, type SocketIoRelayServerOptions } from './server-options.js';

export type { KickCode, RefusalCode } from './codes.js';
export { KICK_EVENT, MESSAGE_EVENT } from './codes.js';
export type { LimitOptions, RelayStats, TopicRule } from '../server-common.js';
export type { SocketIoRelayServerOptions } from './server-options.js';


export interface SocketIoRelay {
  /** Resolves once listening (at once when attached); rejects if listen fails. */
  readonly ready: Promise<void>;
  /** The address of the HTTP server the relay is served from. */
  address(): AddressInfo;
  /**
   * Disconnects the relay's members and stops serving the namespace.
   * A server or Socket.IO Server the app passed in keeps running. Idempotent.
   */
  close(): Promise<void>;
  /** Members connected to this instance, of one topic or of all topics. */
  connections(topic?: string): number;
  /** A snapshot of this instance's counters and of the bytes waiting to be sent to its members. */
  stats(): RelayStats;
  /** The Socket.IO Server in use: the app's own (`io`) or the one the relay created. */
  readonly io: IoServer;
  /** The relay's namespace on it. */
  readonly namespace: Namespace;
}

/**
 * Rooms are named `topic:<topic>`: every socket also sits in a room named
 * after its own id (20 characters that pass the topic rule), which a member
 * must not be able to join by picking that id as its topic.
 */
const ROOM_PREFIX = 'topic:';
const room = (topic: string): string => ROOM_PREFIX + topic;


/** The relay serving a namespace right now. A namespace outlives a relay on an app's Server, so its hooks are installed once and look here. */
interface Slot {
  relay: Hooks | null;
}
interface Hooks {
  admit(socket: Socket, next: (err?: ExtendedError) => void): void;
  join(socket: Socket): void;
}
const slots = new WeakMap<Namespace, Slot>();

function slotOf(nsp: Namespace): Slot {
  const existing = slots.get(nsp);
  if (existing !== undefined) return existing;
  const slot: Slot = { relay: null };
  slots.set(nsp, slot);
  nsp.use((socket, next) => {
    if (slot.relay === null) return next(refusal('unavailable', 'relay closed'));
    slot.relay.admit(socket, next);
  });
  nsp.on('connection', (socket) => {
    if (slot.relay === null) socket.disconnect();
    else slot.relay.join(socket);
  });
  return slot;
}

function refusal(code: RefusalCode, message: string): ExtendedError {
  return Object.assign(new Error(message), { data: { code } });
}

export function createSocketIoRelay(options: SocketIoRelayServerOptions = {}): SocketIoRelay {
  const o = readOptions(options);
  if (o.io !== undefined && slots.get(o.io.of(o.namespace))?.relay) {
    throw invalidOption(`createSocketIoRelay: a relay already serves namespace "${o.namespace}" of this Socket.IO Server`);
  }

  const ownsIo = o.io === undefined;
  const ownsHttp = o.io === undefined && o.server === undefined;
  let detach: (() => void) | undefined;
  let http: HttpServer | HttpsServer | undefined;
  let io: IoServer;
  if (o.io !== undefined) {
    io = o.io;
  } else {
    const ioOptions: Partial<ServerOptions> = {
      path: o.path,
      serveClient: false,
      maxHttpBufferSize: transportCap(o.maxPayload),
      allowRequest: (req, callback) => {
        const address = o.addressOf(req);
        const over = connections.check(address);
        // Past twice the per-address cap nothing more is let in; up to there admit() says why.
        if (over === 'total' || (over === 'per-address' && connections.of(address) >= 2 * o.perAddress)) {
          stats.refused[over === 'total' ? 'total' : 'perAddress'] += 1;
          return callback(over === 'total' ? 'relay full' : 'too many connections from this address', false);
        }
        callback(null, true);
      },
    };
    if (o.heartbeatMs !== undefined) Object.assign(ioOptions, { pingInterval: o.heartbeatMs, pingTimeout: o.heartbeatMs });
    if (o.adapter !== undefined) ioOptions.adapter = o.adapter;
    if (o.server !== undefined) {
      const server = o.server;
      http = server;
      const attached = attachReversibly(server, () => new IoServer(server, ioOptions));
      io = attached.value;
      detach = attached.detach;
    } else {
      http = createServer((_req, res) => {
        res.writeHead(404, { connection: 'close' }).end();
      });
      io = new IoServer(http, ioOptions);
    }
  }
  const nsp = io.of(o.namespace);
  // On a Server of our own every Engine.IO connection counts, namespace or not.
  if (ownsIo) io.engine.on('connection', (conn: Socket['conn']) => conn.once('close', connections.take(o.addressOf(conn.request))));

  const keyAccepted = keyChecker(o.apiKeys);
  /** Per topic, the ids of this instance's members, admitted ones still connecting included. */
  const seats = new Map<string, Set<string>>();
  /** The topic each socket was admitted to, by this relay. */
  const admitted = new WeakMap<Socket, string>();
  /** Engine.IO connections on a Server we own (the caps' first line); members on an app's Server. */
  const connections = new ConnectionCounter(o.perAddress, o.maxConnections);
  /** This relay's members, counted apart so the reason for a refusal can reach the client. */
  const members = new ConnectionCounter(o.perAddress, o.maxConnections);
  const stats = counters();
  /** How many bytes wait for each member. */
  const backlogs = new Set<() => number>();
  /** A connection may join the namespace again: one guard each. */
  const guarded = new WeakMap<Socket['conn'], () => number>();
  let closed = false;

  /** Members on other instances; `fetchSockets()` asks the whole cluster (the in-memory adapter: just us). */
  async function remoteMembers(topic: string): Promise<number> {
    const sockets = await nsp.in(room(topic)).fetchSockets();
    return sockets.filter((s) => !nsp.sockets.has(s.id)).length;
  }

  async function admit(socket: Socket, next: (err?: ExtendedError) => void): Promise<void> {
    const auth = (socket.handshake.auth ?? {}) as { apiKey?: unknown; topic?: unknown };
    if (!keyAccepted(auth.apiKey)) {
      stats.refused.unauthorized += 1;
      return next(refusal('unauthorized', 'invalid API key'));
    }
    const { topic } = auth;
    if (typeof topic !== 'string' || !o.topicAllowed(topic)) {
      stats.refused.badTopic += 1;
      return next(refusal('bad-topic', 'bad topic'));
    }
    let remote: number;
    try {
      remote = await remoteMembers(topic);
    } catch {
      // A cluster node did not answer in time: better a retry than a room over its cap.
      stats.refused.unavailable += 1;
      return next(refusal('unavailable', 'cannot count the members of the topic'));
    }
    if (closed) return next(refusal('unavailable', 'relay closed'));
    // Gone while we counted: Socket.IO drops it without a word; nothing to reserve.
    if (socket.conn.readyState !== 'open') return next(refusal('unavailable', 'connection closed'));
    // Local seats are reserved synchronously after the count, so concurrent joins
    // on one instance cannot overfill a topic. Across instances two joins that
    // count at the same moment can both get in: the cap is a guard, not a ledger.
    const taken = seats.get(topic) ?? new Set<string>();
    if (taken.size + remote >= o.maxMembers) {
      stats.refused.topicFull += 1;
      return next(refusal('topic-full', 'topic full'));
    }
    // Like the seats, checked and taken in one tick.
    const address = o.addressOf(socket.request);
    const over = members.check(address);
    if (over !== null) {
      stats.refused[over === 'total' ? 'total' : 'perAddress'] += 1;
      return next(refusal('unavailable', over === 'total' ? 'relay full' : 'too many connections from this address'));
    }
    taken.add(socket.id);
    seats.set(topic, taken);
    admitted.set(socket, topic);
    const conn = socket.conn;
    const leave = members.take(address);
    const backlog = guarded.get(conn) ?? guard(conn, o.maxBuffered, stats);
    guarded.set(conn, backlog);
    backlogs.add(backlog);
    const release = (): void => {
      leave();
      backlogs.delete(backlog);
      conn.off('close', release);
      taken.delete(socket.id);
      if (taken.size === 0 && seats.get(topic) === taken) seats.delete(topic);
    };
    // 'disconnect' once connected; the transport's 'close' if it never got that far.
    conn.once('close', release);
    socket.once('disconnect', release);
    next();
  }

  function join(socket: Socket): void {
    const topic = admitted.get(socket);
    if (topic === undefined || closed) {
      socket.disconnect();
      return;
    }
    // Synchronous, in the same tick as the CONNECT reply is queued: the member is in
    // the room before its client can see 'connect' (the Redis adapter keeps rooms locally).
    socket.join(room(topic));
    const takeToken = tokenBucket(o.rate);
    let kicked = false;
    const kick = (code: KickCode, message: string): void => {
      kicked = true;
      socket.emit(KICK_EVENT, { code, message });
      // On an app's Server the connection may carry its other namespaces: leave those alone.
      socket.disconnect(ownsIo);
    };
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (kicked) return;
      if (!takeToken()) return kick('rate-limit', 'rate limit');
      const data = args[0];
      if (event !== MESSAGE_EVENT || typeof data !== 'string') return;
      // UTF-8 never takes fewer bytes than UTF-16 code units, so the length is a cheap first test.
      if (data.length > o.maxPayload) return kick('too-big', 'message too big');
      const bytes = Buffer.byteLength(data, 'utf8');
      if (bytes > o.maxPayload) return kick('too-big', 'message too big');
      stats.frames.in += 1;
      stats.bytes.in += bytes;
      // The copies this instance sends; those for other instances are counted there.
      const copies = Math.max(0, (nsp.adapter.rooms.get(room(topic))?.size ?? 1) - 1);
      stats.frames.out += copies;
      stats.bytes.out += copies * bytes;
      socket.to(room(topic)).emit(MESSAGE_EVENT, data);
    });
  }

  const hooks: Hooks = {
    admit(socket, next) {
      void admit(socket, next);
    },
    join,
  };
  const slot = slotOf(nsp);
  slot.relay = hooks;

  const ready = ownsHttp ? listen(http as HttpServer, o.port, o.host) : Promise.resolve();

  let closing: Promise<void> | undefined;

  return {
    ready,
    io,
    namespace: nsp,
    address(): AddressInfo {
      const server = http ?? (io.httpServer as HttpServer | HttpsServer | undefined);
      const address = server?.address();
      if (address === null || address === undefined || typeof address === 'string') {
        throw new Error(PREFIX + 'the Socket.IO relay is not listening on a TCP port');
      }
      return address;
    },
    connections(topic?: string): number {
      if (topic !== undefined) return nsp.adapter.rooms.get(room(topic))?.size ?? 0;
      let total = 0;
      for (const [name, ids] of nsp.adapter.rooms) if (name.startsWith(ROOM_PREFIX)) total += ids.size;
      return total;
    },
    stats(): RelayStats {
      let bufferedBytes = 0;
      for (const backlog of backlogs) bufferedBytes += backlog();
      const sockets = ownsIo ? connections.total : members.total;
      let topics = 0;
      for (const name of nsp.adapter.rooms.keys()) if (name.startsWith(ROOM_PREFIX)) topics += 1;
      return {
        ...stats,
        bufferedBytes,
        sockets,
        members: this.connections(),
        topics,
        frames: { ...stats.frames },
        bytes: { ...stats.bytes },
        dropped: { ...stats.dropped },
        refused: { ...stats.refused },
      };
    },
    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        if (slot.relay === hooks) slot.relay = null;
        // Clients see a server-side disconnect (or the transport closing) and retry with backoff.
        for (const socket of [...nsp.sockets.values()]) {
          if (admitted.has(socket)) socket.disconnect(ownsIo);
        }
        seats.clear();
        if (!ownsIo) return;
        // What io.close() does, minus closing an HTTP server that is the app's.
        await Promise.allSettled([io.sockets, nsp].map((n) => n.adapter.close()));
        io.engine.close();
        if (detach !== undefined) return detach();
        await shutDown(http as HttpServer);
      })();
      return closing;
    },
  };
}
