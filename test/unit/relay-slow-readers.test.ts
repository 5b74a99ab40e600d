/**
 * Issue 10: members that never read must not make a relay run out of memory.
 * Five sockets stop reading and send pongs nobody asked for, once a second,
 * while one member publishes 60 KB frames at the rate limit (50/s) for 25 s
 * to them and to one member that reads. Real relays, real sockets, real TCP
 * back-pressure on loopback.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { createRelayServer, type RelayServer, type RelayServerOptions } from '../../adapters/websocket/server.js';
import { createSocketIoRelay, type SocketIoRelay } from '../../adapters/socketio/server.js';
import { hexTopic, rawSocketIoMember, sleep, stopReading } from './relay-clients.js';
import { until } from '../support/wait.js';

const MiB = 1024 * 1024;
const FRAME = 'x'.repeat(60_000);
const PUBLISH_MS = 25_000;
/** The relays' default rate limit; the bucket starts full, so 1 + 50·t frames by time t never trip it. */
const PER_SECOND = 50;

const relays: Array<RelayServer | SocketIoRelay> = [];
const cleanups: Array<() => void> = [];
after(async () => {
  for (const cleanup of cleanups) cleanup();
  await Promise.all(relays.map((relay) => relay.close()));
}, { timeout: 30_000 });

/**
 * Publishes FRAME at the rate limit for `ms` (or until `stop`); returns how
 * many it sent. After a stall of this busy machine it catches up two frames
 * per tick, not all at once: a burst of seconds' worth would pass the buffer
 * cap of the member that does read.
 */
async function publish(send: (frame: string) => void, ms: number, stop: () => boolean = () => false): Promise<number> {
  const start = performance.now();
  let sent = 0;
  for (let elapsed = 0; elapsed < ms && !stop(); elapsed = performance.now() - start) {
    const due = 1 + Math.floor((elapsed / 1000) * PER_SECOND);
    for (let now = 0; sent < due && now < 2; now++, sent++) send(FRAME);
    await sleep(20);
  }
  return sent;
}

/** The highest value `read` took while it was sampled; call the result to stop. */
function peakOf(read: () => number): () => number {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, read());
  }, 25);
  cleanups.push(() => clearInterval(timer));
  return () => {
    clearInterval(timer);
    return Math.max(peak, read());
  };
}

/** Five `ws` members that never read and send an empty pong now and every second. */
async function slowWsMembers(url: string): Promise<WebSocket[]> {
  const sockets = await Promise.all(Array.from({ length: 5 }, () => openWs(url)));
  for (const ws of sockets) {
    stopReading(ws);
    ws.pong();
    const timer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.pong(), 1000);
    cleanups.push(() => clearInterval(timer));
  }
  return sockets;
}

async function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  cleanups.push(() => ws.terminate());
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('close', reject);
  });
  return ws;
}

/** A ws relay and, on one topic, a member that publishes and one that reads. */
async function wsRoom(options: RelayServerOptions): Promise<{ relay: RelayServer; topic: string; url: string; publisher: WebSocket; reader: WebSocket; received: () => number }> {
  const relay = createRelayServer(options);
  relays.push(relay);
  await relay.ready;
  const topic = hexTopic();
  const url = `ws://127.0.0.1:${relay.address().port}/relay/${topic}`;
  const publisher = await openWs(url);
  const reader = await openWs(url);
  let received = 0;
  reader.on('message', () => received++);
  return { relay, topic, url, publisher, reader, received: () => received };
}

