/**
 * The MQTT adapter beyond the shared conformance suite: its options, MQTT
 * 3.1.1 (where the broker echoes our own messages), QoS 1, never retaining,
 * refusals after 'open', the fallback from MQTT 5, and never leaking the
 * broker password. Against a real Mosquitto (and aedes, a 3.1.1-only broker).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Aedes } from 'aedes';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { mqttRelay, type MqttRelayOptions } from '../../adapters/mqtt/index.js';
import { SentPayloads } from '../../adapters/mqtt/sent.js';
import type { SecureMeetingError } from '../../core/errors.js';
import type { RelayConnection, RelayState } from '../../core/relay.js';
import { startMosquitto, type BrokerUser, type Mosquitto } from '../support/mosquitto.js';
import { freePort, sleep, until } from '../support/wait.js';

/** Hooks start and stop relays and brokers; with no global timeout, this turns a hang into a failure. */
const hookLimit = { timeout: 30_000 };

const limit = { timeout: 20_000 };
const fast = { initialDelayMs: 20, maxDelayMs: 200 };
const PREFIX = 'secure-meeting/v1/';
const PASSWORD = 'Tr0ub4dor-&-3-never-show-me';
const USER: BrokerUser = { username: 'meeting', password: PASSWORD, acl: [`topic readwrite ${PREFIX}#`] };

interface Member {
  conn: RelayConnection;
  messages: string[];
  states: RelayState[];
  errors: SecureMeetingError[];
}

const connections: RelayConnection[] = [];
const rawClients: MqttClient[] = [];
const brokers: Mosquitto[] = [];
let topics = 0;
const freshTopic = (): string => `${Date.now().toString(16)}${(++topics).toString(16)}`.padEnd(32, 'b');

after(async () => {
  for (const conn of connections) conn.close();
  for (const client of rawClients) client.end(true);
  await Promise.all(brokers.map((broker) => broker.close()));
}, hookLimit);

async function broker(users?: BrokerUser[]): Promise<Mosquitto> {
  const started = await startMosquitto(users === undefined ? {} : { users });
  brokers.push(started);
  return started;
}

function join(options: MqttRelayOptions, topic: string, onState?: (state: RelayState) => void): Member {
  const member: Member = { conn: undefined as unknown as RelayConnection, messages: [], states: [], errors: [] };
  member.conn = mqttRelay({ reconnect: fast, ...options }).connect(
    { topic, channel: '1' },
    {
      message: (data) => member.messages.push(data),
      state: (state) => {
        member.states.push(state);
        onState?.(state);
      },
      error: (error) => member.errors.push(error),
    },
  );
  connections.push(member.conn);
  return member;
}

const opened = (...members: Member[]) => (): boolean => members.every((m) => m.conn.state === 'open');

/** A plain mqtt.js client, to look at what the broker really holds and sends. */
async function raw(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options });
  rawClients.push(client);
  return client;
}

function record(client: MqttClient): IPublishPacket[] {
  const packets: IPublishPacket[] = [];
  client.on('message', (_topic, _payload, packet) => packets.push(packet));
  return packets;
}

