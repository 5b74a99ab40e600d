import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server as IoServer, type Namespace } from 'socket.io';
import type { Adapter } from 'socket.io-adapter';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import {
  createSocketIoRelay,
  KICK_EVENT,
  type SocketIoRelay,
  type SocketIoRelayServerOptions,
} from '../../adapters/socketio/server.js';
import { startRedis, type RedisProcess } from '../support/redis.js';
import { sleep, until } from '../support/wait.js';

/** Hooks start and stop relays and brokers; with no global timeout, this turns a hang into a failure. */
const hookLimit = { timeout: 30_000 };

const relays: SocketIoRelay[] = [];
const clients: ClientSocket[] = [];
const httpServers: HttpServer[] = [];
const ioServers: IoServer[] = [];

after(async () => {
  for (const socket of clients) socket.disconnect();
  await Promise.all(relays.map((relay) => relay.close()));
  await Promise.all(ioServers.map((io) => io.close()));
  for (const http of httpServers) http.closeAllConnections();
  await Promise.all(httpServers.map((http) => new Promise((resolve) => http.close(resolve))));
}, hookLimit);

/** These tests name their topics for the reader: 'any' lets them; the default rule has tests of its own (relay-limits). */
async function start(options: SocketIoRelayServerOptions = {}): Promise<SocketIoRelay> {
  const relay = createSocketIoRelay({ topics: 'any', ...options });
  relays.push(relay);
  await relay.ready;
  return relay;
}

interface Refusal {
  message: string;
  data: unknown;
}

/** A bare socket.io-client socket (no adapter logic in the way), recording what it sees from the start. */
interface Client {
  readonly socket: ClientSocket;
  /** Resolves with null once connected, or with the refusal the server sent. */
  readonly outcome: Promise<Refusal | null>;
  readonly messages: string[];
  readonly kicks: unknown[];
  readonly disconnects: string[];
}