describe('relay servers under members that never read', () => {
  test('ws relay: the slow members are closed within two heartbeats; buffered bytes stay under cap × connections', { timeout: 90_000 }, async () => {
    const { relay, topic, url, publisher, reader, received } = await wsRoom({ heartbeatMs: 1000 });
    const before = relay.stats().heartbeats;
    await slowWsMembers(url);
    const connections = relay.connections(topic);
    assert.equal(connections, 7);
    let goneAfter: number | undefined;
    const watch = setInterval(() => {
      if (goneAfter === undefined && relay.connections(topic) === 2) goneAfter = relay.stats().heartbeats - before;
    }, 10);
    cleanups.push(() => clearInterval(watch));
    const peak = peakOf(() => relay.stats().bufferedBytes);

    const sent = await publish((frame) => publisher.send(frame), PUBLISH_MS);
    const highest = peak();
    clearInterval(watch);

    assert.ok(goneAfter !== undefined && goneAfter <= 2, `slow members gone after ${goneAfter} heartbeats`);
    const { dropped, ignoredPongs } = relay.stats();
    assert.equal(dropped.heartbeat + dropped.slow, 5, JSON.stringify(dropped));
    assert.ok(ignoredPongs >= 5, `ignored pongs: ${ignoredPongs}`);
    assert.ok(highest < MiB * connections, `peak buffered ${highest} bytes`);
    // The member that reads got everything, and nobody who keeps up was dropped.
    await until(() => received() === sent, `the reader to get all ${sent} frames (has ${received()})`, 15_000);
    assert.equal(publisher.readyState, WebSocket.OPEN);
    assert.equal(reader.readyState, WebSocket.OPEN);
    assert.equal(relay.connections(topic), 2);
  });

  test('ws relay without a heartbeat: the buffer cap alone drops the slow members', { timeout: 90_000 }, async () => {
    const cap = 256 * 1024;
    const { relay, topic, url, publisher, received } = await wsRoom({ heartbeatMs: 0, maxBufferedBytes: cap });
    await slowWsMembers(url);
    const peak = peakOf(() => relay.stats().bufferedBytes);

    // Until the kernel's socket buffers are full nothing waits in the relay; then the cap decides.
    const sent = await publish((frame) => publisher.send(frame), 30_000, () => relay.stats().dropped.slow === 5);
    const highest = peak();

    assert.equal(relay.stats().dropped.slow, 5);
    assert.ok(highest < cap * 7, `peak buffered ${highest} bytes`);
    await until(() => received() === sent, `the reader to get all ${sent} frames (has ${received()})`, 15_000);
    assert.equal(relay.connections(topic), 2);
  });

  test('Socket.IO relay: the slow members are closed within two heartbeats; buffered bytes stay under cap × connections', { timeout: 90_000 }, async () => {
    const relay = createSocketIoRelay({ heartbeatMs: 1000 });
    relays.push(relay);
    await relay.ready;
    const { port } = relay.address();
    const topic = hexTopic();
    /** Pings the relay sent each connection, by Engine.IO session id, and when each closed. */
    const pings = new Map<string, number>();
    const closedAfter = new Map<string, number>();
    relay.io.engine.on('connection', (conn: { id: string; on: (e: string, f: (p: { type: string }) => void) => void; once: (e: string, f: () => void) => void }) => {
      pings.set(conn.id, 0);
      conn.on('packetCreate', (packet) => packet.type === 'ping' && pings.set(conn.id, (pings.get(conn.id) ?? 0) + 1));
      conn.once('close', () => closedAfter.set(conn.id, pings.get(conn.id) ?? 0));
    });
    const member = async (): Promise<ClientSocket> => {
      const socket = connectClient(`http://127.0.0.1:${port}/secure-meeting`, { auth: { topic }, transports: ['websocket'], forceNew: true, reconnection: false });
      cleanups.push(() => socket.disconnect());
      await new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(undefined));
        socket.once('connect_error', reject);
      });
      return socket;
    };
    const publisher = await member();
    const reader = await member();
    let received = 0;
    reader.on('message', () => received++);

    const slow = await Promise.all(Array.from({ length: 5 }, () => rawSocketIoMember(port, topic)));
    for (const { ws, refusal } of slow) {
      assert.equal(refusal, null);
      cleanups.push(() => ws.terminate());
      stopReading(ws);
      ws.send('3');
      const timer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('3'), 1000);
      cleanups.push(() => clearInterval(timer));
    }
    const connections = relay.connections(topic);
    assert.equal(connections, 7);
    const peak = peakOf(() => relay.stats().bufferedBytes);

    const sent = await publish((frame) => publisher.send(frame), PUBLISH_MS);
    const highest = peak();

    for (const { sid } of slow) {
      const heartbeats = closedAfter.get(sid);
      assert.ok(heartbeats !== undefined && heartbeats <= 2, `slow member ${sid} closed after ${heartbeats} pings`);
    }
    const { dropped, ignoredPongs } = relay.stats();
    assert.equal(dropped.heartbeat + dropped.slow, 5, JSON.stringify(dropped));
    assert.ok(ignoredPongs >= 5, `ignored pongs: ${ignoredPongs}`);
    assert.ok(highest < MiB * connections, `peak buffered ${highest} bytes`);
    await until(() => received === sent, `the reader to get all ${sent} frames (has ${received})`, 15_000);
    assert.equal(publisher.connected && reader.connected, true);
    assert.equal(relay.connections(topic), 2);
  });
});
