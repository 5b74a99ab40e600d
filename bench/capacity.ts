/**
 * Relay capacity (`BENCH_ONLY=capacity`): what one instance of our WebSocket
 * relay holds, and two instances on one Redis, beside the floor (a bare `ws`
 * broadcast server that checks and limits nothing), in one run:
 * - idle connections per GB: members that only hold their socket, by how
 *   much the relay processes' resident memory grew (Redis's too, for two
 *   instances);
 * - the highest delivery rate whose p99 publish → arrival stays under 100 ms:
 *   topics of four members, every member sending 1 KiB frames stamped with
 *   their send time, at rising rates (open loop), 2 s per step.
 * Every relay runs in a process of its own; the clients share this one, and
 * all share the machine's two cores, so the rates are a floor for the relay,
 * alike for every column.
 */
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { spawnRelay, type RelayKind, type RelayProcessOptions } from '../test/support/relay-process.js';
import { startRedis, type RedisProcess } from '../test/support/redis.js';
import { sleep, until } from '../test/support/wait.js';

const IDLE = Number(process.env['BENCH_IDLE'] ?? 2000);
const MEMBERS = 4;
const TOPICS = Number(process.env['BENCH_CAPACITY_TOPICS'] ?? 50);
const SIZE = 1024;
const STEP_MS = 2000;
/** Deliveries per second tried, in order (×1.5 each), until p99 passes 100 ms or deliveries fall behind. */
const RATES = Array.from({ length: 12 }, (_, i) => Math.round((3_000 * 1.5 ** i) / 100) * 100);
/** Rounds of the throughput steps, each column once per round (interleaved: the machine's drift touches all alike). */
const ROUNDS = Number(process.env['BENCH_CAPACITY_RUNS'] ?? 3);
const GiB = 1024 ** 3;

export interface CapacityFigures {
  relay: string;
  idleConnectionsPerGB: number;
  /** Highest rate tried with p99 under 100 ms, and the p99 there: the median of the rounds. */
  deliveriesPerSecond: number;
  p99Ms: number;
  /** Each round's highest rate. */
  rounds: number[];
}

/** Resident memory of a process, from /proc (Linux). */
function rss(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) * 1024;
}

interface Instances {
  urls: string[];
  pids: number[];
  close(): Promise<void>;
}

async function instances(kind: RelayKind, count: number, redis?: RedisProcess): Promise<Instances> {
  // Every bench client connects from 127.0.0.1: lift the per-address and total caps, and the rate limit.
  const options: RelayProcessOptions = {
    port: 0,
    rateLimit: false,
    maxMembersPerTopic: MEMBERS,
    maxConnectionsPerAddress: IDLE * 2,
    maxConnections: IDLE * 2,
    ...(redis ? { redis: redis.url } : {}),
  };
  const started = await Promise.all(Array.from({ length: count }, () => spawnRelay(kind, options)));
  return {
    urls: started.map((r) => `ws://127.0.0.1:${r.port}/relay/`),
    pids: [...started.map((r) => r.pid), ...(redis ? [redis.pid] : [])],
    close: async () => void (await Promise.all(started.map((r) => r.kill()))),
  };
}

