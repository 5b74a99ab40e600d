import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, describe, test } from 'node:test';
import { WebSocket, type ClientOptions } from 'ws';
import { createRelayServer, type RelayServer, type RelayServerOptions } from '../../adapters/websocket/server.js';
import { until } from '../support/wait.js';
import { dial, dialled, handshake, join, nextMessage, silentUpgrade } from './relay-clients.js';

/** Hooks start and stop relays and brokers; with no global timeout, this turns a hang into a failure. */
const hookLimit = { timeout: 30_000 };

const relays: RelayServer[] = [];
const httpServers: Server[] = [];

after(async () => {
  for (const ws of dialled) ws.terminate();
  await Promise.all(relays.map((relay) => relay.close()));
  await Promise.all(httpServers.map((server) => new Promise((resolve) => server.close(resolve))));
}, hookLimit);

/** These tests name their topics for the reader: 'any' lets them; the default rule has tests of its own (relay-limits). */
async function start(options: RelayServerOptions = {}): Promise<RelayServer> {
  const relay = createRelayServer({ topics: 'any', ...options });
  relays.push(relay);
  await relay.ready;
  return relay;
}

function url(relay: RelayServer, topic: string, query = ''): string {
  return `ws://127.0.0.1:${relay.address().port}/relay/${topic}${query}`;
}

