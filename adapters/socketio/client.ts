import { io, type Socket } from 'socket.io-client';
import { SecureMeetingError, invalidOption } from '../../core/errors.js';
import { readReconnect, type ReconnectOptions } from '../common.js';
import { ReconnectingConnection, type Attempt, type Ending, type Transport } from '../reconnecting.js';
import type { RelayAdapter, RelayConnection, RelayHandlers, RelayTarget } from '../../core/relay.js';
import {
  KICK_EVENT,
  MESSAGE_EVENT,
  readPathAndNamespace,
  type KickCode,
  type RefusalCode,
} from './codes.js';

export type SocketIoTransport = 'websocket' | 'polling';

export interface SocketIoRelayOptions {
  /**
   * The Socket.IO server's origin: `https://relay.example.org` (http://,
   * ws:// and wss:// work too) or, in a browser, relative to the page (`/`).
   * Only the origin: the HTTP path goes in `path`, the namespace in `namespace`.
   */
  url: string;
  /** The HTTP path the Socket.IO server is served under (its `path` option). Default `/socket.io/`. */
  path?: string;
  /** The relay's Socket.IO namespace, the same as the server's. Default `/secure-meeting`. */
  namespace?: string;
  /** Sent in the Socket.IO handshake `auth`, never in the URL; the relay checks it against its `apiKeys`. */
  apiKey?: string;
  /**
   * Reconnect after an outage with exponential backoff and full jitter;
   * `false` closes for good on the first disconnect.
   * Default `{ initialDelayMs: 500, maxDelayMs: 10000 }`.
   */
  reconnect?: ReconnectOptions | false;
  /**
   * Socket.IO transports, in order. Default `['websocket']`: no HTTP
   * long-polling unless asked for (a proxy that blocks WebSockets is the
   * usual reason to add `'polling'`).
   */
  transports?: readonly SocketIoTransport[];
}

const URL_ERROR =
  'socketioRelay: url must be an http://, https://, ws:// or wss:// URL (relative URLs only in a browser)';
const ORIGIN_ERROR =
  'socketioRelay: url must be the server origin only, e.g. "https://relay.example.org" (set path and namespace as options)';

interface Settings {
  /** `origin + namespace`: socket.io-client reads the namespace from the URL path. */
  readonly uri: string;
  readonly path: string;
  readonly apiKey: string | undefined;
  readonly transports: SocketIoTransport[];
  readonly reconnect: Required<ReconnectOptions> | false;
}

/**
 * A relay adapter for our Socket.IO relay (`adapters/socketio/server`):
 * one Socket.IO room per topic, in its own namespace.
 */
export function socketioRelay(options: SocketIoRelayOptions): RelayAdapter {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('socketioRelay: options must be an object with a url');
  }
  const { url, apiKey } = options;
  if (typeof url !== 'string' || url.trim() === '') {
    throw invalidOption('socketioRelay: url must be a non-empty string');
  }
  const origin = resolveOrigin(url);
  if (apiKey !== undefined && typeof apiKey !== 'string') {
    throw invalidOption('socketioRelay: apiKey must be a string');
  }
  const { path, namespace } = readPathAndNamespace('socketioRelay', options);
  const transports = options.transports ?? ['websocket'];
  if (
    !Array.isArray(transports) ||
    transports.length === 0 ||
    !transports.every((t) => t === 'websocket' || t === 'polling')
  ) {
    throw invalidOption('socketioRelay: transports must be a non-empty array of "websocket" and/or "polling"');
  }
  const settings: Settings = {
    uri: origin + (namespace === '/' ? '' : namespace),
    path,
    apiKey,
    transports: [...transports],
    reconnect: readReconnect('socketioRelay', options.reconnect),
  };

  return {
    kind: 'socketio',
    connect(target: RelayTarget, handlers: RelayHandlers): RelayConnection {
      if (typeof target?.topic !== 'string' || target.topic === '') {
        throw invalidOption('socketioRelay: connect() needs a non-empty topic');
      }
      return new ReconnectingConnection(new SocketIoAttempts(settings, target.topic), settings.reconnect, handlers);
    },
  };
}

/** The server origin (http or https), resolved against the page in a browser. */
function resolveOrigin(url: string): string {
  let parsed: URL;
  try {
    const base = (globalThis as { location?: { href?: unknown } }).location?.href;
    parsed = typeof base === 'string' ? new URL(url, base) : new URL(url);
  } catch {
    throw invalidOption(URL_ERROR);
  }
  if (parsed.protocol === 'ws:') parsed.protocol = 'http:';
  else if (parsed.protocol === 'wss:') parsed.protocol = 'https:';
  else if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidOption(URL_ERROR);
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
    throw invalidOption(ORIGIN_ERROR);
  }
  return parsed.origin;
}