describe('mqttRelay options', () => {
  test('bad options throw a TypeError with an exact message', limit, () => {
    const url = 'wss://broker.example/mqtt';
    const cases: Array<[unknown, string]> = [
      [undefined, 'mqttRelay: options must be an object with a url'],
      [{ url: '' }, 'mqttRelay: url must be a non-empty string'],
      [{ url: 'mqtt://broker.example:1883' }, 'mqttRelay: url must be a ws://, wss://, http:// or https:// URL (relative URLs only in a browser)'],
      [{ url: '/mqtt' }, 'mqttRelay: url must be a ws://, wss://, http:// or https:// URL (relative URLs only in a browser)'],
      [{ url: 'wss://meeting:secret@broker.example/mqtt' }, 'mqttRelay: url must not contain credentials; use the username and password options'],
      [{ url, topicPrefix: 'meetings/+/' }, 'mqttRelay: topicPrefix must be a string without the MQTT wildcards + and #'],
      [{ url, topicPrefix: 'meetings/#' }, 'mqttRelay: topicPrefix must be a string without the MQTT wildcards + and #'],
      [{ url, topicPrefix: 7 }, 'mqttRelay: topicPrefix must be a string without the MQTT wildcards + and #'],
      [{ url, username: 42 }, 'mqttRelay: username must be a string'],
      [{ url, username: 'u', password: 42 }, 'mqttRelay: password must be a string'],
      [{ url, password: 'p' }, 'mqttRelay: password needs a username (MQTT sends no password without one)'],
      [{ url, clientId: '' }, 'mqttRelay: clientId must be a non-empty string'],
      [{ url, qos: 2 }, 'mqttRelay: qos must be 0 or 1'],
      [{ url, qos: '1' }, 'mqttRelay: qos must be 0 or 1'],
      [{ url, keepalive: -1 }, 'mqttRelay: keepalive must be a whole number of seconds from 0 to 65535'],
      [{ url, keepalive: 1.5 }, 'mqttRelay: keepalive must be a whole number of seconds from 0 to 65535'],
      [{ url, keepalive: 65_536 }, 'mqttRelay: keepalive must be a whole number of seconds from 0 to 65535'],
      [{ url, protocolVersion: 3 }, 'mqttRelay: protocolVersion must be 5 or 4'],
      [{ url, connectTimeoutMs: 0 }, 'mqttRelay: connectTimeoutMs must be a positive number of milliseconds'],
      [{ url, connectTimeoutMs: Number.NaN }, 'mqttRelay: connectTimeoutMs must be a positive number of milliseconds'],
      [
        { url, reconnect: { initialDelayMs: 0 } },
        'mqttRelay: reconnect must be false or { initialDelayMs, maxDelayMs } with 0 < initialDelayMs <= maxDelayMs',
      ],
      [
        { url, reconnect: { initialDelayMs: 1000, maxDelayMs: 10 } },
        'mqttRelay: reconnect must be false or { initialDelayMs, maxDelayMs } with 0 < initialDelayMs <= maxDelayMs',
      ],
      [{ url, reconnect: true }, 'mqttRelay: reconnect must be false or { initialDelayMs, maxDelayMs } with 0 < initialDelayMs <= maxDelayMs'],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => mqttRelay(options as MqttRelayOptions), { name: 'TypeError', message: 'secure-meeting: ' + message }, message);
    }

    const adapter = mqttRelay({
      url: 'https://broker.example/mqtt',
      topicPrefix: '',
      username: 'u',
      password: 'p',
      clientId: 'fixed',
      qos: 1,
      keepalive: 0,
      protocolVersion: 4,
      connectTimeoutMs: 500,
      reconnect: false,
    });
    assert.equal(adapter.kind, 'mqtt');
    const noop = { message() {}, state() {}, error() {} };
    for (const topic of ['', 'a+b', 'a/#']) {
      assert.throws(() => adapter.connect({ topic, channel: '1' }, noop), {
        name: 'TypeError',
        message: 'secure-meeting: mqttRelay: connect() needs a non-empty topic without + or #',
      });
    }
  });

  test('publish() takes strings only, and is false until open', limit, async () => {
    const { conn, states } = join({ url: `ws://127.0.0.1:${await freePort()}`, reconnect: false }, freshTopic());
    assert.deepEqual(states, ['connecting'], "'connecting' is reported synchronously");
    assert.throws(() => conn.publish(42 as unknown as string), {
      name: 'TypeError',
      message: 'secure-meeting: publish() takes a string',
    });
    assert.equal(conn.publish('too early'), false);
    conn.close();
  });

  test("an unreachable broker is reported once per outage while the retries go on", limit, async (t) => {
    // Accepts TCP and hangs up at once: every attempt fails, and each one is counted.
    let dials = 0;
    const refuser = createNetServer((socket) => {
      dials += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => refuser.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => refuser.close(() => resolve())));
    const m = join({ url: `ws://127.0.0.1:${(refuser.address() as AddressInfo).port}/mqtt`, reconnect: { initialDelayMs: 10, maxDelayMs: 40 } }, freshTopic());
    await until(() => dials >= 5, 'five attempts');
    assert.equal(m.conn.state, 'connecting');
    assert.deepEqual(m.errors.map((e) => e.code), ['unreachable']);
    assert.match(m.errors[0]?.message ?? '', /^secure-meeting: cannot reach the MQTT broker/);
    m.conn.close();
    assert.deepEqual(m.states, ['connecting', 'closed']);
  });

  test('SentPayloads forgets each payload once and stays bounded', limit, () => {
    const sent = new SentPayloads(3, 10);
    sent.add('a');
    sent.add('a');
    assert.equal(sent.take('a'), true);
    assert.equal(sent.take('a'), true);
    assert.equal(sent.take('a'), false, 'each send matches one echo');
    for (const p of ['1', '2', '3', '4']) sent.add(p);
    assert.equal(sent.size, 3);
    assert.equal(sent.take('1'), false, 'the oldest went first');
    assert.equal(sent.take('4'), true);
    sent.add('0123456789');
    assert.equal(sent.size, 1, 'the size bound evicts older payloads');
    assert.equal(sent.take('0123456789'), true);
  });
});

