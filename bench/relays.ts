/**
 * Relay throughput and round trip, measured from Node through each adapter
 * against its real server on loopback: our ws relay, our Socket.IO relay and
 * a Mosquitto broker. One member publishes envelope-sized strings to three
 * others on one topic; a second pass bounces a message between two members.
 * The relays' rate limits are off here: this measures the relays, not the
 * limits a deployment sets.
 */
import { WebSocket } from 'ws';
import type { RelayAdapter, RelayConnection } from '../core/relay.js';
import { websocketRelay } from '../adapters/websocket/index.js';
import { createRelayServer } from '../adapters/websocket/server.js';
import { mqttRelay } from '../adapters/mqtt/index.js';
import { socketioRelay } from '../adapters/socketio/index.js';
import { createSocketIoRelay } from '../adapters/socketio/server.js';
import { startMosquitto } from '../test/support/mosquitto.js';
import { until } from '../test/support/wait.js';

export interface RelayFigures {
  relay: string;
  /** Messages per second, each delivered to all three receivers. */
  messagesPerSecond: number;
  /** Deliveries per second (messages × receivers). */
  deliveriesPerSecond: number;
  /** Median publish → reply → receive time between two members. */
  roundTripMs: number;
}

const MESSAGES = 2000;
const SIZE = 1024;
const ROUND_TRIPS = 200;

function payload(i: number): string {
  const head = `${i}:`;
  return head + 'x'.repeat(SIZE - head.length);
}

async function measure(relay: string, adapter: RelayAdapter): Promise<RelayFigures> {
  const topic = `bench${Date.now().toString(16)}`.padEnd(32, '0');
  const inboxes: string[][] = [];
  /** Resolvers for an expected message, so a round trip is timed to the event, not to a polling tick. */
  const waiters = new Map<string, () => void>();
  const handlersFor = (inbox: string[], member: number) => ({
    message: (m: string) => {
      inbox.push(m);
      waiters.get(`${member}|${m}`)?.();
    },
    state: () => {},
    error: () => {},
  });
  const arrival = (member: number, m: string) => new Promise<void>((resolve, reject) => {
    const key = `${member}|${m}`;
    const timer = setTimeout(() => reject(new Error(`${relay}: ${m} never reached member ${member}`)), 5000);
    waiters.set(key, () => {
      clearTimeout(timer);
      waiters.delete(key);
      resolve();
    });
  });
  const conns: RelayConnection[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const inbox: string[] = [];
      inboxes.push(inbox);
      conns.push(adapter.connect({ topic, channel: '1' }, handlersFor(inbox, i)));
    }
    await until(() => conns.every((c) => c.state === 'open'), `${relay}: all open`, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    const [sender] = conns as [RelayConnection];
    const receivers = inboxes.slice(1);

    const t0 = performance.now();
    for (let i = 0; i < MESSAGES; i++) {
      if (!sender.publish(payload(i))) throw new Error(`${relay}: publish refused at ${i}`);
      // Let the socket drain now and then, as a real member's event loop would.
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await until(() => receivers.every((inbox) => inbox.length >= MESSAGES), `${relay}: all deliveries`, 60_000);
    const seconds = (performance.now() - t0) / 1000;

    // Round trips: member 1 answers every message from member 0.
    const [, echo] = conns as [RelayConnection, RelayConnection];
    const times: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const ping = arrival(1, `ping ${i}`);
      const pong = arrival(0, `pong ${i}`);
      const t = performance.now();
      sender.publish(`ping ${i}`);
      await ping;
      echo.publish(`pong ${i}`);
      await pong;
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return {
      relay,
      messagesPerSecond: Math.round(MESSAGES / seconds),
      deliveriesPerSecond: Math.round((MESSAGES * receivers.length) / seconds),
      roundTripMs: Math.round(times[Math.floor(times.length / 2)]! * 100) / 100,
    };
  } finally {
    for (const c of conns) c.close();
  }
}

export async function relayFigures(): Promise<RelayFigures[]> {
  const out: RelayFigures[] = [];
  const reconnect = false as const;

  const ws = createRelayServer({ port: 0, rateLimit: false });
  await ws.ready;
  try {
    out.push(await measure('WebSocket relay (ws)', websocketRelay({ url: `ws://127.0.0.1:${ws.address().port}/relay/[TOPIC]`, WebSocket, reconnect })));
  } finally {
    await ws.close();
  }

  const sio = createSocketIoRelay({ port: 0, rateLimit: false });
  await sio.ready;
  try {
    out.push(await measure('Socket.IO relay', socketioRelay({ url: `http://127.0.0.1:${sio.address().port}`, reconnect })));
  } finally {
    await sio.close();
  }

  const mosquitto = await startMosquitto();
  try {
    out.push(await measure('Mosquitto (MQTT over WebSockets, QoS 0)', mqttRelay({ url: mosquitto.url, reconnect })));
  } finally {
    await mosquitto.close();
  }
  return out;
}
