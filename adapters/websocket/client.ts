import { SecureMeetingError, invalidOption, PREFIX } from '../../core/errors.js';
import { readReconnect, resolveWebSocketUrl, type ReconnectOptions } from '../common.js';
import { ReconnectingConnection, type Attempt, type Ending, type Transport } from '../reconnecting.js';
import {
  CLOSE_BAD_TOPIC as BAD_TOPIC,
  CLOSE_RATE_LIMIT as RATE_LIMIT,
  CLOSE_TOO_BIG as TOO_BIG,
  CLOSE_TOPIC_FULL as TOPIC_FULL,
  CLOSE_UNAUTHORIZED as UNAUTHORIZED,
  PROTOCOL,
  PROTOCOL_REFUSED,
} from './codes.js';
import type { RelayAdapter, RelayConnection, RelayHandlers, RelayTarget } from '../../core/relay.js';

/**
 * The part of the WebSocket API this client uses. The browser's `WebSocket`
 * and the `ws` package's both fit, so Node (20 has no global WebSocket) and
 * tests can pass their own.
 */
export interface WebSocketLike {
  readonly readyState: number;
  /** The subprotocol the server selected ('' for none). */
  readonly protocol: string;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: SocketEvent, listener: (event: object) => void): void;
  removeEventListener(type: SocketEvent, listener: (event: object) => void): void;
}

type SocketEvent = 'open' | 'message' | 'close' | 'error';

export type WebSocketConstructor = new (url: string, protocols?: string[]) => WebSocketLike;

export interface WebSocketRelayOptions {
  /**
   * URL template: `[TOPIC]` becomes the blinded topic, `[CHANNEL_ID]` the
   * plain channel (for relays that want a number) and `[API_KEY]` the apiKey,
   * each URI-encoded. ws://, wss://, http(s):// (mapped to ws(s)://), or, in
   * a browser, relative to the page, e.g. `/relay/[TOPIC]`.
   */
  url: string;
  apiKey?: string;
  /** Constructor to use; defaults to `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** `false` closes for good on the first disconnect. */
  reconnect?: ReconnectOptions | false;
}

const OPEN = 1;
const CONNECTING = 0;

const URL_ERROR =
  'websocketRelay: url must be a ws://, wss://, http:// or https:// URL (relative URLs only in a browser)';

/** A relay adapter for any WebSocket server that broadcasts each frame to the other sockets on the same URL. */
export function websocketRelay(options: WebSocketRelayOptions): RelayAdapter {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('websocketRelay: options must be an object with a url');
  }
  const { url: template, apiKey } = options;
  if (typeof template !== 'string' || template.trim() === '') {
    throw invalidOption('websocketRelay: url must be a non-empty string');
  }
  if (apiKey !== undefined && typeof apiKey !== 'string') {
    throw invalidOption('websocketRelay: apiKey must be a string');
  }
  if (template.includes('[API_KEY]') && !apiKey) {
    throw invalidOption('websocketRelay: url uses [API_KEY] but no apiKey was given');
  }
  if (resolveWebSocketUrl(fill(template, 'topic', '1', apiKey)) === null) throw invalidOption(URL_ERROR);
  const reconnect = readReconnect('websocketRelay', options.reconnect);

  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (options.WebSocket !== undefined && typeof options.WebSocket !== 'function') {
    throw invalidOption('websocketRelay: WebSocket must be a WebSocket constructor');
  }
  if (typeof Ctor !== 'function') {
    throw new SecureMeetingError(
      'unsupported',
      'no WebSocket implementation here; pass the WebSocket option (in Node, the "ws" package)',
    );
  }

  let warm: EarlySocket | null = null;
  let expiry: ReturnType<typeof setTimeout> | undefined;
  const urlOf = (target: RelayTarget) => resolveWebSocketUrl(fill(template, target.topic, String(target.channel), apiKey))?.href ?? null;
  return {
    kind: 'websocket',
    connect(target: RelayTarget, handlers: RelayHandlers): RelayConnection {
      if (typeof target?.topic !== 'string' || target.topic === '') {
        throw invalidOption('websocketRelay: connect() needs a non-empty topic');
      }
      const url = urlOf(target);
      if (url === null) throw invalidOption(URL_ERROR);
      clearTimeout(expiry);
      const early = warm?.url === url && !warm.closed ? warm : null;
      if (early === null) warm?.release();
      warm = null;
      return new ReconnectingConnection(new WebSocketAttempts(url, Ctor, early), reconnect, handlers);
    },
    /**
     * Our relay's socket is per topic (its URL names it), so there is
     * nothing to dial before the keys are derived; with the topic, the
     * socket is opened ahead and the next `connect()` to it takes it open.
     * What it receives before then is not ours yet and is dropped.
     */
    warm(target?: RelayTarget): void {
      if (typeof target?.topic !== 'string' || target.topic === '') return;
      const url = urlOf(target);
      if (url === null) return; // connect() reports it
      clearTimeout(expiry);
      if (warm !== null && (warm.url !== url || warm.closed)) {
        warm.release();
        warm = null;
      }
      try {
        warm ??= dialEarly(url, Ctor);
      } catch {
        return; // mixed content or a CSP block: connect() meets it again and reports it
      }
      const early = warm;
      expiry = setTimeout(() => {
        if (warm !== early) return;
        warm = null;
        early.release();
      }, WARM_MS);
    },
  };
}