function collect(ws: WebSocket): string[] {
  const seen: string[] = [];
  ws.on('message', (data) => seen.push(String(data)));
  return seen;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A broken relay shows up as a hang; this turns it into a failure. */
const limit = { timeout: 10_000 };

describe('relay server', () => {
  test('a frame reaches the other members of its topic only', limit, async () => {
    const relay = await start();
    const a = await join(url(relay, 'topic1'));
    const b = await join(url(relay, 'topic1'));
    const c = await join(url(relay, 'topic2'));
    assert.equal(relay.connections('topic1'), 2);
    assert.equal(relay.connections('topic2'), 1);
    assert.equal(relay.connections(), 3);

    const firstA = nextMessage(a);
    const firstB = nextMessage(b);
    const firstC = nextMessage(c);
    a.send('hello from A');
    assert.equal(String((await firstB).data), 'hello from A');

    // Had A or C been sent A's frame, it would arrive before these later frames.
    b.send('reply from B');
    assert.equal(String((await firstA).data), 'reply from B');
    const d = await join(url(relay, 'topic2'));
    d.send('hello from D');
    assert.equal(String((await firstC).data), 'hello from D');
  });

  test('text stays text and binary stays binary', limit, async () => {
    const relay = await start();
    const a = await join(url(relay, 'kinds'));
    const b = await join(url(relay, 'kinds'));

    let next = nextMessage(b);
    a.send(Buffer.from([0, 1, 2, 255]));
    let got = await next;
    assert.equal(got.isBinary, true);
    assert.deepEqual([...got.data], [0, 1, 2, 255]);

    next = nextMessage(b);
    a.send('{"v":1}');
    got = await next;
    assert.equal(got.isBinary, false);
    assert.equal(String(got.data), '{"v":1}');
  });

  test('a missing or wrong API key is closed with 4001 and a clear reason; a listed key works', limit, async () => {
    const relay = await start({ apiKeys: ['s3cret', 'other key'] });
    const refusal = { code: 4001, reason: 'secure-meeting: invalid API key' };

    const missing = dial(url(relay, 'keys'));
    assert.deepEqual(await missing.closed, refusal);
    const wrong = dial(url(relay, 'keys', '?apiKey=s3cre'));
    assert.deepEqual(await wrong.closed, refusal);
    assert.equal(relay.connections('keys'), 0);

    const a = await join(url(relay, 'keys', '?apiKey=s3cret'));
    const b = await join(url(relay, 'keys', '?apiKey=other%20key'));
    assert.equal(relay.connections('keys'), 2);
    const next = nextMessage(b);
    a.send('allowed');
    assert.equal(String((await next).data), 'allowed');
  });

  test('topics outside [A-Za-z0-9_-]{1,128} are closed with 4000', limit, async () => {
    const relay = await start();
    for (const topic of ['', 'bad%20topic', 'a/b', 'x'.repeat(129)]) {
      const { closed } = dial(url(relay, topic));
      assert.deepEqual(await closed, { code: 4000, reason: 'bad topic' }, `topic "${topic}"`);
    }
    await join(url(relay, 'A-z_9'.padEnd(128, 'x')));
    assert.equal(relay.connections(), 1);
  });

  test('a frame over maxPayload closes the sender with 1009', limit, async () => {
    const relay = await start({ maxPayload: 1024 });
    const sender = dial(url(relay, 'cap'));
    await sender.opened;
    const b = await join(url(relay, 'cap'));

    const next = nextMessage(b);
    sender.ws.send('x'.repeat(1024));
    assert.equal((await next).data.length, 1024);
    sender.ws.send('x'.repeat(1025));
    assert.equal((await sender.closed).code, 1009);
  });

  test('a sender over the rate limit is closed with 4008 after its burst', limit, async () => {
    const relay = await start({ rateLimit: { messagesPerSecond: 1, burst: 5 } });
    const flooder = dial(url(relay, 'rate'));
    await flooder.opened;
    const b = await join(url(relay, 'rate'));
    const seen = collect(b);

    for (let i = 0; i < 12; i++) flooder.ws.send(`m${i}`);
    assert.deepEqual(await flooder.closed, { code: 4008, reason: 'rate limit' });

    const other = await join(url(relay, 'rate'));
    other.send('sentinel');
    await until(() => seen.includes('sentinel'), 'the sentinel');
    assert.deepEqual(seen, ['m0', 'm1', 'm2', 'm3', 'm4', 'sentinel']);
  });

  test('a socket that stops answering pings is terminated; a live one stays', limit, async () => {
    const relay = await start({ heartbeatMs: 100 });
    const live = await join(url(relay, 'hb'));
    const dead = dial(url(relay, 'hb'), { autoPong: false });
    await dead.opened;
    assert.equal(relay.connections('hb'), 2);

    // Reaped on the second tick (~200 ms); the bound is loose so a busy machine does not fail it.
    const { code } = await within(dead.closed, 3000, 'the silent socket to be terminated');
    assert.equal(code, 1006);
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal(live.readyState, WebSocket.OPEN);
    assert.equal(relay.connections('hb'), 1);
  });

  test('one member over maxMembersPerTopic is closed with 4003', limit, async () => {
    const relay = await start({ maxMembersPerTopic: 2 });
    const a = await join(url(relay, 'full'));
    await join(url(relay, 'full'));
    const third = dial(url(relay, 'full'));
    assert.deepEqual(await third.closed, { code: 4003, reason: 'topic full' });

    await join(url(relay, 'elsewhere'));
    a.close();
    await until(() => relay.connections('full') === 1, 'a seat to free up');
    await join(url(relay, 'full'));
    assert.equal(relay.connections('full'), 2);
  });

  test('attaches to an existing http.Server and leaves it running on close', limit, async () => {
    const http = createServer((_req, res) => res.end('plain http'));
    httpServers.push(http);
    const relay = createRelayServer({ server: http, path: '/ws', topics: 'any' });
    relays.push(relay);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    await relay.ready;
    const { port } = relay.address();

    const a = await join(`ws://127.0.0.1:${port}/ws/room`);
    const b = await join(`ws://127.0.0.1:${port}/ws/room`);
    const next = nextMessage(b);
    a.send('through the shared server');
    assert.equal(String((await next).data), 'through the shared server');
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'plain http');

    const gone = once(a, 'close');
    await relay.close();
    await gone;
    assert.equal(relay.connections(), 0);
    assert.equal(http.listening, true);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/page`)).text(), 'plain http');
  });

  test('close() terminates every client and is idempotent', limit, async () => {
    const relay = await start();
    const a = dial(url(relay, 'bye'));
    await a.opened;
    await Promise.all([relay.close(), relay.close()]);
    assert.equal((await a.closed).code, 1006);
    assert.equal(relay.connections(), 0);
  });

  test('bad options throw a TypeError at once', limit, () => {
    const cases: Array<[RelayServerOptions, string]> = [
      [{ server: createServer(), port: 1 }, 'createRelayServer: give either server or port, not both'],
      [{ path: 'relay/' }, 'createRelayServer: path must start with "/"'],
      [{ apiKeys: [] }, 'createRelayServer: apiKeys must be a non-empty array of non-empty strings'],
      [{ maxPayload: 0 }, 'createRelayServer: maxPayload must be an integer >= 1'],
      [{ heartbeatMs: -1 }, 'createRelayServer: heartbeatMs must be an integer >= 0'],
      [{ rateLimit: { burst: 0.5 } }, 'createRelayServer: rateLimit.burst must be an integer >= 1'],
      // Checked alike by both relays (adapters/server-common.ts).
      [{ host: '' }, 'createRelayServer: host must be a non-empty string'],
      [{ rateLimit: 5 as unknown as false }, 'createRelayServer: rateLimit must be false or { messagesPerSecond, burst }'],
      [{ maxMembersPerTopic: 1.5 }, 'createRelayServer: maxMembersPerTopic must be an integer >= 1'],
      [{ port: -1 }, 'createRelayServer: port must be an integer >= 0'],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => createRelayServer(options), { name: 'TypeError', message: 'secure-meeting: ' + message });
    }
  });
});

describe('relay server: counters and draining', () => {
  test('stats() counts members, topics, and frames and bytes in and out', limit, async () => {
    const relay = await start();
    const a = await join(url(relay, 'counted'));
    const b = await join(url(relay, 'counted'));
    const c = await join(url(relay, 'counted'));
    await join(url(relay, 'elsewhere'));
    const [toB, toC] = [nextMessage(b), nextMessage(c)];
    a.send('12345');
    await Promise.all([toB, toC]);
    b.send(Buffer.from([1, 2, 3]));
    await until(() => relay.stats().frames.out === 4, 'the second frame to be relayed');
    const stats = relay.stats();
    assert.equal(stats.members, 4);
    assert.equal(stats.topics, 2);
    assert.deepEqual(stats.frames, { in: 2, out: 4 });
    assert.deepEqual(stats.bytes, { in: 8, out: 16 });
  });

  test('drain() closes members with 1012, answers new ones 503, then closes', limit, async () => {
    const relay = await start();
    const port = relay.address().port;
    const a = dial(url(relay, 'draining'));
    await a.opened;
    // A member that does not answer the close is cut after the grace period.
    await silentUpgrade(port, '/relay/draining');
    await until(() => relay.stats().members === 2, 'the silent member to be upgraded');
    const drained = relay.drain(1_500);
    assert.deepEqual(await a.closed, { code: 1012, reason: 'relay restarting' });
    const late = await handshake(`ws://127.0.0.1:${port}/relay/draining`);
    assert.equal(late.outcome, 503);
    assert.equal(relay.stats().sockets, 1, 'the silent member is given its grace period');
    await drained;
    await until(() => relay.stats().sockets === 0, 'the silent member to be cut');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), 'the port is closed after draining');
  });
});
