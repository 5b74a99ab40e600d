import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { SecureMeetingError } from '../../core/errors.js';
import type { RelayConnection, RelayHandlers, RelayState } from '../../core/relay.js';
import { websocketRelay, type WebSocketConstructor, type WebSocketRelayOptions } from '../../adapters/websocket/index.js';
import { createRelayServer, type RelayServer, type RelayServerOptions } from '../../adapters/websocket/server.js';
import { freePort, sleep, until } from '../support/wait.js';

/** Hooks start and stop relays and brokers; with no global timeout, this turns a hang into a failure. */
const hookLimit = { timeout: 30_000 };

const relays: RelayServer[] = [];
const connections: RelayConnection[] = [];
const rawSockets: WebSocket[] = [];

after(async () => {
  for (const connection of connections) connection.close();
  for (const ws of rawSockets) ws.terminate();
  await Promise.all(relays.map((relay) => relay.close()));
}, hookLimit);

async function start(options: RelayServerOptions = {}): Promise<RelayServer> {
  // The clients under test use short readable topics; the relay takes only blinded ones unless told.
  const relay = createRelayServer({ topics: 'any', ...options });
  relays.push(relay);
  await relay.ready;
  return relay;
}

const template = (relay: RelayServer, rest = '/relay/[TOPIC]'): string =>
  `ws://127.0.0.1:${relay.address().port}${rest}`;

/** The `ws` constructor, recording every URL it is asked to dial. */
function countingWebSocket(): { Ctor: WebSocketConstructor; urls: string[] } {
  const urls: string[] = [];
  class Counted extends WebSocket {
    constructor(address: string, protocols?: string[]) {
      super(address, protocols);
      urls.push(address);
    }
  }
  return { Ctor: Counted, urls };
}

const fast = { initialDelayMs: 10, maxDelayMs: 40 };

interface Log {
  states: RelayState[];
  messages: string[];
  errors: SecureMeetingError[];
}

function open(options: WebSocketRelayOptions, topic = 'topic', channel = '1'): { conn: RelayConnection; log: Log } {
  const log: Log = { states: [], messages: [], errors: [] };
  const handlers: RelayHandlers = {
    message: (data) => log.messages.push(data),
    state: (state) => log.states.push(state),
    error: (error) => log.errors.push(error),
  };
  const conn = websocketRelay({ WebSocket, reconnect: fast, ...options }).connect({ topic, channel }, handlers);
  connections.push(conn);
  return { conn, log };
}

/** A broken relay shows up as a hang; this turns it into a failure. */
const limit = { timeout: 10_000 };