/** How long a socket `warm()` opened waits for its `connect()` before it is closed. */
const WARM_MS = 30_000;

/** A socket warm() opened to a topic's URL, before any connect() took it. */
interface EarlySocket {
  readonly url: string;
  readonly socket: WebSocketLike;
  /** It closed (or failed) before it was taken: a connect() dials afresh. */
  readonly closed: boolean;
  /** Our listeners off, for the attempt that takes it. */
  detach(): void;
  /** Not taken: listeners off and the socket closed. */
  release(): void;
}

/** A socket to our relay (or any), offering our subprotocol; throws as the constructor does. */
function dial(url: string, Ctor: WebSocketConstructor): WebSocketLike {
  const socket = new Ctor(url, [PROTOCOL, PROTOCOL_REFUSED]);
  socket.binaryType = 'arraybuffer';
  return socket;
}

function dialEarly(url: string, Ctor: WebSocketConstructor): EarlySocket {
  const socket = dial(url, Ctor);
  let closed = false;
  const onClose = (): void => {
    closed = true;
  };
  socket.addEventListener('close', onClose);
  socket.addEventListener('error', ignore);
  const detach = (): void => socket.removeEventListener('close', onClose);
  return {
    url,
    socket,
    get closed() {
      return closed || socket.readyState > OPEN;
    },
    detach,
    release() {
      detach();
      closeQuietly(socket);
    },
  };
}

function closeQuietly(socket: WebSocketLike): void {
  if (socket.readyState !== OPEN && socket.readyState !== CONNECTING) return;
  try {
    socket.close(1000);
  } catch {
    // Already failing; nothing left to release.
  }
}

function fill(template: string, topic: string, channel: string, apiKey: string | undefined): string {
  // Function replacers: a `$&` inside a value must not be read as a replacement pattern.
  return template
    .replaceAll('[TOPIC]', () => encodeURIComponent(topic))
    .replaceAll('[CHANNEL_ID]', () => encodeURIComponent(channel))
    .replaceAll('[API_KEY]', () => encodeURIComponent(apiKey ?? ''));
}

const utf8 = new TextDecoder();

/** Generic relays may forward our text frames as binary, so every frame kind is read as UTF-8. */
function decode(data: unknown): string | Promise<string> | null {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return utf8.decode(data);
  // A Node Buffer, when the implementation ignored binaryType.
  if (ArrayBuffer.isView(data)) return utf8.decode(data);
  if (typeof Blob !== 'undefined' && data instanceof Blob) return data.text();
  return null;
}

// Kept on every socket for good: `ws` emits 'error' when a socket still
// connecting is closed, and an EventEmitter 'error' with no listener throws.
const ignore = (): void => {};

function reasonSuffix(reason: unknown): string {
  if (typeof reason !== 'string' || reason === '') return '';
  return ': ' + (reason.startsWith(PREFIX) ? reason.slice(PREFIX.length) : reason);
}

