/**
 * Issue 10's limits on both relay servers, one at a time: only the pong that
 * answers a ping keeps a member alive; connections per address and in all are
 * capped; topics must look blinded unless the `topics` option says otherwise.
 * (relay-slow-readers.test.ts has the buffer cap under a real flood.)
 */
import assert from 'node:assert/strict';
import type { Socket as NetSocket } from 'node:net';
import { createServer, type Server as HttpServer } from 'node:http';
import { after, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { Server as IoServer } from 'socket.io';
import { createRelayServer, type RelayServer, type RelayServerOptions } from '../../adapters/websocket/server.js';
import { createSocketIoRelay, type SocketIoRelay, type SocketIoRelayServerOptions } from '../../adapters/socketio/server.js';
import { handshake, hexTopic, rawSocketIoMember, silentUpgrade, sleep } from './relay-clients.js';
import { until } from '../support/wait.js';

const relays: Array<RelayServer | SocketIoRelay> = [];
const sockets: Array<WebSocket | NetSocket> = [];
const httpServers: HttpServer[] = [];
after(async () => {
  for (const socket of sockets) socket instanceof WebSocket ? socket.terminate() : socket.destroy();
  await Promise.all(relays.map((relay) => relay.close()));
  for (const http of httpServers) http.closeAllConnections();
  await Promise.all(httpServers.map((http) => new Promise((resolve) => http.close(resolve))));
}, { timeout: 30_000 });

/** A relay hangs rather than fails when broken; this turns that into a failure. */
const limit = { timeout: 20_000 };

/** Tests tell clients apart by a header, read through the addressOf option as a proxy's would be. */
const byHeader = { addressOf: (req: { headers: Record<string, unknown> }) => String(req.headers['x-test-address'] ?? 'none') };
const from = (address: string): { headers: Record<string, string> } => ({ headers: { 'x-test-address': address } });

async function wsRelay(options: RelayServerOptions = {}): Promise<{ relay: RelayServer; url: (topic: string) => string }> {
  const relay = createRelayServer(options);
  relays.push(relay);
  await relay.ready;
  return { relay, url: (topic) => `ws://127.0.0.1:${relay.address().port}/relay/${topic}` };
}

/** Opens a `ws` socket and tells how it ended: 'open', an HTTP status, or the close code and reason. */
async function dial(url: string, headers: Record<string, string> = {}, autoPong = true): Promise<{ ws: WebSocket; outcome: 'open' | number; closed: Promise<string> }> {
  const { ws, outcome } = await handshake(url, { headers, autoPong });
  sockets.push(ws);
  const closed = new Promise<string>((resolve) => ws.once('close', (code, reason) => resolve(`${code} ${String(reason)}`)));
  return { ws, outcome, closed };
}

async function ioRelay(options: SocketIoRelayServerOptions = {}): Promise<SocketIoRelay> {
  const relay = createSocketIoRelay(options);
  relays.push(relay);
  await relay.ready;
  return relay;
}

describe('ws relay limits', () => {
  test('only a pong echoing the random payload of the last ping keeps a member alive', limit, async () => {
    const { relay, url } = await wsRelay({ heartbeatMs: 150 });
    const topic = hexTopic();
    const echoing = await dial(url(topic), {}, false);
    const payloads: string[] = [];
    echoing.ws.on('ping', (data) => {
      payloads.push(data.toString('hex'));
      echoing.ws.pong(data);
    });
    const library = await dial(url(topic));
    const wrong = await dial(url(topic), {}, false);
    wrong.ws.on('ping', () => wrong.ws.pong(Buffer.from('not the payload')));
    const unasked = await dial(url(topic), {}, false);
    const timer = setInterval(() => unasked.ws.pong(), 20);
    after(() => clearInterval(timer));

    assert.match(await wrong.closed, /^1006/);
    assert.match(await unasked.closed, /^1006/);
    const seen = relay.stats().heartbeats;
    await until(() => relay.stats().heartbeats >= seen + 3, 'three more heartbeats', 10_000);
    assert.equal(echoing.ws.readyState, WebSocket.OPEN);
    assert.equal(library.ws.readyState, WebSocket.OPEN);
    assert.equal(relay.connections(topic), 2);
    assert.equal(relay.stats().dropped.heartbeat, 2);
    assert.ok(relay.stats().ignoredPongs > 2);
    // Sixteen random bytes each time.
    assert.ok(payloads.length >= 3 && payloads.every((p) => p.length === 32) && new Set(payloads).size === payloads.length, payloads.join());
  });

  test('connections per address are capped: a close code first, then HTTP 429; other addresses are not affected', limit, async () => {
    const { relay, url } = await wsRelay({ maxConnectionsPerAddress: 2, ...byHeader });
    const topic = hexTopic();
    const members = [await dial(url(topic), from('a').headers), await dial(url(topic), from('a').headers)];
    assert.deepEqual(members.map((m) => m.outcome), ['open', 'open']);
    const third = await dial(url(topic), from('a').headers);
    assert.equal(await third.closed, '4029 too many connections from this address');
    assert.equal((await dial(url(topic), from('b').headers)).outcome, 'open');

    // Refused sockets that never finish closing still count, up to twice the cap; past that, no upgrade at all.
    const { port } = relay.address();
    const silent = [await silentUpgrade(port, `/relay/${topic}`, from('a').headers), await silentUpgrade(port, `/relay/${topic}`, from('a').headers)];
    sockets.push(...silent);
    await until(() => relay.stats().sockets === 5, 'the silent sockets to be upgraded');
    assert.equal((await dial(url(topic), from('a').headers)).outcome, 429);
    assert.deepEqual(relay.stats().refused, { perAddress: 4, total: 0, badTopic: 0, unauthorized: 0, topicFull: 0, unavailable: 0 });
    // Cut after their grace; then a member leaving makes room for one more.
    await until(() => relay.stats().sockets === 3, 'the silent sockets to be cut', 10_000);
    members[0]!.ws.close();
    await until(() => relay.connections(topic) === 2, 'the member to leave');
    assert.equal((await dial(url(topic), from('a').headers)).outcome, 'open');
  });

  test('connections in all are capped with HTTP 503, before any upgrade', limit, async () => {
    const { relay, url } = await wsRelay({ maxConnections: 2, ...byHeader });
    const topic = hexTopic();
    const first = await dial(url(topic), from('a').headers);
    await dial(url(topic), from('b').headers);
    assert.equal((await dial(url(topic), from('c').headers)).outcome, 503);
    assert.equal(relay.stats().refused.total, 1);
    first.ws.close();
    await until(() => relay.stats().sockets === 1, 'a place to free up');
    assert.equal((await dial(url(topic), from('c').headers)).outcome, 'open');
  });

  test('topics must be blinded (32 lowercase hex) unless the topics option allows others', limit, async () => {
    const strict = await wsRelay();
    for (const topic of ['topic1', hexTopic().toUpperCase(), hexTopic().slice(1), hexTopic() + '0', 'ch-7']) {
      assert.equal(await (await dial(strict.url(topic))).closed, '4000 bad topic', topic);
    }
    assert.equal((await dial(strict.url(hexTopic()))).outcome, 'open');
    assert.equal(strict.relay.stats().refused.badTopic, 5);

    const any = await wsRelay({ topics: 'any' });
    assert.equal((await dial(any.url('ch-7'))).outcome, 'open');
    assert.equal(await (await dial(any.url('a%20b'))).closed, '4000 bad topic');

    // A global RegExp keeps no state between topics; the [A-Za-z0-9_-]{1,128} rule still holds.
    const channels = await wsRelay({ topics: /^ch-\d{1,4}$/g });
    for (const topic of ['ch-42', 'ch-42', 'ch-1000']) assert.equal((await dial(channels.url(topic))).outcome, 'open', topic);
    for (const topic of ['ch-x', hexTopic()]) assert.equal(await (await dial(channels.url(topic))).closed, '4000 bad topic', topic);
    const dotted = await wsRelay({ topics: /^[a-z.]+$/ });
    assert.equal(await (await dial(dotted.url('a.b'))).closed, '4000 bad topic');
  });

  test('bad limit options throw a TypeError at once', limit, () => {
    const cases: Array<[unknown, string]> = [
      [{ topics: 'all' }, "createRelayServer: topics must be 'blinded', 'any' or a RegExp"],
      [{ maxBufferedBytes: 0 }, 'createRelayServer: maxBufferedBytes must be an integer >= 1'],
      [{ maxConnectionsPerAddress: 2.5 }, 'createRelayServer: maxConnectionsPerAddress must be an integer >= 1'],
      [{ maxConnections: -1 }, 'createRelayServer: maxConnections must be an integer >= 1'],
      [{ addressOf: 'x-forwarded-for' }, 'createRelayServer: addressOf must be a function of the request'],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => createRelayServer(options as RelayServerOptions), { name: 'TypeError', message: 'secure-meeting: ' + message });
    }
  });
});

