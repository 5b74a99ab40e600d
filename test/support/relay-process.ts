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
import { createRelayServer } from '../../adapters/websocket/server.js';
import { createSocketIoRelay, type SocketIoRelayServerOptions } from '../../adapters/socketio/server.js';
import { sleep } from './wait.js';

export type RelayKind = 'socketio' | 'websocket';

/** The options that survive JSON (`namespace` is the Socket.IO relay's only; the ws relay's path is always /relay/). */
export type RelayProcessOptions = Pick<
  SocketIoRelayServerOptions,
  'port' | 'apiKeys' | 'maxPayload' | 'maxMembersPerTopic' | 'rateLimit' | 'path' | 'namespace' | 'maxConnectionsPerAddress'
>;

export interface RelayProcess {
  readonly port: number;
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
      resolve({ port: Number(port), kill });
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
  const { namespace: _namespace, path: _path, ...common } = options;
  const relay = kind === 'websocket'
    ? createRelayServer({ ...common, port, path: '/relay/' })
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

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) await main();
