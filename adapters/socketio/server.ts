import { createServer, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as IoServer, type ExtendedError, type Namespace, type ServerOptions, type Socket } from 'socket.io';
import { invalidOption, PREFIX } from '../../core/errors.js';
import { checkObject, keyChecker, listen, readCommon, shutDown, tokenBucket, TOPIC, type CommonSettings } from '../server-common.js';
import { attachReversibly } from './attach.js';
import {
  KICK_EVENT,
  MESSAGE_EVENT,
  readPathAndNamespace,
  type KickCode,
  type RefusalCode,
} from './codes.js';

export type { KickCode, RefusalCode } from './codes.js';
export { KICK_EVENT, MESSAGE_EVENT } from './codes.js';

/**
 * The Socket.IO relay: a member joins one topic (sent in the handshake
 * `auth`), and every string it emits as "message" goes to every *other*
 * member of that topic, on this instance and, with a cluster adapter such as
 * `@socket.io/redis-adapter`, on every other instance. It stores nothing and
 * logs nothing; it only ever sees blinded topics and sealed envelopes.
 *
 * Give at most one of `server`, `io` and `port`; with none, it listens on a
 * free port of 127.0.0.1.
 */
export interface SocketIoRelayServerOptions {
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
}

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

/**
 * Socket.IO encodes a message as JSON in a packet; JSON escapes a control
 * character as 6 bytes. The transport cap of a Server we create allows any
 * message up to maxPayload, so our check (with its clear "too-big") decides.
 */
const transportCap = (maxPayload: number): number => maxPayload * 6 + 1024;

interface Settings extends CommonSettings {
  readonly server: HttpServer | HttpsServer | undefined;
  readonly io: IoServer | undefined;
  readonly path: string;
  readonly namespace: string;
  readonly adapter: ServerOptions['adapter'] | undefined;
}

const FN = 'createSocketIoRelay';

function readOptions(options: SocketIoRelayServerOptions): Settings {
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
  if (adapter !== undefined && typeof adapter !== 'function') {
    throw invalidOption(`${FN}: adapter must be a Socket.IO adapter, e.g. createAdapter() of @socket.io/redis-adapter`);
  }
  return { ...readCommon(FN, options), server, io, path, namespace, adapter };
}

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
    };
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

  const keyAccepted = keyChecker(o.apiKeys);
  /** Per topic, the ids of this instance's members, admitted ones still connecting included. */
  const seats = new Map<string, Set<string>>();
  /** The topic each socket was admitted to, by this relay. */
  const admitted = new WeakMap<Socket, string>();
  let closed = false;

  /** Members on other instances; `fetchSockets()` asks the whole cluster (the in-memory adapter: just us). */
  async function remoteMembers(topic: string): Promise<number> {
    const sockets = await nsp.in(room(topic)).fetchSockets();
    return sockets.filter((s) => !nsp.sockets.has(s.id)).length;
  }

  async function admit(socket: Socket, next: (err?: ExtendedError) => void): Promise<void> {
    const auth = (socket.handshake.auth ?? {}) as { apiKey?: unknown; topic?: unknown };
    if (!keyAccepted(auth.apiKey)) return next(refusal('unauthorized', 'invalid API key'));
    const { topic } = auth;
    if (typeof topic !== 'string' || !TOPIC.test(topic)) return next(refusal('bad-topic', 'bad topic'));
    let remote: number;
    try {
      remote = await remoteMembers(topic);
    } catch {
      // A cluster node did not answer in time: better a retry than a room over its cap.
      return next(refusal('unavailable', 'cannot count the members of the topic'));
    }
    if (closed) return next(refusal('unavailable', 'relay closed'));
    // Gone while we counted: Socket.IO drops it without a word; nothing to reserve.
    if (socket.conn.readyState !== 'open') return next(refusal('unavailable', 'connection closed'));
    // Local seats are reserved synchronously after the count, so concurrent joins
    // on one instance cannot overfill a topic. Across instances two joins that
    // count at the same moment can both get in: the cap is a guard, not a ledger.
    const taken = seats.get(topic) ?? new Set<string>();
    if (taken.size + remote >= o.maxMembers) return next(refusal('topic-full', 'topic full'));
    taken.add(socket.id);
    seats.set(topic, taken);
    admitted.set(socket, topic);
    const conn = socket.conn;
    const release = (): void => {
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
      if (data.length > o.maxPayload || Buffer.byteLength(data, 'utf8') > o.maxPayload) {
        return kick('too-big', 'message too big');
      }
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
      for (const [name, members] of nsp.adapter.rooms) if (name.startsWith(ROOM_PREFIX)) total += members.size;
      return total;
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