describe('Socket.IO relay limits', () => {
  test('a pong counts only while a ping is outstanding, once: pongs sent unasked do not put pings off', limit, async () => {
    const relay = await ioRelay({ heartbeatMs: 200 });
    const { port } = relay.address();
    const topic = hexTopic();
    const answering = await rawSocketIoMember(port, topic, { answerPings: true });
    const silent = await rawSocketIoMember(port, topic);
    // engine.io refreshes its ping timer on any pong: without the relay's check these
    // would put every ping off, and a member that never answers one would never be asked.
    const unasked = await rawSocketIoMember(port, topic);
    let pinged = 0;
    unasked.ws.on('message', (data) => String(data) === '2' && pinged++);
    const timer = setInterval(() => unasked.ws.readyState === WebSocket.OPEN && unasked.ws.send('3'), 20);
    after(() => clearInterval(timer));
    // One pong per ping is an answer; a second one to the same ping is not, and costs nothing.
    const twice = await rawSocketIoMember(port, topic);
    twice.ws.on('message', (data) => String(data) === '2' && (twice.ws.send('3'), twice.ws.send('3')));
    sockets.push(answering.ws, silent.ws, unasked.ws, twice.ws);

    await silent.closed;
    await sleep(2000);
    assert.ok(pinged >= 5, `pinged ${pinged} times in about 2.4 s at a 200 ms period`);
    assert.equal(answering.ws.readyState, WebSocket.OPEN);
    assert.equal(twice.ws.readyState, WebSocket.OPEN);
    assert.equal(relay.connections(topic), 3);
    assert.equal(relay.stats().dropped.heartbeat, 1);
    assert.ok(relay.stats().ignoredPongs > 20, String(relay.stats().ignoredPongs));
  });

  test('members per address are refused with a reason; Engine.IO handshakes past twice the cap get none', limit, async () => {
    const relay = await ioRelay({ maxConnectionsPerAddress: 2, ...byHeader });
    const { port } = relay.address();
    const topic = hexTopic();
    const a1 = await rawSocketIoMember(port, topic, from('a'));
    const a2 = await rawSocketIoMember(port, topic, from('a'));
    const a3 = await rawSocketIoMember(port, topic, from('a'));
    const b1 = await rawSocketIoMember(port, topic, from('b'));
    sockets.push(a1.ws, a2.ws, a3.ws, b1.ws);
    assert.deepEqual([a1.refusal, a2.refusal, b1.refusal], [null, null, null]);
    assert.deepEqual(a3.refusal, { message: 'too many connections from this address', data: { code: 'unavailable' } });
    // a3's Engine.IO session is still open (3 of 4 for address a): one more session, then none.
    const a4 = await rawSocketIoMember(port, topic, from('a'));
    sockets.push(a4.ws);
    await assert.rejects(rawSocketIoMember(port, topic, from('a')), /handshake refused with HTTP 400/);
    assert.deepEqual(relay.stats().refused, { perAddress: 3, total: 0, badTopic: 0, unauthorized: 0, topicFull: 0, unavailable: 0 });
    a1.ws.close();
    await until(() => relay.connections(topic) === 2, 'the member to leave');
    a3.ws.close();
    a4.ws.close();
    await until(() => relay.stats().sockets === 2, 'the refused sessions to end');
    assert.equal((await rawSocketIoMember(port, topic, from('a'))).refusal, null);
  });

  test('members in all are capped: on its own Server at the handshake, on an app Server with a reason', limit, async () => {
    const own = await ioRelay({ maxConnections: 2, ...byHeader });
    const topic = hexTopic();
    await rawSocketIoMember(own.address().port, topic, from('a'));
    await rawSocketIoMember(own.address().port, topic, from('b'));
    await assert.rejects(rawSocketIoMember(own.address().port, topic, from('c')), /handshake refused with HTTP 400/);
    assert.equal(own.stats().refused.total, 1);

    const http = createServer();
    httpServers.push(http);
    const io = new IoServer(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const shared = await ioRelay({ io, maxConnections: 2, ...byHeader });
    const { port } = shared.address();
    const first = await rawSocketIoMember(port, topic, from('a'));
    const second = await rawSocketIoMember(port, topic, from('b'));
    const third = await rawSocketIoMember(port, topic, from('c'));
    sockets.push(first.ws, second.ws, third.ws);
    assert.deepEqual(third.refusal, { message: 'relay full', data: { code: 'unavailable' } });
    assert.equal(shared.stats().refused.total, 1);
    first.ws.close();
    await until(() => shared.stats().sockets === 1, 'a place to free up');
    assert.equal((await rawSocketIoMember(port, topic, from('c'))).refusal, null);
    await shared.close();
    io.close();
  });

  test('topics must be blinded (32 lowercase hex) unless the topics option allows others', limit, async () => {
    const badTopic = { message: 'bad topic', data: { code: 'bad-topic' } };
    const strict = await ioRelay();
    for (const topic of ['topic1', hexTopic().toUpperCase(), hexTopic().slice(1), 'ch-7']) {
      const member = await rawSocketIoMember(strict.address().port, topic);
      sockets.push(member.ws);
      assert.deepEqual(member.refusal, badTopic, topic);
    }
    assert.equal((await rawSocketIoMember(strict.address().port, hexTopic())).refusal, null);
    assert.equal(strict.stats().refused.badTopic, 4);

    const any = await ioRelay({ topics: 'any' });
    assert.equal((await rawSocketIoMember(any.address().port, 'ch-7')).refusal, null);
    const channels = await ioRelay({ topics: /^ch-\d{1,4}$/ });
    assert.equal((await rawSocketIoMember(channels.address().port, 'ch-42')).refusal, null);
    assert.deepEqual((await rawSocketIoMember(channels.address().port, hexTopic())).refusal, badTopic);
  });

  test('bad limit options throw a TypeError at once', limit, () => {
    const io = new IoServer();
    const cases: Array<[unknown, string]> = [
      [{ topics: /x/, maxConnections: 0 }, 'createSocketIoRelay: maxConnections must be an integer >= 1'],
      [{ topics: 7 }, "createSocketIoRelay: topics must be 'blinded', 'any' or a RegExp"],
      [{ heartbeatMs: -5 }, 'createSocketIoRelay: heartbeatMs must be an integer >= 1'],
      [{ io, heartbeatMs: 1000 }, 'createSocketIoRelay: with io, set pingInterval and pingTimeout on your Socket.IO Server instead of heartbeatMs'],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => createSocketIoRelay(options as SocketIoRelayServerOptions), { name: 'TypeError', message: 'secure-meeting: ' + message });
    }
  });
});