const topicOf = (run: string, t: number): string => `${run}${String(t).padStart(6, '0')}`.padEnd(32, '0');

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function idlePerGB(at: Instances): Promise<number> {
  const before = at.pids.reduce((n, pid) => n + rss(pid), 0);
  const run = Date.now().toString(16);
  const sockets: WebSocket[] = [];
  try {
    // In batches: a burst of thousands of handshakes measures the kernel's accept queue, not the relay.
    for (let i = 0; i < IDLE; i += 100) {
      const batch = Array.from({ length: Math.min(100, IDLE - i) }, (_, k) => {
        const n = i + k;
        return open(at.urls[n % at.urls.length]! + topicOf(run, Math.floor(n / MEMBERS)));
      });
      sockets.push(...(await Promise.all(batch)));
    }
    await sleep(1000);
    const grown = at.pids.reduce((n, pid) => n + rss(pid), 0) - before;
    return Math.round(IDLE / (Math.max(grown, 1) / GiB));
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}

/** One step at `rate` deliveries/s; the p99 in ms, or Infinity when deliveries fell behind. */
async function step(members: WebSocket[][], rate: number): Promise<number> {
  const latencies: number[] = [];
  const onMessage = (data: Buffer): void => {
    const text = data.toString();
    latencies.push(performance.now() - Number(text.slice(0, text.indexOf('|'))));
  };
  for (const ws of members.flat()) ws.on('message', onMessage);
  const sendsPerSecond = rate / (MEMBERS - 1);
  const padding = 'x'.repeat(SIZE);
  const all = members.flat();
  let sent = 0;
  const t0 = performance.now();
  try {
    while (performance.now() - t0 < STEP_MS) {
      const due = Math.floor(((performance.now() - t0) / 1000) * sendsPerSecond);
      for (; sent < due; sent++) {
        const ws = all[sent % all.length]!;
        const head = `${performance.now()}|`;
        ws.send(head + padding.slice(head.length));
      }
      await new Promise((r) => setImmediate(r));
    }
    const expected = sent * (MEMBERS - 1);
    await until(() => latencies.length >= expected, 'the deliveries', 5_000).catch(() => {});
    if (latencies.length < expected * 0.999) return Infinity;
    latencies.sort((a, b) => a - b);
    return latencies[Math.floor(latencies.length * 0.99)]!;
  } finally {
    for (const ws of all) ws.off('message', onMessage);
  }
}

async function throughput(at: Instances): Promise<{ deliveriesPerSecond: number; p99Ms: number }> {
  const run = Date.now().toString(16);
  const topics: WebSocket[][] = [];
  try {
    for (let t = 0; t < TOPICS; t++) {
      // With two instances, two members of each topic on each: half the deliveries cross Redis.
      topics.push(await Promise.all(Array.from({ length: MEMBERS }, (_, m) => open(at.urls[m % at.urls.length]! + topicOf(run, t)))));
    }
    await sleep(300);
    let best = { deliveriesPerSecond: 0, p99Ms: 0 };
    for (const rate of RATES) {
      const p99 = await step(topics, rate);
      if (!(p99 < 100)) break;
      best = { deliveriesPerSecond: rate, p99Ms: Math.round(p99 * 10) / 10 };
      await sleep(500);
    }
    return best;
  } finally {
    for (const ws of topics.flat()) ws.terminate();
  }
}

export async function capacityFigures(): Promise<CapacityFigures[]> {
  const redis = await startRedis();
  const columns: Array<[string, () => Promise<Instances>]> = [
    ['floor: bare ws broadcast, 1 process', () => instances('bare', 1)],
    ['our ws relay, 1 instance', () => instances('websocket', 1)],
    ['our ws relay, 2 instances on Redis', () => instances('websocket', 2, redis)],
  ];
  const idle: number[] = [];
  const best: Array<Array<{ deliveriesPerSecond: number; p99Ms: number }>> = columns.map(() => []);
  try {
    for (const [, make] of columns) {
      const at = await make();
      idle.push(await idlePerGB(at).finally(() => at.close()));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [, make]] of columns.entries()) {
        const at = await make();
        best[i]!.push(await throughput(at).finally(() => at.close()));
      }
    }
  } finally {
    await redis.stop();
  }
  return columns.map(([relay], i) => {
    const sorted = [...best[i]!].sort((a, b) => a.deliveriesPerSecond - b.deliveriesPerSecond);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return { relay, idleConnectionsPerGB: idle[i]!, ...median, rounds: best[i]!.map((b) => b.deliveriesPerSecond) };
  });
}

export function printCapacityFigures(figures: CapacityFigures[]): void {
  console.log(`\nRelay capacity: ${IDLE} idle members; ${TOPICS} topics of ${MEMBERS}, 1 KiB frames, p99 under 100 ms`);
  console.log(`| relay | idle connections per GB | deliveries/s at p99 < 100 ms, median of ${ROUNDS} | p99 there | each round |`);
  console.log('| --- | --- | --- | --- | --- |');
  for (const f of figures) console.log(`| ${f.relay} | ${f.idleConnectionsPerGB} | ${f.deliveriesPerSecond} | ${f.p99Ms} ms | ${f.rounds.join(', ')} |`);
}
