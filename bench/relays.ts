/**
 * Relay throughput and delivery latency, measured from Node through each
 * adapter against its real server on loopback: our ws relay and our
 * Socket.IO relay (each in a process of its own, as Mosquitto is), and a
 * Mosquitto broker, the reference. Many topics of four members each; every
 * member publishes envelope-sized strings that stamp when they were sent, and
 * every other member of its topic records when each arrived. The relays'
 * rate limits are off: this measures the relays, not the limits a deployment
 * sets. All the clients share this one process, alike for every relay.
 */
import { WebSocket } from 'ws';
import type { RelayAdapter, RelayConnection } from '../core/relay.js';
import { websocketRelay } from '../adapters/websocket/index.js';
import { mqttRelay } from '../adapters/mqtt/index.js';
import { socketioRelay } from '../adapters/socketio/index.js';
import { startMosquitto } from '../test/support/mosquitto.js';
import { spawnRelay } from '../test/support/relay-process.js';
import { until } from '../test/support/wait.js';

export interface RelayFigures {
  relay: string;
  topics: number;
  membersPerTopic: number;
  /** Envelopes delivered per second, all topics together (one publish to a topic of 4 = 3 deliveries). */
  deliveriesPerSecond: number;
  /** Publish → arrival at another member, median and 99th percentile, under that load. */
  p50Ms: number;
  p99Ms: number;
}

const TOPICS = Number(process.env['BENCH_TOPICS'] ?? 25);
const MEMBERS = 4;
/** Messages each member publishes, one per round. */
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 40);
/** About the size of a sealed envelope carrying an SDP offer. */
const SIZE = 1024;

const percentile = (sorted: number[], p: number): number =>
  Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;

async function measure(relay: string, adapter: RelayAdapter): Promise<RelayFigures> {
  const latencies: number[] = [];
  let delivered = 0;
  const onMessage = (text: string): void => {
    const sentAt = Number(text.slice(0, text.indexOf('|')));
    latencies.push(performance.now() - sentAt);
    delivered += 1;
  };
  const conns: RelayConnection[] = [];
  const run = Date.now().toString(16);
  try {
    for (let t = 0; t < TOPICS; t++) {
      // Blinded-looking (32 hex), as the relays require by default.
      const topic = `${run}${String(t).padStart(4, '0')}`.padEnd(32, '0');
      for (let m = 0; m < MEMBERS; m++) {
        conns.push(adapter.connect({ topic, channel: String(t + 1) }, { message: onMessage, state: () => {}, error: () => {} }));
      }
    }
    await until(() => conns.every((c) => c.state === 'open'), `${relay}: all ${conns.length} members open`, 30_000);
    // Let subscriptions settle everywhere before the clock starts.
    await new Promise((r) => setTimeout(r, 300));

    const expected = TOPICS * MEMBERS * ROUNDS * (MEMBERS - 1);
    const padding = 'x'.repeat(SIZE);
    const t0 = performance.now();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, conn] of conns.entries()) {
        const head = `${performance.now()}|${round}|${i}|`;
        if (!conn.publish(head + padding.slice(head.length))) throw new Error(`${relay}: publish refused in round ${round}`);
      }
      // Let the sockets drain and deliveries land between rounds, as members' event loops would.
      await new Promise((r) => setImmediate(r));
    }
    await until(() => delivered >= expected, `${relay}: ${expected} deliveries (have ${delivered})`, 120_000);
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      relay,
      topics: TOPICS,
      membersPerTopic: MEMBERS,
      deliveriesPerSecond: Math.round(expected / seconds),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
  } finally {
    for (const c of conns) c.close();
  }
}

export async function relayFigures(): Promise<RelayFigures[]> {
  const out: RelayFigures[] = [];
  const reconnect = false as const;

  // Every bench client connects from 127.0.0.1: lift the per-address cap for them.
  const ws = await spawnRelay('websocket', { port: 0, rateLimit: false, maxMembersPerTopic: MEMBERS, maxConnectionsPerAddress: TOPICS * MEMBERS });
  try {
    out.push(await measure('WebSocket relay (ws)', websocketRelay({ url: `ws://127.0.0.1:${ws.port}/relay/[TOPIC]`, WebSocket, reconnect })));
  } finally {
    await ws.kill();
  }

  const sio = await spawnRelay('socketio', { port: 0, rateLimit: false, maxMembersPerTopic: MEMBERS, maxConnectionsPerAddress: TOPICS * MEMBERS });
  try {
    out.push(await measure('Socket.IO relay', socketioRelay({ url: `http://127.0.0.1:${sio.port}`, reconnect })));
  } finally {
    await sio.kill();
  }

  const mosquitto = await startMosquitto();
  try {
    out.push(await measure('Mosquitto 2.0 (MQTT 5 over WebSockets, QoS 0), reference', mqttRelay({ url: mosquitto.url, reconnect })));
  } finally {
    await mosquitto.close();
  }
  return out;
}
