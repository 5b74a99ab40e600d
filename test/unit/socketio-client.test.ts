import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { Server as IoServer } from 'socket.io';
import type { SecureMeetingError } from '../../core/errors.js';
import type { RelayConnection, RelayHandlers, RelayState } from '../../core/relay.js';
import { socketioRelay, type SocketIoRelayOptions } from '../../adapters/socketio/index.js';
import { createSocketIoRelay, type SocketIoRelay, type SocketIoRelayServerOptions } from '../../adapters/socketio/server.js';
import { sleep, until } from '../support/wait.js';

/** Hooks start and stop relays and brokers; with no global timeout, this turns a hang into a failure. */
const hookLimit = { timeout: 30_000 };

const relays: SocketIoRelay[] = [];
const connections: RelayConnection[] = [];
const httpServers: HttpServer[] = [];
const ioServers: IoServer[] = [];
const netServers: NetServer[] = [];

after(async () => {
  for (const connection of connections) connection.close();
  await Promise.all(relays.map((relay) => relay.close()));
  await Promise.all(ioServers.map((io) => io.close()));
  for (const http of httpServers) http.closeAllConnections();
  await Promise.all(httpServers.map((http) => new Promise((resolve) => http.close(resolve))));
  await Promise.all(netServers.map((server) => new Promise((resolve) => server.close(resolve))));
}, hookLimit);

async function start(options: SocketIoRelayServerOptions = {}): Promise<SocketIoRelay> {
  // The clients under test use short readable topics; the relay takes only blinded ones unless told.
  const relay = createSocketIoRelay({ topics: 'any', ...options });
  relays.push(relay);
  await relay.ready;
  return relay;
}

const origin = (relay: SocketIoRelay): string => `http://127.0.0.1:${relay.address().port}`;

/** Namespace handshakes the relay has seen (each attempt that got past the transport). */
function attempts(relay: SocketIoRelay): () => number {
  let count = 0;
  relay.io.engine.on('connection', () => count++);
  return () => count;
}

const fast = { initialDelayMs: 10, maxDelayMs: 40 };

interface Log {
  states: RelayState[];
  messages: string[];
  errors: SecureMeetingError[];
}

function open(options: SocketIoRelayOptions, topic = 'topic'): { conn: RelayConnection; log: Log } {
  const log: Log = { states: [], messages: [], errors: [] };
  const handlers: RelayHandlers = {
    message: (data) => log.messages.push(data),
    state: (state) => log.states.push(state),
    error: (error) => log.errors.push(error),
  };
  const conn = socketioRelay({ reconnect: fast, ...options }).connect({ topic, channel: '1' }, handlers);
  connections.push(conn);
  return { conn, log };
}

const isOpen = (...xs: Array<{ conn: RelayConnection }>) => (): boolean => xs.every((x) => x.conn.state === 'open');
const errors = (log: Log): Array<[string, string]> => log.errors.map((e) => [e.code, e.message]);

/** A broken relay shows up as a hang; this turns it into a failure. */
const limit = { timeout: 10_000 };

