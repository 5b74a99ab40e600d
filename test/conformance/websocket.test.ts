import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { SecureMeetingError } from '../../core/errors.js';
import { websocketRelay } from '../../adapters/websocket/index.js';
import { createRelayServer, type RelayServer } from '../../adapters/websocket/server.js';
import { freePort, sleep, until } from '../support/wait.js';
import { runConformance } from './suite.js';

const API_KEY = 'conformance-key';
const reconnect = { initialDelayMs: 20, maxDelayMs: 100 };

runConformance('websocket (our ws relay)', {
  checksCredentials: true,
  refusesTopics: true,
  async start() {
    let relay: RelayServer = createRelayServer({ port: 0, apiKeys: [API_KEY] });
    await relay.ready;
    const { port } = relay.address();
    const url = `ws://127.0.0.1:${port}/relay/[TOPIC]?apiKey=[API_KEY]`;
    return {
      adapter: () => websocketRelay({ url, apiKey: API_KEY, WebSocket, reconnect }),
      refused: () => websocketRelay({ url, apiKey: 'not-the-key', WebSocket, reconnect }),
      // The relay only takes topics of [A-Za-z0-9_-]{1,128}.
      denied: () => ({ adapter: websocketRelay({ url, apiKey: API_KEY, WebSocket, reconnect }), target: { topic: 'no/such topic', channel: '1' } }),
      async restart() {
        await relay.close();
        relay = createRelayServer({ port, apiKeys: [API_KEY] });
        await relay.ready;
      },
      close: () => relay.close(),
    };
  },
  async unreachable() {
    return websocketRelay({ url: `ws://127.0.0.1:${await freePort()}/relay/[TOPIC]`, WebSocket, reconnect });
  },
});

describe('websocket: warm(target) opens the topic\'s socket ahead', () => {
  const member = (adapter: ReturnType<typeof websocketRelay>, topic: string) => {
    const m = { messages: [] as string[], errors: [] as SecureMeetingError[] };
    const conn = adapter.connect({ topic, channel: '1' }, { message: (d) => m.messages.push(d), state: () => {}, error: (e) => m.errors.push(e) });
    return { ...m, conn };
  };

  test('connect() takes the socket warm(target) opened: one socket on the topic, open at once, delivery works; warm() without a target opens none', { timeout: 30_000 }, async () => {
    const relay = createRelayServer({ port: 0 });
    await relay.ready;
    try {
      const url = `ws://127.0.0.1:${relay.address().port}/relay/[TOPIC]`;
      const topic = 'c'.repeat(32);
      const adapter = websocketRelay({ url, WebSocket, reconnect });
      adapter.warm!(); // keys still being derived: no topic, nothing to dial
      await sleep(200);
      assert.equal(relay.connections(), 0);
      adapter.warm!({ topic, channel: '1' });
      await until(() => relay.connections(topic) === 1, 'the warm socket', 10_000);
      adapter.warm!({ topic, channel: '1' }); // the form still again: the same socket kept
      await sleep(200);
      assert.equal(relay.connections(topic), 1);
      const a = member(adapter, topic);
      await until(() => a.conn.state === 'open', 'a open on the warm socket', 10_000);
      const b = member(websocketRelay({ url, WebSocket, reconnect }), topic);
      await until(() => b.conn.state === 'open', 'b open', 10_000);
      assert.equal(relay.connections(topic), 2, 'a took the warm socket; only b dialled');
      assert.equal(a.conn.publish('hello from a'), true);
      await until(() => b.messages.length === 1, 'delivery', 10_000);
      assert.equal(b.conn.publish('hello from b'), true);
      await until(() => a.messages.length === 1, 'delivery to the warm socket', 10_000);
      assert.deepEqual([a.messages, b.messages, a.errors, b.errors], [['hello from b'], ['hello from a'], [], []]);
      a.conn.close();
      b.conn.close();
    } finally {
      await relay.close();
    }
  });

  test('another topic warmed closes the first socket, and connect() to a topic not warmed dials its own', { timeout: 30_000 }, async () => {
    const relay = createRelayServer({ port: 0 });
    await relay.ready;
    try {
      const url = `ws://127.0.0.1:${relay.address().port}/relay/[TOPIC]`;
      const [first, second, third] = ['d', 'e', 'f'].map((c) => c.repeat(32)) as [string, string, string];
      const adapter = websocketRelay({ url, WebSocket, reconnect });
      adapter.warm!({ topic: first, channel: '1' });
      await until(() => relay.connections(first) === 1, 'the first warm socket', 10_000);
      adapter.warm!({ topic: second, channel: '1' }); // the password changed
      await until(() => relay.connections(first) === 0 && relay.connections(second) === 1, 'the first closed, the second open', 10_000);
      const c = member(adapter, third);
      await until(() => c.conn.state === 'open', 'open on a socket of its own', 10_000);
      await until(() => relay.connections(second) === 0, 'the unused warm socket closed', 10_000);
      assert.equal(relay.connections(third), 1);
      c.conn.close();
    } finally {
      await relay.close();
    }
  });
});