describe('mqttRelay against Mosquitto', () => {
  let open: Mosquitto;
  let secured: Mosquitto;

  before(async () => {
    [open, secured] = await Promise.all([broker(), broker([USER, { username: 'reader', password: PASSWORD, acl: [`topic read ${PREFIX}#`] }])]);
  }, hookLimit);

  test('MQTT 3.1.1 works, and the echo the broker sends back is what the filter drops', limit, async () => {
    const topic = freshTopic();
    // The premise: Mosquitto does send a 3.1.1 subscriber its own messages back.
    const probe = await raw(open.url, { protocolVersion: 4 });
    const echoed = record(probe);
    await probe.subscribeAsync(`${PREFIX}premise`);
    await probe.publishAsync(`${PREFIX}premise`, 'mine');
    await until(() => echoed.length === 1, 'the 3.1.1 echo');

    const a = join({ url: open.url, protocolVersion: 4 }, topic);
    const b = join({ url: open.url, protocolVersion: 4 }, topic);
    await until(opened(a, b), 'both open');
    assert.match(open.log(), /as sm[0-9a-f]{20} \(p2, c1, k30\)/, 'a 3.1.1 connection, clean session, keepalive 30, random client id');

    assert.equal(a.conn.publish('same text'), true);
    await until(() => b.messages.length === 1, 'B gets it');
    // Someone else sends the very same text: A's record holds one copy, so of the two
    // copies arriving at A (its echo, then this one) exactly one is dropped. Without the
    // filter A would see 2; if the broker did not echo, the filter would eat this one and A would see 0.
    const other = await raw(open.url, { protocolVersion: 4 });
    await other.publishAsync(PREFIX + topic, 'same text');
    await until(() => b.messages.length === 2, 'B gets the second copy');
    await until(() => a.messages.length >= 1, 'A gets the copy that is not its own');
    await sleep(200);
    assert.deepEqual(a.messages, ['same text']);
    assert.deepEqual(b.messages, ['same text', 'same text']);

    for (let i = 0; i < 5; i++) a.conn.publish(`only mine ${i}`);
    await until(() => b.messages.length === 7, 'B gets five more');
    await sleep(200);
    assert.deepEqual(a.messages, ['same text'], 'A never sees its own');
    assert.deepEqual([...a.errors, ...b.errors], []);
  });

  test('MQTT 5 by default, with a no-local subscription', limit, async () => {
    const topic = freshTopic();
    const a = join({ url: open.url, clientId: 'sm-default-version' }, topic);
    const b = join({ url: open.url }, topic);
    await until(opened(a, b), 'both open');
    assert.match(open.log(), /as sm-default-version \(p5, c1, k30\)/);
    a.conn.publish('hello');
    await until(() => b.messages.length === 1, 'B gets it');
    // The same text from someone else: with No Local the broker sent A no echo, so this
    // copy is the one A's record matches (and drops). Without No Local A would get it.
    const other = await raw(open.url);
    await other.publishAsync(PREFIX + topic, 'hello');
    await until(() => b.messages.length === 2, 'B gets the second copy');
    await sleep(200);
    assert.deepEqual(a.messages, []);
  });

  test("a message published the moment 'open' is reported is not missed", limit, async () => {
    const publisher = await raw(open.url);
    const members: Member[] = [];
    for (let i = 0; i < 10; i++) {
      const topic = freshTopic();
      // Published from another connection as soon as 'open' is reported, not a beat later.
      members.push(join({ url: open.url }, topic, (state) => state === 'open' && publisher.publish(PREFIX + topic, `first ${i}`)));
    }
    await until(() => members.every((m) => m.messages.length === 1), 'each member to get the first message', 5000);
    assert.deepEqual(members.map((m) => m.messages[0]), members.map((_, i) => `first ${i}`));
  });

  test('QoS 1 delivers with QoS 1; QoS 0 is the default; nothing is ever retained', limit, async () => {
    const topic = freshTopic();
    const watcher = await raw(open.url);
    const seen = record(watcher);
    await watcher.subscribeAsync(PREFIX + topic, { qos: 1 });

    const a = join({ url: open.url, qos: 1 }, topic);
    const b = join({ url: open.url, qos: 1 }, topic);
    const c = join({ url: open.url, protocolVersion: 4 }, topic);
    await until(opened(a, b, c), 'all open');
    assert.equal(a.conn.publish('at least once'), true);
    assert.equal(c.conn.publish('at most once'), true);
    await until(() => b.messages.length === 2 && seen.filter((p) => p.payload.length > 0).length === 2, 'both messages');
    // Two publishers: the broker keeps each one's order, not an order between them.
    assert.deepEqual([...b.messages].sort(), ['at least once', 'at most once']);

    const byText = new Map(seen.map((p) => [p.payload.toString(), p]));
    assert.equal(byText.get('at least once')?.qos, 1);
    assert.equal(byText.get('at most once')?.qos, 0);
    assert.ok(seen.length >= 2);
    assert.ok(seen.every((p) => !p.retain), 'no message, probes included, was published retained');

    // A member joining later gets nothing from before: the broker keeps no retained message.
    for (const version of [5, 4] as const) {
      const late = await raw(open.url, { protocolVersion: version });
      const got = record(late);
      await late.subscribeAsync(`${PREFIX}#`, { qos: 1 });
      await sleep(200);
      assert.deepEqual(got.map((p) => p.payload.toString()), [], `MQTT ${version}: nothing retained`);
    }
    assert.deepEqual([...a.errors, ...b.errors, ...c.errors], []);
  });

  test('http:// maps to ws://, and a relative URL resolves against location in a browser', limit, async () => {
    const http = join({ url: `http://127.0.0.1:${open.wsPort}/mqtt` }, freshTopic());
    await until(opened(http), 'open over an http:// URL');
    Object.defineProperty(globalThis, 'location', { value: { href: `http://127.0.0.1:${open.wsPort}/app/page.html` }, configurable: true });
    try {
      const relative = join({ url: '/mqtt' }, freshTopic());
      await until(opened(relative), 'open over a relative URL');
    } finally {
      delete (globalThis as { location?: unknown }).location;
    }
  });

  test('a publish the broker refuses after open (MQTT 5 PUBACK, QoS 1) is "rejected" and closes', limit, async () => {
    const topic = freshTopic();
    const a = join({ url: secured.url, username: USER.username, password: PASSWORD, qos: 1 }, topic);
    await until(opened(a), 'open');
    // Take write access away from the live connection: the next PUBACK says "not authorised".
    await secured.reloadUsers([{ ...USER, acl: [`topic read ${PREFIX}#`] }]);
    try {
      assert.equal(a.conn.publish('no longer allowed'), true);
      await until(() => a.conn.state === 'closed', 'closed');
      assert.deepEqual(a.errors.map((e) => [e.code, e.message]), [
        ['rejected', 'secure-meeting: the MQTT broker does not let this user publish to the meeting topic; check its ACL against topicPrefix'],
      ]);
      assert.deepEqual(a.states, ['connecting', 'open', 'closed']);
    } finally {
      await secured.reloadUsers([USER, { username: 'reader', password: PASSWORD, acl: [`topic read ${PREFIX}#`] }]);
    }
  });

  test('a user who may read but not write is refused before open', limit, async () => {
    const m = join({ url: secured.url, username: 'reader', password: PASSWORD }, freshTopic());
    await until(() => m.conn.state === 'closed', 'closed');
    assert.deepEqual(m.states, ['connecting', 'closed']);
    assert.deepEqual(m.errors.map((e) => e.code), ['rejected']);
  });

  test('with reconnect: false a lost broker closes the connection for good', limit, async () => {
    const own = await broker();
    const m = join({ url: own.url, reconnect: false }, freshTopic());
    await until(opened(m), 'open');
    await own.restart();
    await until(() => m.conn.state === 'closed', 'closed');
    await sleep(100);
    assert.deepEqual(m.states, ['connecting', 'open', 'closed']);
  });

  test('the broker password never appears in an error, its cause or a log line', limit, async (t) => {
    const logged: unknown[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      t.mock.method(console, method, (...args: unknown[]) => logged.push(args));
    }
    const credentials = { username: USER.username, password: PASSWORD };
    const wrong = join({ url: secured.url, username: USER.username, password: `${PASSWORD}-wrong` }, freshTopic());
    const denied = join({ url: secured.url, ...credentials, topicPrefix: 'other/' }, freshTopic());
    const unreachable = join({ url: `ws://127.0.0.1:${await freePort()}/mqtt`, ...credentials }, freshTopic());
    await until(() => wrong.conn.state === 'closed' && denied.conn.state === 'closed' && unreachable.errors.length > 0, 'three errors');
    unreachable.conn.close();

    const errors = [...wrong.errors, ...denied.errors, ...unreachable.errors];
    assert.deepEqual(errors.map((e) => e.code), ['unauthorized', 'rejected', 'unreachable']);
    assert.match(wrong.errors[0]?.message ?? '', /username or password/);
    for (const error of errors) {
      let text = '';
      for (let e: unknown = error; e instanceof Error; e = e.cause) text += `${String(e)}\n${e.stack}\n${JSON.stringify(e)}\n`;
      assert.ok(!text.includes(PASSWORD), `the password leaked into: ${text}`);
    }
    assert.deepEqual(logged, [], 'the adapter logs nothing');
    assert.ok(!secured.log().includes(PASSWORD));
  });
});

