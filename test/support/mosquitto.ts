/**
 * A real Mosquitto broker for the MQTT tests: started from a generated
 * config in a temporary folder, on free loopback ports, and killed with the
 * test process. Nothing here is reused from the machine's own Mosquitto
 * setup (no /etc/mosquitto, no system service).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, sleep } from './wait.js';

export interface BrokerUser {
  username: string;
  password: string;
  /** ACL lines for this user, e.g. `topic readwrite secure-meeting/v1/#`. */
  acl: string[];
}

export interface MosquittoOptions {
  /** Given: anonymous clients are refused and only these users get in, each limited by its ACL. Omitted: anonymous, no ACL. */
  users?: BrokerUser[];
  /** More configuration lines, e.g. `message_size_limit 1000`. */
  extra?: string[];
}

export interface Mosquitto {
  /** The plain MQTT (TCP) listener. */
  readonly port: number;
  /** The WebSockets listener, which the adapter uses. */
  readonly wsPort: number;
  /** `ws://127.0.0.1:<wsPort>` */
  readonly url: string;
  /** What the broker wrote to stderr lately (its log), for failure messages. */
  log(): string;
  /**
   * Rewrites the password file and ACL with these users and has the running
   * broker reload them (SIGHUP); connected clients stay connected.
   */
  reloadUsers(users: BrokerUser[]): Promise<void>;
  /** SIGKILL (clients see their connection drop, no DISCONNECT) and start again on the same ports. */
  restart(): Promise<void>;
  /** SIGTERM, wait for the exit, remove the temporary folder. */
  close(): Promise<void>;
}

const LOG_LIMIT = 64 * 1024;

/** Where the mosquitto binary is: PATH first, then the sbin folders, which a non-root PATH often lacks (Debian puts it in /usr/sbin). */
export function findExecutable(name: string): string | null {
  const folders = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const folder of folders) {
    if (folder === '') continue;
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Brokers still running, killed if the test process exits without closing them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const binary = findExecutable('mosquitto');
  if (binary === null) {
    throw new Error('mosquitto not found on PATH or in /usr/sbin; install the "mosquitto" package (.ci/run does)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'sm-mosquitto-'));
  const port = await freePort();
  let wsPort = await freePort();
  while (wsPort === port) wsPort = await freePort();

  const passwordFile = join(dir, 'passwd');
  const aclFile = join(dir, 'acl');
  const lines = [
    // Started as root (CI, containers, `unshare -r`), Mosquitto drops to user "mosquitto",
    // which may not exist or may not read this folder; "root" keeps the current user.
    'user root',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    // "<client id> <qos> <topic>" for each subscription: the warm() tests count them.
    'log_type subscribe',
    'log_type unsubscribe',
    'per_listener_settings false',
    // Debian's 2.0.11 exits with "Unable to start any listening sockets" when only
    // websockets listeners are defined (fixed in 2.0.12), so a plain one comes first.
    `listener ${port} 127.0.0.1`,
    'protocol mqtt',
    `listener ${wsPort} 127.0.0.1`,
    'protocol websockets',
  ];
  if (options.users === undefined) {
    lines.push('allow_anonymous true');
  } else {
    writeUsers(options.users);
    lines.push('allow_anonymous false', `password_file ${passwordFile}`, `acl_file ${aclFile}`);
  }
  lines.push(...(options.extra ?? []));
  const config = join(dir, 'mosquitto.conf');
  function writeUsers(users: BrokerUser[]): void {
    writePasswordFile(passwordFile, users);
    const acl = users.map((user) => [`user ${user.username}`, ...user.acl, ''].join('\n')).join('\n');
    writeFileSync(aclFile, acl, { mode: 0o644 });
  }
  writeFileSync(config, lines.join('\n') + '\n', { mode: 0o644 });

  let child: ChildProcess | null = null;
  let log = '';
  /** SIGHUP reloads seen in the log so far (counted as they come: `log` keeps only its tail). */
  let reloads = 0;
  const spawnBroker = async (): Promise<void> => {
    const proc = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    running.add(proc);
    installExitHook();
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      log = (log + chunk).slice(-LOG_LIMIT);
      reloads += chunk.split('Reloading config').length - 1;
    });
    let exited: string | null = null;
    proc.once('error', (error) => (exited = `could not run ${binary}: ${error.message}`));
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      exited ??= `mosquitto exited (${signal ?? `code ${code}`})`;
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (exited !== null) throw new Error(`${exited} before listening\n${log}`);
      if ((await accepts(wsPort)) && (await accepts(port))) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`mosquitto did not listen on ${port} and ${wsPort} within 10 s\n${log}`);
      }
      await sleep(20);
    }
  };
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = null;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
  };

  try {
    await spawnBroker();
  } catch (error) {
    await stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    port,
    wsPort,
    url: `ws://127.0.0.1:${wsPort}`,
    log: () => log,
    async reloadUsers(users) {
      if (options.users === undefined) throw new Error('reloadUsers() needs a broker started with users');
      const proc = child;
      if (proc === null) throw new Error('mosquitto is not running');
      writeUsers(users);
      const before = reloads;
      proc.kill('SIGHUP');
      const deadline = Date.now() + 5000;
      while (reloads === before) {
        if (Date.now() > deadline) throw new Error(`mosquitto did not reload\n${log}`);
        await sleep(10);
      }
    },
    async restart() {
      await stop('SIGKILL');
      await spawnBroker();
    },
    async close() {
      await stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves true once something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * mosquitto_passwd when installed; otherwise the same `$7$` line it writes
 * (PBKDF2-HMAC-SHA512, 101 iterations, 12-byte salt, 64-byte hash, base64).
 */
function writePasswordFile(file: string, users: BrokerUser[]): void {
  const tool = findExecutable('mosquitto_passwd');
  if (tool !== null) {
    users.forEach((user, i) => {
      const args = i === 0 ? ['-b', '-c', file, user.username, user.password] : ['-b', file, user.username, user.password];
      const result = spawnSync(tool, args, { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`mosquitto_passwd failed: ${result.stderr || result.error?.message}`);
    });
  } else {
    writeFileSync(file, users.map((user) => passwordLine(user.username, user.password)).join('\n') + '\n');
  }
  // mosquitto_passwd creates it 0600; readable by the broker whatever user it ends up as.
  chmodSync(file, 0o644);
}

export function passwordLine(username: string, password: string): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(password, salt, 101, 64, 'sha512');
  return `${username}:$7$101$${salt.toString('base64')}$${hash.toString('base64')}`;
}