function dial(port: number, auth: Record<string, unknown>, namespace = '/secure-meeting', path = '/socket.io/'): Client {
  const socket = connectClient(`http://127.0.0.1:${port}${namespace}`, {
    path,
    auth,
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  clients.push(socket);
  const client: Client = { socket, outcome: undefined as unknown as Promise<Refusal | null>, messages: [], kicks: [], disconnects: [] };
  (client as { outcome: Promise<Refusal | null> }).outcome = new Promise((resolve) => {
    socket.once('connect', () => resolve(null));
    socket.once('connect_error', (error: Error & { data?: unknown }) => resolve({ message: error.message, data: error.data }));
  });
  socket.on('message', (data: string) => client.messages.push(data));
  socket.on(KICK_EVENT, (info: unknown) => client.kicks.push(info));
  socket.on('disconnect', (reason) => client.disconnects.push(reason));
  return client;
}

async function join(port: number, topic: string, extra: Record<string, unknown> = {}): Promise<Client> {
  const client = dial(port, { topic, ...extra });
  assert.equal(await client.outcome, null, `joining ${topic}`);
  return client;
}

const refused = (message: string, code: string): Refusal => ({ message, data: { code } });

/** A broken relay shows up as a hang; this turns it into a failure. */
const limit = { timeout: 10_000 };

describe('Socket.IO relay server', () => {
  test('a message reaches the other members of its topic only', limit, async () => {
    const relay = await start();
    const { port } = relay.address();
    const a = await join(port, 'topic1');
    const b = await join(port, 'topic1');
    const c = await join(port, 'topic2');
    assert.equal(relay.connections('topic1'), 2);
    assert.equal(relay.connections('topic2'), 1);
    assert.equal(relay.connections(), 3);

    a.socket.send('hello from A');
    await until(() => b.messages.length === 1, 'B to get it');
    // Had A or C been sent A's message, it would arrive before these later ones.
    b.socket.send('reply from B');
    const d = await join(port, 'topic2');
    d.socket.send('hello from D');
    await until(() => a.messages.length === 1 && c.messages.length === 1, 'A and C to get theirs');
    assert.deepEqual(a.messages, ['reply from B']);
    assert.deepEqual(b.messages, ['hello from A']);
    assert.deepEqual(c.messages, ['hello from D']);
    assert.deepEqual(d.messages, []);
  });

  test("a topic that is another member's socket id does not reach that member", limit, async () => {
    const relay = await start();
    const { port } = relay.address();
    const victim = await join(port, 'somewhere');
    const id = victim.socket.id;
    assert.ok(id !== undefined && /^[A-Za-z0-9_-]{1,128}$/.test(id), `a socket id that passes the topic rule: ${id}`);
    const intruder = await join(port, id);
    intruder.socket.send('into your private room?');
    const peer = await join(port, 'somewhere');
    peer.socket.send('sentinel');
    await until(() => victim.messages.length >= 1, 'the sentinel');
    await sleep(50);
    assert.deepEqual(victim.messages, ['sentinel']);
  });

  test('a missing or wrong API key is refused with a clear reason; a listed key works', limit, async () => {
    const relay = await start({ apiKeys: ['s3cret', 'other key'] });
    const { port } = relay.address();
    const refusal = refused('invalid API key', 'unauthorized');

    assert.deepEqual(await dial(port, { topic: 'keys' }).outcome, refusal);
    assert.deepEqual(await dial(port, { topic: 'keys', apiKey: 's3cre' }).outcome, refusal);
    assert.deepEqual(await dial(port, { topic: 'keys', apiKey: ['s3cret'] }).outcome, refusal);
    assert.equal(relay.connections('keys'), 0);

    const a = await join(port, 'keys', { apiKey: 's3cret' });
    const b = await join(port, 'keys', { apiKey: 'other key' });
    assert.equal(relay.connections('keys'), 2);
    a.socket.send('allowed');
    await until(() => b.messages.length === 1, 'the message');
    assert.deepEqual(b.messages, ['allowed']);
  });

  test('topics outside [A-Za-z0-9_-]{1,128} are refused', limit, async () => {
    const relay = await start();
    const { port } = relay.address();
    for (const topic of ['', 'bad topic', 'a/b', 'x'.repeat(129), 42, undefined]) {
      assert.deepEqual(await dial(port, { topic }).outcome, refused('bad topic', 'bad-topic'), `topic ${String(topic)}`);
    }
    await join(port, 'A-z_9'.padEnd(128, 'x'));
    assert.equal(relay.connections(), 1);
  });

  test('a message over maxPayload UTF-8 bytes disconnects its sender; non-strings are dropped', limit, async () => {
    const relay = await start({ maxPayload: 1024 });
    const { port } = relay.address();
    const sender = await join(port, 'cap');
    const b = await join(port, 'cap');

    sender.socket.emit('message', 42);
    sender.socket.emit('message', { data: 'x' });
    sender.socket.emit('message', Buffer.from('binary'));
    sender.socket.emit('other event', 'not a message');
    sender.socket.send('x'.repeat(1024));
    await until(() => b.messages.length === 1, 'the message at the cap');
    assert.equal(b.messages[0]?.length, 1024);

    // 342 characters, 1026 bytes: the cap counts bytes.
    sender.socket.send('€'.repeat(342));
    await until(() => sender.disconnects.length === 1, 'the sender to be dropped');
    assert.deepEqual(sender.kicks, [{ code: 'too-big', message: 'message too big' }]);
    assert.deepEqual(sender.disconnects, ['io server disconnect']);
    await until(() => relay.connections('cap') === 1, 'the relay to let it go');
    await sleep(50);
    assert.deepEqual(b.messages.length, 1);
  });

  test('a sender over the rate limit is disconnected after its burst', limit, async () => {
    const relay = await start({ rateLimit: { messagesPerSecond: 1, burst: 5 } });
    const { port } = relay.address();
    const flooder = await join(port, 'rate');
    const b = await join(port, 'rate');

    for (let i = 0; i < 12; i++) flooder.socket.send(`m${i}`);
    await until(() => flooder.disconnects.length === 1, 'the flooder to be dropped');
    assert.deepEqual(flooder.kicks, [{ code: 'rate-limit', message: 'rate limit' }]);
    assert.deepEqual(flooder.disconnects, ['io server disconnect']);

    const other = await join(port, 'rate');
    other.socket.send('sentinel');
    await until(() => b.messages.includes('sentinel'), 'the sentinel');
    assert.deepEqual(b.messages, ['m0', 'm1', 'm2', 'm3', 'm4', 'sentinel']);
  });

  test('one member over maxMembersPerTopic is refused, also when many join at once', limit, async () => {
    const relay = await start({ maxMembersPerTopic: 2 });
    const { port } = relay.address();
    const a = await join(port, 'full');
    await join(port, 'full');
    assert.deepEqual(await dial(port, { topic: 'full' }).outcome, refused('topic full', 'topic-full'));

    await join(port, 'elsewhere');
    a.socket.disconnect();
    await until(() => relay.connections('full') === 1, 'a seat to free up');
    await join(port, 'full');
    assert.equal(relay.connections('full'), 2);

    const rush = await Promise.all(Array.from({ length: 6 }, () => dial(port, { topic: 'rush' }).outcome));
    assert.equal(rush.filter((outcome) => outcome === null).length, 2, JSON.stringify(rush));
    assert.equal(relay.connections('rush'), 2);
  });

  test('joins that arrive while a slow cluster adapter counts the members do not overfill a topic', limit, async () => {
    // The in-memory adapter, with fetchSockets() as slow as a busy Redis whose answers come in
    // one batch: every join of the rush is still counting when the others arrive.
    const InMemory = new IoServer().of('/').adapter.constructor as typeof Adapter;
    let batch: Promise<void> | undefined;
    class SlowAdapter extends InMemory {
      override async fetchSockets(opts: Parameters<Adapter['fetchSockets']>[0]): ReturnType<Adapter['fetchSockets']> {
        batch ??= sleep(150).then(() => {
          batch = undefined;
        });
        await batch;
        return super.fetchSockets(opts);
      }
    }
    const relay = await start({ maxMembersPerTopic: 2, adapter: SlowAdapter });
    const { port } = relay.address();
    const rush = await Promise.all(Array.from({ length: 6 }, () => dial(port, { topic: 'rush' }).outcome));
    assert.equal(rush.filter((outcome) => outcome === null).length, 2, JSON.stringify(rush));
    assert.equal(relay.connections('rush'), 2);
  });

  test('attaches to an existing http.Server, and close() detaches and leaves it running', limit, async () => {
    const http = createServer((_req, res) => res.end('plain http'));
    httpServers.push(http);
    const upgradeListeners = http.listeners('upgrade').length;
    const relay = createSocketIoRelay({ server: http, topics: 'any' });
    relays.push(relay);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    await relay.ready;
    const { port } = relay.address();

    const a = await join(port, 'room');
    const b = await join(port, 'room');
    a.socket.send('through the shared server');
    await until(() => b.messages.length === 1, 'the message');
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'plain http');

    await Promise.all([relay.close(), relay.close()]);
    await until(() => a.disconnects.length === 1 && b.disconnects.length === 1, 'the members to be disconnected');
    assert.equal(relay.connections(), 0);
    assert.equal(http.listening, true);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/page`)).text(), 'plain http');
    // Engine.IO no longer answers under /socket.io/: the app's handler does.
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`)).text(), 'plain http');
    assert.equal(http.listeners('upgrade').length, upgradeListeners);
    assert.equal(http.listeners('request').length, 1);
  });

  test("attaches to an existing Socket.IO Server's namespace; the app's own namespaces keep working", limit, async () => {
    const http = createServer();
    httpServers.push(http);
    const io = new IoServer(http);
    ioServers.push(io);
    io.on('connection', (socket) => socket.on('ping', (reply: (answer: string) => void) => reply('pong')));
    io.of('/chat').on('connection', (socket) => socket.on('say', (text: string) => socket.broadcast.emit('said', text)));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as { port: number };

    const relay = await start({ io });
    assert.equal(relay.io, io);
    assert.deepEqual(relay.address(), http.address());
    assert.throws(() => createSocketIoRelay({ io }), {
      name: 'TypeError',
      message: 'secure-meeting: createSocketIoRelay: a relay already serves namespace "/secure-meeting" of this Socket.IO Server',
    });
    const app = dial(port, {}, '/');
    const chatter = dial(port, {}, '/chat');
    const listener = dial(port, {}, '/chat');
    const said: string[] = [];
    listener.socket.on('said', (text: string) => said.push(text));
    assert.deepEqual(await Promise.all([app.outcome, chatter.outcome, listener.outcome]), [null, null, null]);
    const a = await join(port, 'mixed');
    const b = await join(port, 'mixed');
    a.socket.send('relayed');
    chatter.socket.emit('say', 'chatted');
    await until(() => b.messages.length === 1 && said.length === 1, 'both kinds of traffic');
    assert.deepEqual(app.messages, []);
    assert.deepEqual(said, ['chatted']);

    await relay.close();
    await until(() => a.disconnects.length === 1 && b.disconnects.length === 1, 'the members to be disconnected');
    assert.deepEqual(a.disconnects, ['io server disconnect']);
    assert.equal(await app.socket.timeout(2000).emitWithAck('ping'), 'pong');
    chatter.socket.emit('say', 'still here');
    await until(() => said.length === 2, 'chat after the relay closed');
    assert.deepEqual([app, chatter, listener].map((c) => c.disconnects), [[], [], []]);
    assert.deepEqual(await dial(port, { topic: 'mixed' }).outcome, refused('relay closed', 'unavailable'));

    // The namespace can be served again.
    const again = await start({ io });
    const c = await join(port, 'mixed');
    const d = await join(port, 'mixed');
    c.socket.send('second relay');
    await until(() => d.messages.length === 1, 'the message through the second relay');
    assert.equal(again.connections('mixed'), 2);
  });

  test('path and namespace options', limit, async () => {
    const relay = await start({ path: '/rt/', namespace: '/meet' });
    const { port } = relay.address();
    const a = dial(port, { topic: 'ns' }, '/meet', '/rt/');
    const b = dial(port, { topic: 'ns' }, '/meet', '/rt/');
    assert.deepEqual(await Promise.all([a.outcome, b.outcome]), [null, null]);
    a.socket.send('on /rt/ in /meet');
    await until(() => b.messages.length === 1, 'the message');
    assert.deepEqual((await dial(port, { topic: 'ns' }, '/secure-meeting', '/rt/').outcome)?.message, 'Invalid namespace');
  });

  test('close() disconnects every member and is idempotent', limit, async () => {
    const relay = await start();
    const a = await join(relay.address().port, 'bye');
    await Promise.all([relay.close(), relay.close()]);
    await until(() => a.disconnects.length === 1, 'the member to be disconnected');
    assert.equal(relay.connections(), 0);
    await relay.close();
  });

  test('bad options throw a TypeError at once', limit, () => {
    // Not attached to anything: it holds no socket, and io.close() would throw on its missing engine.
    const io = new IoServer();
    const cases: Array<[unknown, string]> = [
      [null, 'createSocketIoRelay: options must be an object'],
      [{ server: createServer(), port: 1 }, 'createSocketIoRelay: give at most one of server, io and port'],
      [{ server: createServer(), io }, 'createSocketIoRelay: give at most one of server, io and port'],
      [{ server: {} }, 'createSocketIoRelay: server must be an http.Server or https.Server'],
      [{ io: {} }, 'createSocketIoRelay: io must be a Socket.IO Server'],
      [{ io, path: '/x/' }, 'createSocketIoRelay: with io, set path and adapter on your Socket.IO Server'],
      [{ io, adapter: () => null }, 'createSocketIoRelay: with io, set path and adapter on your Socket.IO Server'],
      [{ path: 'socket.io' }, 'createSocketIoRelay: path must start with "/"'],
      [{ namespace: 'meet' }, 'createSocketIoRelay: namespace must start with "/" and hold no "?", "#" or spaces'],
      [{ namespace: '/a?b' }, 'createSocketIoRelay: namespace must start with "/" and hold no "?", "#" or spaces'],
      [{ adapter: 'redis' }, 'createSocketIoRelay: adapter must be a Socket.IO adapter, e.g. createAdapter() of @socket.io/redis-adapter'],
      [{ host: '' }, 'createSocketIoRelay: host must be a non-empty string'],
      [{ apiKeys: [] }, 'createSocketIoRelay: apiKeys must be a non-empty array of non-empty strings'],
      [{ apiKeys: ['ok', ''] }, 'createSocketIoRelay: apiKeys must be a non-empty array of non-empty strings'],
      [{ port: -1 }, 'createSocketIoRelay: port must be an integer >= 0'],
      [{ maxPayload: 0 }, 'createSocketIoRelay: maxPayload must be an integer >= 1'],
      [{ maxMembersPerTopic: 1.5 }, 'createSocketIoRelay: maxMembersPerTopic must be an integer >= 1'],
      [{ rateLimit: 5 }, 'createSocketIoRelay: rateLimit must be false or { messagesPerSecond, burst }'],
      [{ rateLimit: { burst: 0.5 } }, 'createSocketIoRelay: rateLimit.burst must be an integer >= 1'],
      [{ rateLimit: { messagesPerSecond: 0 } }, 'createSocketIoRelay: rateLimit.messagesPerSecond must be an integer >= 1'],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => createSocketIoRelay(options as SocketIoRelayServerOptions), {
        name: 'TypeError',
        message: 'secure-meeting: ' + message,
      });
    }
    // Nothing was attached by a refused call.
    assert.equal(io.of('/secure-meeting').listenerCount('connection'), 0);
  });
});