/** How our relay's close codes (codes.ts) end an attempt; anything else is an outage. */
function ending(code: number, reason: unknown): Ending {
  const why = reasonSuffix(reason);
  switch (code) {
    case UNAUTHORIZED:
      return { kind: 'fatal', error: new SecureMeetingError('unauthorized', `relay refused access (close ${code})${why}`) };
    case TOPIC_FULL:
    case BAD_TOPIC:
      return { kind: 'fatal', error: new SecureMeetingError('rejected', `relay refused the topic (close ${code})${why}`) };
    case RATE_LIMIT:
    case TOO_BIG:
      return { kind: 'retry', error: new SecureMeetingError('rejected', `relay closed the connection (close ${code})${why}`) };
    default:
      return { kind: 'unreachable', error: new SecureMeetingError('unreachable', `cannot reach the relay (close ${code})${why}`) };
  }
}

/** One attempt: the socket and how to take our listeners off it. */
interface Dialled {
  readonly socket: WebSocketLike;
  readonly detach: () => void;
}

class WebSocketAttempts implements Transport<Dialled> {
  /** Set while a Blob is being read, so later frames wait their turn. */
  #inbound: Promise<void> | null = null;

  /** A socket warm() opened, for the first attempt to take while it is still good. */
  #early: EarlySocket | null;

  constructor(
    private readonly url: string,
    private readonly Ctor: WebSocketConstructor,
    early: EarlySocket | null = null,
  ) {
    this.#early = early;
  }

  open(attempt: Attempt): Dialled {
    const early = this.#early;
    this.#early = null;
    if (early && !early.closed) {
      early.detach();
      const dialled = this.#listen(early.socket, attempt);
      // Open already: the attempt is, once it has been handed its socket.
      if (early.socket.readyState === OPEN && early.socket.protocol !== PROTOCOL_REFUSED) queueMicrotask(() => attempt.current && attempt.opened());
      return dialled;
    }
    early?.release();
    let socket: WebSocketLike;
    try {
      socket = dial(this.url, this.Ctor);
    } catch (cause) {
      // Thrown synchronously for mixed content or a CSP block: retrying cannot help.
      throw new SecureMeetingError('unreachable', 'cannot open the relay WebSocket', { cause });
    }
    return this.#listen(socket, attempt);
  }

  #listen(socket: WebSocketLike, attempt: Attempt): Dialled {
    const onOpen = (): void => {
      // Our relay is refusing this socket; its close frame, with the reason, is on its way.
      if (socket.protocol !== PROTOCOL_REFUSED) attempt.opened();
    };
    const onMessage = (event: object): void => this.#receive(attempt, (event as { data?: unknown }).data);
    const onClose = (closeEvent: object): void => {
      const event = closeEvent as { code?: number; reason?: string };
      attempt.ended(ending(event.code ?? 1006, event.reason));
    };
    socket.addEventListener('open', onOpen);
    socket.addEventListener('message', onMessage);
    socket.addEventListener('close', onClose);
    socket.addEventListener('error', ignore);
    const detach = (): void => {
      socket.removeEventListener('open', onOpen);
      socket.removeEventListener('message', onMessage);
      socket.removeEventListener('close', onClose);
    };
    return { socket, detach };
  }

  send({ socket }: Dialled, data: string): boolean {
    if (socket.readyState !== OPEN) return false;
    try {
      socket.send(data);
      return true;
    } catch {
      return false;
    }
  }

  dispose({ socket, detach }: Dialled): void {
    detach();
    closeQuietly(socket);
  }

  #receive(attempt: Attempt, data: unknown): void {
    const text = decode(data);
    if (text === null) return;
    if (typeof text === 'string' && this.#inbound === null) {
      attempt.message(text);
      return;
    }
    const next = (this.#inbound ?? Promise.resolve())
      .then(() => text)
      .then((value) => attempt.message(value), ignore)
      .then(() => {
        if (this.#inbound === next) this.#inbound = null;
      });
    this.#inbound = next;
  }
}