describe('Socket.IO relay client', () => {
  test('bad options throw a TypeError with an exact message', limit, () => {
    const URL_ERROR = 'socketioRelay: url must be an http://, https://, ws:// or wss:// URL (relative URLs only in a browser)';
    const ORIGIN_ERROR =
      'socketioRelay: url must be the server origin only, e.g. "https://relay.example.org" (set path and namespace as options)';
    const RECONNECT_ERROR =
      'socketioRelay: reconnect must be false or { initialDelayMs, maxDelayMs } with 0 < initialDelayMs <= maxDelayMs';
    const url = 'https://relay.example';
    const cases: Array<[unknown, string]> = [
      [undefined, 'socketioRelay: options must be an object with a url'],
      [{ url: '' }, 'socketioRelay: url must be a non-empty string'],
      [{ url: 42 }, 'socketioRelay: url must be a non-empty string'],
      [{ url: 'ftp://relay.example' }, URL_ERROR],
      [{ url: '/' }, URL_ERROR],
      [{ url: 'https://relay.example/secure-meeting' }, ORIGIN_ERROR],
      [{ url: 'https://relay.example/?apiKey=x' }, ORIGIN_ERROR],
      [{ url, apiKey: 7 }, 'socketioRelay: apiKey must be a string'],
      [{ url, path: 'socket.io' }, 'socketioRelay: path must start with "/"'],
      [{ url, namespace: 'meet' }, 'socketioRelay: namespace must start with "/" and hold no "?", "#" or spaces'],
      [{ url, namespace: '/a b' }, 'socketioRelay: namespace must start with "/" and hold no "?", "#" or spaces'],
      [{ url, transports: [] }, 'socketioRelay: transports must be a non-empty array of "websocket" and/or "polling"'],
      [{ url, transports: 'websocket' }, 'socketioRelay: transports must be a non-empty array of "websocket" and/or "polling"'],
      [{ url, transports: ['webtransport'] }, 'socketioRelay: transports must be a non-empty array of "websocket" and/or "polling"'],
      [{ url, reconnect: true }, RECONNECT_ERROR],
      [{ url, reconnect: { initialDelayMs: 0 } }, RECONNECT_ERROR],
      [{ url, reconnect: { initialDelayMs: 1000, maxDelayMs: 10 } }, RECONNECT_ERROR],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => socketioRelay(options as SocketIoRelayOptions), {
        name: 'TypeError',
        message: 'secure-meeting: ' + message,
      }, JSON.stringify(options));
    }
    // ws(s):// and a trailing slash are fine.
    for (const good of ['wss://relay.example', 'ws://127.0.0.1:8080/', 'https://relay.example:8443']) {
      assert.equal(socketioRelay({ url: good, reconnect: false }).kind, 'socketio');
    }
    const adapter = socketioRelay({ url });
    const noop = { message() {}, state() {}, error() {} };
    assert.throws(() => adapter.connect({ topic: '', channel: '1' }, noop), {
      name: 'TypeError',
      message: 'secure-meeting: socketioRelay: connect() needs a non-empty topic',
    });
  });

  test('the topic and API key travel in the handshake auth, never in a URL', limit, async () => {
    const http = createServer((_req, res) => res.writeHead(404).end());
    httpServers.push(http);
    const urls: string[] = [];
    const record = (req: IncomingMessage): void => {
      urls.push(req.url ?? '');
    };
    http.prependListener('upgrade', record);
    const relay = createSocketIoRelay({ server: http, apiKeys: ['k3y-in-auth'], topics: 'any' });
    relays.push(relay);
    http.prependListener('request', record);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const auths: unknown[] = [];
    relay.namespace.on('connection', (socket) => auths.push(socket.handshake.auth));

    const a = open({ url: origin(relay), apiKey: 'k3y-in-auth' }, 'the-topic-1');
    // Long-polling first, then the upgrade: every request of both transports.
    const b = open({ url: origin(relay), apiKey: 'k3y-in-auth', transports: ['polling', 'websocket'] }, 'the-topic-2');
    await until(isOpen(a, b), 'both open');
    const topic = (auth: unknown): string => String((auth as { topic?: unknown }).topic);
    assert.deepEqual([...auths].sort((x, y) => topic(x).localeCompare(topic(y))), [
      { topic: 'the-topic-1', apiKey: 'k3y-in-auth' },
      { topic: 'the-topic-2', apiKey: 'k3y-in-auth' },
    ]);
    assert.ok(urls.length >= 3, `requests seen: ${urls.join(' ')}`);
    for (const url of urls) {
      assert.match(url, /^\/socket\.io\/\?EIO=4&transport=(websocket|polling)/);
      assert.doesNotMatch(url, /k3y|topic/, url);
    }
  });

  test('delivers between two connections; publish is false until open and takes only strings', limit, async () => {
    const relay = await start();
    const a = open({ url: origin(relay) }, 'room1');
    assert.deepEqual(a.log.states, ['connecting']);
    assert.equal(a.conn.publish('too early'), false);
    assert.throws(() => a.conn.publish(42 as unknown as string), { name: 'TypeError', message: 'secure-meeting: publish() takes a string' });
    const b = open({ url: origin(relay) }, 'room1');
    await until(isOpen(a, b), 'both open');
    assert.deepEqual(a.log.states, ['connecting', 'open']);
    // 'open' means the relay has put us in the room: no wait needed before publishing.
    assert.equal(a.conn.publish('{"v":1,"iv":"x","ct":"y"}'), true);
    await until(() => b.log.messages.length === 1, 'the message');
    assert.deepEqual(b.log.messages, ['{"v":1,"iv":"x","ct":"y"}']);
    assert.deepEqual(a.log.messages, []);
    assert.deepEqual([...a.log.errors, ...b.log.errors], []);
    assert.equal(relay.connections('room1'), 2);
  });

  test('a refused API key is an "unauthorized" error and is not retried', limit, async () => {
    const relay = await start({ apiKeys: ['right'] });
    const seen = attempts(relay);
    const { conn, log } = open({ url: origin(relay), apiKey: 'wrong' });
    await until(() => conn.state === 'closed', 'closed');
    assert.deepEqual(errors(log), [['unauthorized', 'secure-meeting: the Socket.IO relay refused the API key']]);
    assert.deepEqual(log.states, ['connecting', 'closed']);
    await sleep(200); // five times the largest backoff
    assert.equal(seen(), 1);
  });

  test('a full topic is "rejected" and not retried; rate limit and size cap are "rejected" and are', limit, async () => {
    const relay = await start({ maxMembersPerTopic: 1, maxPayload: 100, rateLimit: { messagesPerSecond: 1, burst: 2 } });
    const first = open({ url: origin(relay) }, 'small');
    await until(isOpen(first), 'open');
    const seen = attempts(relay);
    const second = open({ url: origin(relay) }, 'small');
    await until(() => second.conn.state === 'closed', 'second closed');
    assert.deepEqual(errors(second.log), [['rejected', 'secure-meeting: the Socket.IO relay refused the topic: it is full']]);
    await sleep(200);
    assert.equal(seen(), 1);

    for (let i = 0; i < 5; i++) first.conn.publish(`m${i}`);
    await until(() => first.log.errors.length === 1, 'the rate-limit error');
    assert.deepEqual(errors(first.log), [
      ['rejected', 'secure-meeting: the Socket.IO relay disconnected us for sending too fast (rate limit)'],
    ]);
    await until(() => first.log.states.length === 4, 'reopened');
    assert.deepEqual(first.log.states, ['connecting', 'open', 'reconnecting', 'open']);

    // A fresh token bucket after reconnecting; now one message over the cap.
    assert.equal(first.conn.publish('x'.repeat(101)), true);
    await until(() => first.log.states.length === 6, 'reopened again');
    assert.deepEqual(errors(first.log)[1], ['rejected', 'secure-meeting: the Socket.IO relay disconnected us for a message over its size cap']);
    assert.equal(first.log.errors.length, 2);
    assert.deepEqual(first.log.states.slice(4), ['reconnecting', 'open']);
  });

  test('a relay that refuses the topic rule is "rejected"', limit, async () => {
    const relay = await start();
    const { conn, log } = open({ url: origin(relay) }, 'not a/topic');
    await until(() => conn.state === 'closed', 'closed');
    assert.deepEqual(errors(log), [['rejected', 'secure-meeting: the Socket.IO relay refused the topic']]);
  });

  test('nothing answering is "unreachable", reported once while it keeps retrying with backoff', limit, async () => {
    // Accepts TCP and hangs up at once: each attempt is one connection to count.
    let dials = 0;
    const server = createNetServer((socket) => {
      dials++;
      socket.destroy();
    });
    netServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const { conn, log } = open({ url: `http://127.0.0.1:${port}` });
    await until(() => dials >= 4, 'several attempts');
    assert.equal(conn.state, 'connecting');
    assert.equal(conn.publish('nobody'), false);
    assert.deepEqual(log.errors.map((e) => e.code), ['unreachable']);
    assert.match(log.errors[0]?.message ?? '', /^secure-meeting: cannot reach the Socket.IO relay \(.+\)$/);

    conn.close();
    const count = dials;
    await sleep(200);
    assert.equal(dials, count, 'no attempt after close()');
    assert.deepEqual(log.states, ['connecting', 'closed']);
  });

  test('a server-side disconnect is retried: the relay on an app\'s Socket.IO Server closes and comes back', limit, async () => {
    const http = createServer();
    httpServers.push(http);
    const io = new IoServer(http);
    ioServers.push(io);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    const first = await start({ io });
    const a = open({ url }, 'again');
    const b = open({ url }, 'again');
    const once = open({ url, reconnect: false }, 'again');
    await until(isOpen(a, b, once), 'all open');

    // Socket.IO reports 'io server disconnect', after which socket.io-client never reconnects by itself.
    await first.close();
    await until(() => a.conn.state === 'reconnecting' && b.conn.state === 'reconnecting', 'both reconnecting');
    assert.equal(a.conn.publish('into the void'), false);
    await until(() => once.conn.state === 'closed', 'the one without reconnect to close');
    assert.deepEqual(once.log.states, ['connecting', 'open', 'closed']);
    // While no relay serves the namespace the server refuses with "unavailable": still an outage, reported once.
    await sleep(150);
    const second = await start({ io });
    await until(isOpen(a, b), 'both open again');
    await until(() => second.connections('again') === 2, 'both on the new relay');

    assert.equal(a.conn.publish('back'), true);
    await until(() => b.log.messages.length === 1, 'the message');
    assert.deepEqual(b.log.messages, ['back']);
    assert.deepEqual(a.log.states, ['connecting', 'open', 'reconnecting', 'open']);
    for (const log of [a.log, b.log]) {
      assert.ok(log.errors.length <= 1, 'at most one report per outage');
      for (const error of log.errors) {
        assert.equal(error.code, 'unreachable');
        assert.match(error.message, /^secure-meeting: cannot reach the Socket.IO relay \(the relay is not available: relay closed\)$/);
      }
    }
  });

  test("an app's own refusal on the namespace is not retried, and gives the relay's seat back", limit, async () => {
    const http = createServer();
    httpServers.push(http);
    const io = new IoServer(http);
    ioServers.push(io);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    const relay = await start({ io, maxMembersPerTopic: 1 });
    let refuse = true;
    relay.namespace.use((_socket, next) => next(refuse ? new Error('not logged in') : undefined));

    const { conn, log } = open({ url }, 'guarded');
    await until(() => conn.state === 'closed', 'closed');
    assert.deepEqual(errors(log), [['unauthorized', 'secure-meeting: the Socket.IO server refused the connection: not logged in']]);
    refuse = false;
    // The only seat of the topic was reserved for the refused member until its connection closed.
    const later = open({ url }, 'guarded');
    await until(isOpen(later), 'the next member to get the seat');
    assert.equal(relay.connections('guarded'), 1);
  });

  test('path and namespace must match the server; a wrong namespace is refused and not retried', limit, async () => {
    const relay = await start({ path: '/rt/', namespace: '/meet' });
    const a = open({ url: origin(relay), path: '/rt/', namespace: '/meet' }, 'ns');
    const b = open({ url: origin(relay), path: '/rt/', namespace: '/meet' }, 'ns');
    await until(isOpen(a, b), 'both open');
    a.conn.publish('hi');
    await until(() => b.log.messages.length === 1, 'the message');

    const wrong = open({ url: origin(relay), path: '/rt/' }, 'ns');
    await until(() => wrong.conn.state === 'closed', 'closed');
    assert.deepEqual(errors(wrong.log), [['unauthorized', 'secure-meeting: the Socket.IO server refused the connection: Invalid namespace']]);
  });

  test('a relative URL is resolved against location in a browser', limit, async () => {
    const relay = await start();
    Object.defineProperty(globalThis, 'location', { value: { href: `${origin(relay)}/app/page.html` }, configurable: true });
    try {
      const { conn } = open({ url: '/' }, 'relative');
      await until(() => conn.state === 'open', 'open');
      assert.equal(relay.connections('relative'), 1);
    } finally {
      delete (globalThis as { location?: unknown }).location;
    }
  });

  test('close() is idempotent, leaves the topic, and nothing arrives afterwards; also while connecting', limit, async () => {
    const relay = await start();
    const a = open({ url: origin(relay) }, 'leave');
    const b = open({ url: origin(relay) }, 'leave');
    const c = open({ url: origin(relay) }, 'leave');
    await until(() => relay.connections('leave') === 3 && isOpen(a, b, c)(), 'all open');

    a.conn.close();
    a.conn.close();
    assert.equal(a.conn.state, 'closed');
    assert.deepEqual(a.log.states, ['connecting', 'open', 'closed']);
    assert.equal(a.conn.publish('after close'), false);
    await until(() => relay.connections('leave') === 2, 'the server to see A leave');

    b.conn.publish('not for A');
    await until(() => c.log.messages.length === 1, 'C to get the message');
    await sleep(50);
    assert.deepEqual(a.log.messages, []);
    assert.deepEqual(a.log.errors, []);

    const seen = attempts(relay);
    const early = open({ url: origin(relay) }, 'early');
    early.conn.close();
    assert.deepEqual(early.log.states, ['connecting', 'closed']);
    await sleep(100);
    assert.equal(relay.connections('early'), 0);
    assert.ok(seen() <= 1);
  });
});
