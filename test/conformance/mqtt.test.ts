import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mqttRelay, type MqttRelayOptions } from '../../adapters/mqtt/index.js';
import type { SecureMeetingError } from '../../core/errors.js';
import { startMosquitto, type BrokerUser } from '../support/mosquitto.js';
import { freePort, sleep, until } from '../support/wait.js';
import { runConformance, type ConformanceServer } from './suite.js';

const reconnect = { initialDelayMs: 20, maxDelayMs: 200 };
const USER: BrokerUser = { username: 'meeting', password: 'conformance-secret', acl: ['topic readwrite secure-meeting/v1/#'] };

async function mosquitto(users: BrokerUser[] | undefined): Promise<ConformanceServer & { options: MqttRelayOptions }> {
  const broker = await startMosquitto(users === undefined ? {} : { users });
  const options: MqttRelayOptions = { url: broker.url, reconnect };
  return {
    options,
    adapter: () => mqttRelay(options),
    restart: () => broker.restart(),
    close: () => broker.close(),
  };
}

const unreachable = async () => mqttRelay({ url: `ws://127.0.0.1:${await freePort()}`, reconnect });

runConformance('mqtt (Mosquitto, anonymous)', {
  checksCredentials: false,
  refusesTopics: false,
  start: () => mosquitto(undefined),
  unreachable,
});

runConformance('mqtt (Mosquitto, password file and ACL)', {
  checksCredentials: true,
  refusesTopics: true,
  async start() {
    const server = await mosquitto([USER]);
    const good = { ...server.options, username: USER.username, password: USER.password };
    return {
      ...server,
      adapter: () => mqttRelay(good),
      refused: () => mqttRelay({ ...good, password: 'not-the-password' }),
      // The ACL grants secure-meeting/v1/# only.
      denied: () => ({ adapter: mqttRelay({ ...good, topicPrefix: 'other/' }), target: { topic: 'a'.repeat(32), channel: '1' } }),
    };
  },
  unreachable,
});

describe('mqtt: warm() dials ahead of the topic', () => {
  const connected = (log: string) => log.split('New client connected').length - 1;
  const member = (adapter: ReturnType<typeof mqttRelay>, topic: string) => {
    const m = { messages: [] as string[], states: [] as string[], errors: [] as SecureMeetingError[] };
    const conn = adapter.connect({ topic, channel: '1' }, {
      message: (d) => m.messages.push(d),
      state: (s) => m.states.push(s),
      error: (e) => m.errors.push(e),
    });
    return { ...m, conn };
  };

  test('connect() takes the warm connection: the broker sees no second client, and delivery works', { timeout: 30_000 }, async () => {
    const broker = await startMosquitto();
    try {
      const adapter = mqttRelay({ url: broker.url, reconnect });
      adapter.warm!();
      await until(() => connected(broker.log()) === 1, 'the warm connection', 10_000);
      adapter.warm!(); // the form still again (the name typed): the same connection kept
      await sleep(300);
      assert.equal(connected(broker.log()), 1);
      const a = member(adapter, 'b'.repeat(32));
      const b = member(mqttRelay({ url: broker.url, reconnect }), 'b'.repeat(32));
      await until(() => a.conn.state === 'open' && b.conn.state === 'open', 'both open', 10_000);
      await sleep(100);
      assert.equal(connected(broker.log()), 2, 'a subscribed on the warm connection; only b dialled');
      assert.equal(a.conn.publish('hello from a'), true);
      await until(() => b.messages.length === 1, 'delivery', 10_000);
      assert.deepEqual(b.messages, ['hello from a']);
      a.conn.close();
      b.conn.close();
    } finally {
      await broker.close();
    }
  });

  test('warm(target) subscribes ahead: connect() to that topic opens without subscribing again; another topic is left', { timeout: 30_000 }, async () => {
    const broker = await startMosquitto();
    try {
      const [first, topic] = ['d'.repeat(32), 'e'.repeat(32)];
      // Mosquitto's subscribe log: "<time>: <client id> <qos> <topic>"; unsubscribe: "<time>: <client id> <topic>".
      const lines = (pattern: string) => broker.log().split('\n').filter((l) => new RegExp(pattern).test(l)).length;
      const subscribed = (t: string) => lines(` sm[0-9a-f]+ \\d secure-meeting/v1/${t}$`);
      const unsubscribed = (t: string) => lines(`: sm[0-9a-f]+ secure-meeting/v1/${t}$`);
      const adapter = mqttRelay({ url: broker.url, reconnect });
      adapter.warm!(); // keys still being derived: connected, on no topic
      await until(() => connected(broker.log()) === 1, 'the warm connection', 10_000);
      adapter.warm!({ topic: first, channel: '1' });
      await until(() => subscribed(first) === 1, 'the subscription ahead', 10_000);
      adapter.warm!({ topic, channel: '1' }); // the password changed: the keys and topic too
      await until(() => subscribed(topic) === 1 && unsubscribed(first) === 1, 'the old topic left for the new', 10_000);
      const a = member(adapter, topic);
      const b = member(mqttRelay({ url: broker.url, reconnect }), topic);
      await until(() => a.conn.state === 'open' && b.conn.state === 'open', 'both open', 10_000);
      await sleep(200);
      assert.equal(subscribed(topic), 2, `a subscribed once, ahead; b once: ${broker.log()}`);
      assert.equal(connected(broker.log()), 2, 'a on the warm connection; only b dialled');
      assert.equal(a.conn.publish('hello from a'), true);
      assert.equal(b.conn.publish('hello from b'), true);
      await until(() => a.messages.length === 1 && b.messages.length === 1, 'delivery both ways', 10_000);
      assert.deepEqual([a.messages, b.messages], [['hello from b'], ['hello from a']]);
      a.conn.close();
      b.conn.close();
    } finally {
      await broker.close();
    }
  });

  test('a warm connection no connect() takes is closed after warmMs; warmMs 0 dials nothing', { timeout: 30_000 }, async () => {
    const broker = await startMosquitto();
    try {
      mqttRelay({ url: broker.url, reconnect, warmMs: 300 }).warm!();
      await until(() => connected(broker.log()) === 1, 'the warm connection', 10_000);
      await until(() => /Client sm[0-9a-f]+ (closed its connection|disconnected)/.test(broker.log()), 'closed again', 10_000);
      mqttRelay({ url: broker.url, reconnect, warmMs: 0 }).warm!();
      await sleep(500);
      assert.equal(connected(broker.log()), 1);
      assert.throws(() => mqttRelay({ url: broker.url, warmMs: -1 }), /^TypeError: secure-meeting: mqttRelay: warmMs must be a number of milliseconds, 0 or more$/);
    } finally {
      await broker.close();
    }
  });

  test('a warm connection the broker refused: connect() still reports "unauthorized" and never opens', { timeout: 30_000 }, async () => {
    const broker = await startMosquitto({ users: [USER] });
    try {
      const adapter = mqttRelay({ url: broker.url, reconnect, username: USER.username, password: 'wrong' });
      adapter.warm!();
      await sleep(500);
      const m = member(adapter, 'c'.repeat(32));
      await until(() => m.conn.state === 'closed', 'the connection to give up', 10_000);
      assert.ok(!m.states.includes('open'), `never open: ${m.states}`);
      assert.deepEqual(m.errors.map((e) => e.code), ['unauthorized']);
      assert.match(m.errors[0]!.message, /^secure-meeting: /);
    } finally {
      await broker.close();
    }
  });
});