const REFUSALS: Record<Exclude<RefusalCode, 'unavailable'>, () => SecureMeetingError> = {
  unauthorized: () => new SecureMeetingError('unauthorized', 'the Socket.IO relay refused the API key'),
  'bad-topic': () => new SecureMeetingError('rejected', 'the Socket.IO relay refused the topic'),
  'topic-full': () => new SecureMeetingError('rejected', 'the Socket.IO relay refused the topic: it is full'),
};

const KICKS: Record<KickCode, string> = {
  'rate-limit': 'the Socket.IO relay disconnected us for sending too fast (rate limit)',
  'too-big': 'the Socket.IO relay disconnected us for a message over its size cap',
};

/** The relay could not be reached, or dropped us; retried. `detail` names the cause. */
const lost = (detail: string): Ending => ({
  kind: 'unreachable',
  error: new SecureMeetingError('unreachable', `cannot reach the Socket.IO relay (${detail})`),
});

/**
 * Reads a `connect_error`. socket.io-client leaves the socket `active` after a
 * transport failure and deactivates it when the server refused the namespace
 * connection (a middleware `next(err)`; see the Socket.IO client docs,
 * "socket.active"), whose `err.data` carries our relay's refusal code.
 */
function classifyConnectError(error: Error & { data?: unknown }, serverRefused: boolean): Ending {
  if (!serverRefused) return lost(error.message || 'connection error');
  const code = (error.data as { code?: unknown } | undefined)?.code;
  if (code === 'unavailable') return lost(`the relay is not available: ${error.message}`);
  if (code === 'unauthorized' || code === 'bad-topic' || code === 'topic-full') {
    return { kind: 'fatal', error: REFUSALS[code]() };
  }
  // Someone else's middleware on the namespace (an app's own auth check): retrying will not change its mind.
  return {
    kind: 'fatal',
    error: new SecureMeetingError('unauthorized', `the Socket.IO server refused the connection: ${error.message}`),
  };
}

/**
 * One attempt = one socket.io-client Manager (forceNew) with its own
 * reconnection off: the backoff, the "once per outage" report and the retry
 * after a server-side disconnect (which socket.io-client never retries by
 * itself) all live in the shared ReconnectingConnection.
 */
class SocketIoAttempts implements Transport<Socket> {
  constructor(
    private readonly settings: Settings,
    private readonly topic: string,
  ) {}

  open(attempt: Attempt): Socket {
    const { uri, path, apiKey, transports } = this.settings;
    let socket: Socket;
    try {
      socket = io(uri, {
        path,
        transports,
        // The topic and key travel in the CONNECT packet, not in the URL (and so not in access logs).
        auth: apiKey === undefined ? { topic: this.topic } : { topic: this.topic, apiKey },
        forceNew: true,
        autoConnect: false,
        reconnection: false,
      });
    } catch (cause) {
      throw new SecureMeetingError('unreachable', 'cannot open the Socket.IO connection', { cause });
    }
    // The relay joins the socket to the topic's room before any other packet is read (server.ts).
    socket.on('connect', () => attempt.opened());
    socket.on(MESSAGE_EVENT, (data: unknown) => {
      if (typeof data === 'string') attempt.message(data);
    });
    socket.on(KICK_EVENT, (info: unknown) => {
      const code = (info as { code?: unknown } | null)?.code;
      // The disconnect that follows is what retries.
      if (code === 'rate-limit' || code === 'too-big') attempt.report(new SecureMeetingError('rejected', KICKS[code]));
    });
    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      attempt.ended(classifyConnectError(error, !socket.active));
    });
    // Also fires for a transport that closed before the namespace connected.
    socket.on('disconnect', (reason: string) => attempt.ended(lost(reason)));
    socket.connect();
    return socket;
  }

  send(socket: Socket, data: string): boolean {
    // A disconnected socket.io-client socket would buffer the message and send it
    // after reconnecting, to a room that may have moved on: the contract says drop it.
    if (!socket.connected) return false;
    socket.emit(MESSAGE_EVENT, data);
    return true;
  }

  /** Stops listening and lets go of the socket, its Manager, timers and transport. */
  dispose(socket: Socket): void {
    socket.off();
    // Sends a DISCONNECT packet when connected; closes the Manager (its own, as forceNew) either way.
    socket.disconnect();
  }
}
