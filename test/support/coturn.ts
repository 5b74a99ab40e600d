/**
 * A real, throwaway coturn (Debian's `turnserver`) for the TURN tests: UDP on
 * 127.0.0.1 only, the TURN REST API's shared secret (`use-auth-secret`),
 * relaying to loopback peers allowed (the members are on this machine), no
 * TLS, no CLI, nothing written outside a temporary folder. Ready once it
 * answers a STUN Binding request.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, stopper } from './wait.js';

export interface Coturn {
  readonly port: number;
  /** `turn:127.0.0.1:<port>?transport=udp`. */
  readonly url: string;
  readonly secret: string;
  /** Lines it logged so far. */
  log(): string;
  stop(): Promise<void>;
}

export function findTurnserver(): string {
  for (const candidate of ['/usr/bin/turnserver', '/usr/sbin/turnserver', '/usr/local/bin/turnserver']) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('turnserver not found (on Debian: apt-get install coturn); the TURN tests need it');
}

/** One STUN Binding request (RFC 8489 §5): whether anything answers on the port within `ms`. */
function stunAnswers(port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
    const done = (answered: boolean): void => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), ms);
    socket.once('message', () => done(true));
    socket.once('error', () => done(false));
    socket.send(request, port, '127.0.0.1');
  });
}

/** `verbose`: coturn logs each session's allocations and refreshes (bench/turn-long.ts reads them). */
export async function startCoturn({ verbose = false }: { verbose?: boolean } = {}): Promise<Coturn> {
  const binary = findTurnserver();
  const dir = mkdtempSync(join(tmpdir(), 'secure-meeting-coturn-'));
  const port = await freePort();
  const secret = randomBytes(18).toString('base64url');
  const child = spawn(binary, [
    '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=secure-meeting.test',
    '--no-tls', '--no-dtls', '--no-tcp', '--no-cli', '--allow-loopback-peers', '--fingerprint',
    '--min-port=49160', '--max-port=49200', '--log-file=stdout', '--simple-log',
    `--pidfile=${join(dir, 'turnserver.pid')}`, `--userdb=${join(dir, 'turndb')}`,
    ...(verbose ? ['--verbose'] : []),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = stopper(child, () => rmSync(dir, { recursive: true, force: true }));
  const deadline = Date.now() + 15_000;
  while (!(await stunAnswers(port, 200))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`coturn did not answer STUN on ${port}:\n${output}`);
    }
    await sleep(50);
  }
  return { port, url: `turn:127.0.0.1:${port}?transport=udp`, secret, log: () => output, stop };
}
