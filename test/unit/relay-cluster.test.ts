/**
 * The WebSocket relay as several instances on one real redis-server
 * (adapters/websocket/cluster.ts): frames cross instances, the per-topic cap
 * counts every instance, and a dead instance's seats expire.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { redisCluster, type RedisClusterOptions } from '../../adapters/websocket/cluster.js';
import { createRelayServer, type RelayServer, type RelayServerOptions } from '../../adapters/websocket/server.js';
import { startRedis, type RedisProcess } from '../support/redis.js';
import { until } from '../support/wait.js';
import { dial, dialled, handshake, hexTopic, join, nextMessage, sleep } from './relay-clients.js';

const hookLimit = { timeout: 30_000 };
const limit = { timeout: 15_000 };

let redis: RedisProcess;
const clients: Array<ReturnType<typeof createClient>> = [];
const relays: RelayServer[] = [];

before(async () => {
  redis = await startRedis();
}, hookLimit);

after(async () => {
  for (const ws of dialled) ws.terminate();
  await Promise.all(relays.map((relay) => relay.close()));
  await Promise.all(clients.map((client) => (client.isOpen ? client.close() : undefined)));
  await redis?.stop();
}, hookLimit);

async function redisPair(): Promise<{ publisher: ReturnType<typeof createClient>; subscriber: ReturnType<typeof createClient> }> {
  const publisher = createClient({ url: redis.url, disableOfflineQueue: true });
  publisher.on('error', () => {});
  const subscriber = publisher.duplicate();
  subscriber.on('error', () => {});
  clients.push(publisher, subscriber);
  await Promise.all([publisher.connect(), subscriber.connect()]);
  return { publisher, subscriber };
}

/** One relay instance on the shared Redis, on a port of its own. */
async function instance(options: RelayServerOptions = {}, cluster: Partial<RedisClusterOptions> = {}) {
  const pair = await redisPair();
  const relay = createRelayServer({ ...options, cluster: redisCluster({ ...pair, ...cluster }) });
  relays.push(relay);
  await relay.ready;
  return { relay, ...pair, url: (topic: string) => `ws://127.0.0.1:${relay.address().port}/relay/${topic}` };
}

describe('relay cluster on Redis', () => {
  test('a frame from a member on one instance reaches the members on the others, as sent', limit, async () => {
    const [one, two] = [await instance(), await instance()];
    const topic = hexTopic();
    const a = await join(one.url(topic));
    const b = await join(two.url(topic));
    const c = await join(two.url(topic));
    const other = await join(two.url(hexTopic()));
    const seenByOther: string[] = [];
    other.on('message', (data) => seenByOther.push(String(data)));

    const [toB, toC] = [nextMessage(b), nextMessage(c)];
    a.send('from A on one');
    for (const got of await Promise.all([toB, toC])) {
      assert.equal(String(got.data), 'from A on one');
      assert.equal(got.isBinary, false);
    }
    // B's frame reaches C on its own instance directly and A through Redis, once each.
    const seenByA: Buffer[] = [];
    a.on('message', (data) => seenByA.push(data as Buffer));
    const toC2 = nextMessage(c);
    b.send(Buffer.from([0, 1, 255]));
    const atC = await toC2;
    assert.equal(atC.isBinary, true);
    await until(() => seenByA.length === 1, 'B’s frame at A');
    assert.deepEqual([...seenByA[0]!], [0, 1, 255]);
    await sleep(200);
    assert.equal(seenByA.length, 1, 'no copy comes back through Redis');
    assert.deepEqual(seenByOther, []);
    assert.deepEqual(one.relay.stats().frames, { in: 1, out: 1 });
  });

  test('maxMembersPerTopic counts the members of every instance', limit, async () => {
    const [one, two] = [await instance({ maxMembersPerTopic: 2 }), await instance({ maxMembersPerTopic: 2 })];
    const topic = hexTopic();
    await join(one.url(topic));
    const b = dial(two.url(topic));
    await b.opened;
    const third = dial(one.url(topic));
    assert.deepEqual(await third.closed, { code: 4003, reason: 'topic full' });
    assert.equal(one.relay.stats().refused.topicFull, 1);
    // A seat given back is free for the next member, on any instance.
    b.ws.close();
    await b.closed;
    await until(async () => (await handshake(one.url(topic)), one.relay.connections(topic) === 2), 'a free seat', 5_000);
  });

  test('the seats of an instance that can no longer reach Redis expire after seatTtlMs', limit, async () => {
    const one = await instance({ maxMembersPerTopic: 1 }, { seatTtlMs: 600 });
    const two = await instance({ maxMembersPerTopic: 1 }, { seatTtlMs: 600 });
    const topic = hexTopic();
    await join(one.url(topic));
    assert.equal((await dial(two.url(topic)).closed).code, 4003);
    // Instance one is cut off: it cannot refresh its seat nor give it back.
    one.publisher.destroy();
    one.subscriber.destroy();
    const started = Date.now();
    // A refused socket opens too, to carry its close code: the relay's members tell.
    await until(async () => (await handshake(two.url(topic)), two.relay.connections(topic) === 1), 'the dead seat to expire', 5_000);
    assert.ok(Date.now() - started >= 300, 'the seat outlived a refresh period');
  });

  test('a relay that cannot ask Redis answers the handshake 503 and counts it', limit, async () => {
    const one = await instance();
    one.publisher.destroy();
    const { outcome } = await handshake(one.url(hexTopic()));
    assert.equal(outcome, 503);
    assert.equal(one.relay.stats().refused.unavailable, 1);
  });

  test('bad cluster options throw at once', limit, () => {
    const subscriber = { subscribe: async () => {}, unsubscribe: async () => {} };
    assert.throws(() => redisCluster({ publisher: {} as never, subscriber }), {
      name: 'TypeError',
      message: 'secure-meeting: redisCluster: publisher must be a connected node-redis client',
    });
    assert.throws(() => redisCluster({ publisher: { sendCommand: async () => 1 }, subscriber, seatTtlMs: 10 }), {
      message: 'secure-meeting: redisCluster: seatTtlMs must be an integer >= 300',
    });
    assert.throws(() => createRelayServer({ cluster: {} as never }), {
      message: 'secure-meeting: createRelayServer: cluster must be a RelayCluster, e.g. redisCluster({ publisher, subscriber })',
    });
  });
});