describe('Socket.IO relay server scaled out with @socket.io/redis-adapter', () => {
  let redis: RedisProcess;
  const redisClients: Array<ReturnType<typeof createClient>> = [];

  before(async () => {
    redis = await startRedis();
  }, hookLimit);

  after(async () => {
    await Promise.all(relays.map((relay) => relay.close()));
    await Promise.all(redisClients.map((client) => client.close().catch(() => undefined)));
    await redis?.stop();
  }, hookLimit);

  /** One relay instance, as if in its own process: its own pub/sub connections to the shared Redis. */
  async function instance(options: SocketIoRelayServerOptions = {}): Promise<SocketIoRelay> {
    const pub = createClient({ url: redis.url });
    const sub = pub.duplicate();
    redisClients.push(pub, sub);
    pub.on('error', () => {});
    sub.on('error', () => {});
    await Promise.all([pub.connect(), sub.connect()]);
    return start({ ...options, adapter: createAdapter(pub, sub) });
  }

  /** The adapters subscribe asynchronously: wait until each instance sees them all. */
  async function clustered(...instances: SocketIoRelay[]): Promise<void> {
    await until(
      async () => (await Promise.all(instances.map((r) => r.namespace.adapter.serverCount()))).every((n) => n === instances.length),
      'every instance to be subscribed',
    );
  }

  test('members on different instances reach each other; topics stay isolated; the cap counts the cluster', limit, async () => {
    const one = await instance({ maxMembersPerTopic: 2 });
    const two = await instance({ maxMembersPerTopic: 2 });
    await clustered(one, two);
    const portOne = one.address().port;
    const portTwo = two.address().port;

    const a = await join(portOne, 'shared');
    const b = await join(portTwo, 'shared');
    const c = await join(portTwo, 'other');
    const d = await join(portOne, 'other');
    assert.equal(one.connections('shared'), 1);
    assert.equal(two.connections('shared'), 1);

    a.socket.send('from instance one');
    b.socket.send('from instance two');
    c.socket.send('other topic, from two');
    await until(() => a.messages.length === 1 && b.messages.length === 1 && d.messages.length === 1, 'cross-instance delivery');
    await sleep(100);
    assert.deepEqual(a.messages, ['from instance two']);
    assert.deepEqual(b.messages, ['from instance one']);
    assert.deepEqual(c.messages, []);
    assert.deepEqual(d.messages, ['other topic, from two']);

    // One member on each instance: the topic is full on both.
    assert.deepEqual(await dial(portOne, { topic: 'shared' }).outcome, refused('topic full', 'topic-full'));
    assert.deepEqual(await dial(portTwo, { topic: 'shared' }).outcome, refused('topic full', 'topic-full'));
    b.socket.disconnect();
    await until(() => two.connections('shared') === 0, 'instance two to see B leave');
    const e = await join(portOne, 'shared');
    e.socket.send('after the seat freed up');
    await until(() => a.messages.length === 2, 'the message from E');
    assert.equal(one.connections('shared'), 2);

    // Counting the cluster takes a Redis round trip; joins that arrive meanwhile on one instance
    // must still not overfill the topic (one member already sits on instance two).
    await join(portTwo, 'rush');
    const rush = await Promise.all(Array.from({ length: 6 }, () => dial(portOne, { topic: 'rush' }).outcome));
    assert.equal(rush.filter((outcome) => outcome === null).length, 1, JSON.stringify(rush));
    assert.equal(one.connections('rush'), 1);
  });
});
