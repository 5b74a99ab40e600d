/**
 * A real, throwaway redis-server for the tests that scale the Socket.IO relay
 * out with @socket.io/redis-adapter: loopback only, on a free port, nothing
 * written to disk.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, stopper } from './wait.js';

export interface RedisProcess {
  readonly port: number;
  readonly pid: number;
  /** `redis://127.0.0.1:<port>`, for createClient({ url }). */
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/** redis-server from PATH, or where Debian puts it. */
export function findRedisServer(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin', '/usr/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('redis-server not found (on Debian: apt-get install redis-server); the Redis adapter tests need it');
}

export async function startRedis(): Promise<RedisProcess> {
  const binary = findRedisServer();
  // The free port may be taken between asking and binding; try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary, await freePort());
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

function startOnce(binary: string, port: number): Promise<RedisProcess> {
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const stop = stopper(child);
  return new Promise<RedisProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`redis-server did not get ready in time:\n${output}`));
    }, 10_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      resolve({ port, pid: child.pid!, url: `redis://127.0.0.1:${port}`, stop });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}