describe('websocket relay client', () => {
  test('fills [TOPIC], [CHANNEL_ID] and [API_KEY], URI-encoded', limit, async () => {
    const relay = await start({ apiKeys: ['k y&$1'] });
    const { Ctor, urls } = countingWebSocket();
    const url = template(relay, '/relay/[TOPIC]?apiKey=[API_KEY]&ch=[CHANNEL_ID]');
    const { conn } = open({ url, apiKey: 'k y&$1', WebSocket: Ctor }, 'abc123', '42 x');
    await until(() => conn.state === 'open', 'open');
    assert.deepEqual(urls, [`ws://127.0.0.1:${relay.address().port}/relay/abc123?apiKey=k%20y%26%241&ch=42%20x`]);
    assert.equal(relay.connections('abc123'), 1);

    // http:// is mapped to ws://, and the plain channel can be the room name.
    const byChannel = open({ url: template(relay, '/relay/ch-[CHANNEL_ID]?apiKey=[API_KEY]').replace('ws:', 'http:'), apiKey: 'k y&$1' }, 'ignored', '7');
    await until(() => byChannel.conn.state === 'open', 'open');
    assert.equal(relay.connections('ch-7'), 1);
  });

  test('a relative URL is resolved against location in a browser', limit, () => {
    const urls: string[] = [];
    class Fake {
      readyState = 0;
      binaryType = 'blob';
      protocol = '';
      constructor(url: string) {
        urls.push(url);
      }
      send(): void {}
      close(): void {}
      addEventListener(): void {}
      removeEventListener(): void {}
    }
    Object.defineProperty(globalThis, 'location', { value: { href: 'https://meet.example.org/app/' }, configurable: true });
    try {
      const { conn } = open({ url: '/relay/[TOPIC]', WebSocket: Fake }, 'f00d');
      assert.deepEqual(urls, ['wss://meet.example.org/relay/f00d']);
      conn.close();
    } finally {
      delete (globalThis as { location?: unknown }).location;
    }
  });

  test('bad options throw a TypeError with an exact message', limit, () => {
    const cases: Array<[unknown, string]> = [
      [{ url: '' }, 'websocketRelay: url must be a non-empty string'],
      [{ url: 'wss://relay.example/[API_KEY]/[TOPIC]' }, 'websocketRelay: url uses [API_KEY] but no apiKey was given'],
      [{ url: 'ftp://relay.example/[TOPIC]' }, 'websocketRelay: url must be a ws://, wss://, http:// or https:// URL (relative URLs only in a browser)'],
      [{ url: '/relay/[TOPIC]' }, 'websocketRelay: url must be a ws://, wss://, http:// or https:// URL (relative URLs only in a browser)'],
      [{ url: 'wss://r.example/[TOPIC]', apiKey: 7 }, 'websocketRelay: apiKey must be a string'],
      [{ url: 'wss://r.example/[TOPIC]', WebSocket: 42 }, 'websocketRelay: WebSocket must be a WebSocket constructor'],
      [
        { url: 'wss://r.example/[TOPIC]', WebSocket, reconnect: { initialDelayMs: 0 } },
        'websocketRelay: reconnect must be false or { initialDelayMs, maxDelayMs } with 0 < initialDelayMs <= maxDelayMs',
      ],
      [
        { url: 'wss://r.example/[TOPIC]', WebSocket, reconnect: { initialDelayMs: 1000, maxDelayMs: 10 } },
        'websocketRelay: reconnect must be false or { initialDelayMs, maxDelayMs } with 0 < initialDelayMs <= maxDelayMs',
      ],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => websocketRelay(options as WebSocketRelayOptions), {
        name: 'TypeError',
        message: 'secure-meeting: ' + message,
      });
    }
    const adapter = websocketRelay({ url: 'wss://r.example/[TOPIC]', WebSocket });
    assert.equal(adapter.kind, 'websocket');
    const noop = { message() {}, state() {}, error() {} };
    assert.throws(() => adapter.connect({ topic: '', channel: '1' }, noop), {
      name: 'TypeError',
      message: 'secure-meeting: websocketRelay: connect() needs a non-empty topic',
    });
  });

  test('without a WebSocket implementation it throws "unsupported"', limit, () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    Object.defineProperty(globalThis, 'WebSocket', { value: undefined, configurable: true, writable: true });
    try {
      assert.throws(
        () => websocketRelay({ url: 'wss://r.example/[TOPIC]' }),
        (error) => error instanceof SecureMeetingError && error.code === 'unsupported',
      );
    } finally {
      if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
      else delete (globalThis as { WebSocket?: unknown }).WebSocket;
    }
  });

  test('delivers between two connections; publish is false until open', limit, async () => {
    const relay = await start();
    const a = open({ url: template(relay) }, 'room1');
    assert.equal(a.conn.publish('too early'), false);
    const b = open({ url: template(relay) }, 'room1');
    await until(() => a.conn.state === 'open' && b.conn.state === 'open', 'both open');
    assert.deepEqual(a.log.states, ['connecting', 'open']);

    assert.equal(a.conn.publish('{"v":1,"iv":"x","ct":"y"}'), true);
    await until(() => b.log.messages.length === 1, 'the message');
    assert.deepEqual(b.log.messages, ['{"v":1,"iv":"x","ct":"y"}']);
    assert.deepEqual(a.log.messages, []);
    assert.deepEqual([...a.log.errors, ...b.log.errors], []);
  });

  test('binary frames from a generic relay arrive as UTF-8 text', limit, async () => {
    const relay = await start();
    const { conn, log } = open({ url: template(relay) }, 'bin');
    await until(() => conn.state === 'open', 'open');
    const raw = new WebSocket(`ws://127.0.0.1:${relay.address().port}/relay/bin`);
    rawSockets.push(raw);
    await new Promise((resolve) => raw.once('open', resolve));

    raw.send(Buffer.from('héllo ✓', 'utf8'), { binary: true });
    raw.send('plain text');
    await until(() => log.messages.length === 2, 'two messages');
    assert.deepEqual(log.messages, ['héllo ✓', 'plain text']);
  });

  test('a refused API key is an "unauthorized" error and is not retried', limit, async () => {
    const relay = await start({ apiKeys: ['right'] });
    const { Ctor, urls } = countingWebSocket();
    const { conn, log } = open({ url: template(relay, '/relay/[TOPIC]?apiKey=[API_KEY]'), apiKey: 'wrong', WebSocket: Ctor });
    await until(() => conn.state === 'closed', 'closed');
    assert.equal(log.errors.length, 1);
    assert.equal(log.errors[0]?.code, 'unauthorized');
    assert.equal(log.errors[0]?.message, 'secure-meeting: relay refused access (close 4001): invalid API key');
    await sleep(200); // five times the largest backoff
    assert.equal(urls.length, 1);
    assert.equal(log.states.at(-1), 'closed');
  });

  test('a full topic is "rejected" and is not retried; a rate limit is "rejected" and is', limit, async () => {
    const relay = await start({ maxMembersPerTopic: 1, rateLimit: { messagesPerSecond: 1, burst: 2 } });
    const first = open({ url: template(relay) }, 'small');
    await until(() => first.conn.state === 'open', 'open');
    const second = open({ url: template(relay) }, 'small');
    await until(() => second.conn.state === 'closed', 'second closed');
    assert.deepEqual(second.log.errors.map((e) => [e.code, e.message]), [
      ['rejected', 'secure-meeting: relay refused the topic (close 4003): topic full'],
    ]);

    for (let i = 0; i < 5; i++) first.conn.publish(`m${i}`);
    await until(() => first.log.errors.length === 1, 'the rate-limit error');
    assert.equal(first.log.errors[0]?.message, 'secure-meeting: relay closed the connection (close 4008): rate limit');
    await until(() => first.log.states.at(-1) === 'open' && first.log.states.length === 4, 'reopened');
    assert.deepEqual(first.log.states, ['connecting', 'open', 'reconnecting', 'open']);
  });

  test('nothing listening is "unreachable", reported once while it keeps retrying', limit, async () => {
    const port = await freePort();
    const { Ctor, urls } = countingWebSocket();
    const { conn, log } = open({ url: `ws://127.0.0.1:${port}/relay/[TOPIC]`, WebSocket: Ctor });
    await until(() => urls.length >= 4, 'several attempts');
    assert.equal(conn.state, 'connecting');
    assert.deepEqual(log.errors.map((e) => e.code), ['unreachable']);
    assert.match(log.errors[0]?.message ?? '', /^secure-meeting: cannot reach the relay \(close 1006\)/);

    conn.close();
    const attempts = urls.length;
    await sleep(200);
    assert.equal(urls.length, attempts, 'no attempt after close()');
    assert.deepEqual(log.states, ['connecting', 'closed']);
  });

  test('reconnects when the relay comes back on the same port, and messages flow again', limit, async () => {
    const first = await start();
    const { port } = first.address();
    const a = open({ url: template(first) }, 'again');
    const b = open({ url: template(first) }, 'again');
    await until(() => a.conn.state === 'open' && b.conn.state === 'open', 'both open');

    await first.close();
    await until(() => a.conn.state === 'reconnecting' && b.conn.state === 'reconnecting', 'both reconnecting');
    assert.equal(a.conn.publish('into the void'), false);
    await sleep(100);
    const second = await start({ port });
    await until(() => a.conn.state === 'open' && b.conn.state === 'open', 'both open again');
    await until(() => second.connections('again') === 2, 'both on the new relay');

    assert.equal(a.conn.publish('back'), true);
    await until(() => b.log.messages.length === 1, 'the message');
    assert.deepEqual(b.log.messages, ['back']);
    assert.deepEqual(a.log.states, ['connecting', 'open', 'reconnecting', 'open']);
    for (const error of [...a.log.errors, ...b.log.errors]) assert.equal(error.code, 'unreachable');
    assert.ok(a.log.errors.length <= 1 && b.log.errors.length <= 1, 'at most one report per outage');
  });

  test('close() is idempotent, leaves the topic, and nothing arrives afterwards', limit, async () => {
    const relay = await start();
    const a = open({ url: template(relay) }, 'leave');
    const b = open({ url: template(relay) }, 'leave');
    const c = open({ url: template(relay) }, 'leave');
    await until(() => relay.connections('leave') === 3 && [a, b, c].every((x) => x.conn.state === 'open'), 'all open');

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
  });

  test('close() while connecting or reconnecting leaves no socket and no timer', limit, async () => {
    const relay = await start();
    const connecting = open({ url: template(relay) }, 'early');
    connecting.conn.close();
    assert.deepEqual(connecting.log.states, ['connecting', 'closed']);

    const port = await freePort();
    const { Ctor, urls } = countingWebSocket();
    const retrying = open({ url: `ws://127.0.0.1:${port}/relay/[TOPIC]`, WebSocket: Ctor, reconnect: { initialDelayMs: 50, maxDelayMs: 50 } });
    await until(() => retrying.log.errors.length === 1, 'the first failure');
    retrying.conn.close();
    const attempts = urls.length;
    await sleep(200);
    assert.equal(urls.length, attempts);
    assert.equal(relay.connections('early'), 0);
    assert.deepEqual(connecting.log.errors, []);
    assert.deepEqual(retrying.log.states, ['connecting', 'closed']);
  });
});
