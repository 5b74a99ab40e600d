/**
 * One of our relays (Socket.IO or ws) in a process of its own: a test can
 * really kill it (SIGKILL: the kernel drops its connections, no polite
 * goodbye) and start it again on the same port, and a benchmark measures it
 * without the clients sharing its event loop.
 *
 * As a script: `node --import tsx test/support/relay-process.ts <socketio|websocket> '<options JSON>'`
 * prints `ready <port>` once listening and exits when its stdin closes (the
 * test process is gone). As a module: spawnRelay() does that for you.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { WebSocket, WebSocketServer } from 'ws';
import { redisCluster, type RelayCluster } from '../../adapters/websocket/cluster.js';
import { createRelayServer } from '../../adapters/websocket/server.js';
import { createSocketIoRelay, type SocketIoRelayServerOptions } from '../../adapters/socketio/server.js';
import { sleep } from './wait.js';

/** `bare`: a plain `ws` broadcast server with no checks and no limits, the floor the benchmarks set ours beside. */
export type RelayKind = 'socketio' | 'websocket' | 'bare';

/** The options that survive JSON (`namespace` is the Socket.IO relay's only; the ws relay's path is always /relay/). */
export type RelayProcessOptions = Pick<
  SocketIoRelayServerOptions,
  'port' | 'apiKeys' | 'maxPayload' | 'maxMembersPerTopic' | 'rateLimit' | 'path' | 'namespace' | 'maxConnectionsPerAddress' | 'maxConnections'
> & {
  /** The ws relay only: a Redis URL to act as one with the other instances on it (adapters/websocket/cluster.ts). */
  redis?: string;
};

export interface RelayProcess {
  readonly port: number;
  /** Its process id, e.g. to read its memory from /proc. */
  readonly pid: number;
  /** SIGKILL, and waits for the process to be gone. Idempotent. */
  kill(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Starts the relay in a child process; on the same port again if it is still being released. */
export async function spawnRelay(kind: RelayKind, options: RelayProcessOptions = {}): Promise<RelayProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnOnce(kind, options);
    } catch (error) {
      if (attempt >= 20 || options.port === undefined || options.port === 0) throw error;
      await sleep(50);
    }
  }
}

function spawnOnce(kind: RelayKind, options: RelayProcessOptions): Promise<RelayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, kind, JSON.stringify(options)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise<RelayProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`the ${kind} relay process did not start in time:\n${output}`));
    }, 15_000);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const port = /^ready (\d+)$/m.exec(output)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      resolve({ port: Number(port), pid: child.pid!, kill });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the ${kind} relay process exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

async function main(): Promise<void> {
  const kind = process.argv[2] as RelayKind;
  const options = JSON.parse(process.argv[3] ?? '{}') as RelayProcessOptions;
  const port = options.port ?? 0;
  const { namespace: _namespace, path: _path, redis, ...common } = options;
  const relay = kind === 'bare'
    ? bareRelay(port)
    : kind === 'websocket'
      ? createRelayServer({ ...common, port, path: '/relay/', ...(redis ? { cluster: await cluster(redis) } : {}) })
      : createSocketIoRelay({ ...options, port });
  try {
    await relay.ready;
  } catch (error) {
    process.stderr.write(`cannot listen: ${String(error)}\n`);
    process.exit(1);
  }
  process.stdout.write(`ready ${relay.address().port}\n`);
  // The test process is gone (or done with us): no orphan left listening.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

async function cluster(url: string): Promise<RelayCluster> {
  const publisher = createClient({ url, disableOfflineQueue: true });
  const subscriber = publisher.duplicate();
  await Promise.all([publisher.connect(), subscriber.connect()]);
  return redisCluster({ publisher, subscriber });
}

/** Every frame to every other socket on the same path: nothing checked, nothing capped. */
function bareRelay(port: number): { ready: Promise<void>; address(): AddressInfo } {
  const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 1 << 20 });
  const rooms = new Map<string, Set<WebSocket>>();
  wss.on('connection', (ws, req) => {
    const room = rooms.get(req.url ?? '/') ?? new Set<WebSocket>();
    rooms.set(req.url ?? '/', room);
    room.add(ws);
    ws.on('close', () => room.delete(ws));
    ws.on('message', (data, isBinary) => {
      for (const other of room) if (other !== ws) other.send(data, { binary: isBinary });
    });
  });
  return { ready: new Promise((resolve) => wss.once('listening', () => resolve())), address: () => wss.address() as AddressInfo };
}

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) await main();