describe('mqttRelay against a broker that speaks only MQTT 3.1.1', () => {
  let http: Server;
  let broker: Aedes;
  let url: string;
  let upgrades = 0;

  before(async () => {
    broker = await Aedes.createBroker();
    const sockets = new WebSocketServer({ noServer: true });
    http = createServer();
    http.on('upgrade', (req, socket, head) => {
      upgrades += 1;
      sockets.handleUpgrade(req, socket, head, (ws) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => ws.terminate());
        broker.handle(stream, req);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/mqtt`;
  }, hookLimit);

  after(async () => {
    for (const conn of connections) conn.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }, hookLimit);

  test('the default MQTT 5 falls back to 3.1.1 by itself, and own messages stay filtered', limit, async () => {
    const versions: number[] = [];
    broker.on('client', (client) => versions.push((client as unknown as { version: number }).version));
    const topic = freshTopic();
    const a = join({ url }, topic);
    const b = join({ url }, topic);
    await until(opened(a, b), 'both open');
    assert.deepEqual(versions, [4, 4], 'both ended up on 3.1.1');
    assert.equal(upgrades, 4, 'each tried MQTT 5 first, then 3.1.1 on a new socket');
    assert.deepEqual(a.states, ['connecting', 'open']);

    a.conn.publish('over 3.1.1');
    b.conn.publish('back');
    await until(() => b.messages.length === 1 && a.messages.length === 1, 'both ways');
    await sleep(150);
    assert.deepEqual(a.messages, ['back']);
    assert.deepEqual(b.messages, ['over 3.1.1']);
    assert.deepEqual([...a.errors, ...b.errors], []);
  });
});
