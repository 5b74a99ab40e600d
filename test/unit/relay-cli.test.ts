/**
 * `secure-meeting-relay` (adapters/cli/): its options from flags and
 * environment, --help, TURN credentials, and the relay it starts, in-process,
 * with real sockets: /healthz, /metrics, API keys, the graceful stop, and two
 * instances on one real Redis. The packed bin run from npx is in
 * test/e2e/relay-cli.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { get as httpsGet } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { io as ioClient } from 'socket.io-client';
import { CliError, helpText, OPTIONS, readCli, type CliConfig } from '../../adapters/cli/options.js';
import { main, startRelay, type Log, type RunningRelay } from '../../adapters/cli/relay.js';
import { turnCredentials } from '../../adapters/cli/turn.js';
import { startRedis, type RedisProcess } from '../support/redis.js';
import { until } from '../support/wait.js';
import { dial, dialled, hexTopic, join, nextMessage } from './relay-clients.js';

const run = promisify(execFile);
const limit = { timeout: 15_000 };
const hookLimit = { timeout: 30_000 };

const running: RunningRelay[] = [];
let redis: RedisProcess | undefined;

after(async () => {
  for (const ws of dialled) ws.terminate();
  await Promise.all(running.map((relay) => relay.stop()));
  await redis?.stop();
}, hookLimit);

/** Log lines, kept for the assertions. */
function recorder(): { log: Log; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, msg, fields) => lines.push(JSON.stringify({ level, msg, ...fields })) };
}

async function relay(argv: string[], log: Log = recorder().log, env: Record<string, string> = {}): Promise<{ relay: RunningRelay; base: string }> {
  const config = readCli(['--port', '0', '--drain-ms', '1000', ...argv], env) as CliConfig;
  const started = await startRelay(config, log);
  running.push(started);
  return { relay: started, base: `http://127.0.0.1:${started.address().port}` };
}

describe('relay CLI options', () => {
  test('defaults, flags over environment variables, lists from either', limit, () => {
    const config = readCli([], {}) as CliConfig;
    assert.equal(config.relay, 'ws');
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.maxMembersPerTopic, 50);
    assert.equal(config.apiKeys, undefined);
    const env = { SM_PORT: '9000', SM_HOST: '0.0.0.0', SM_API_KEYS: 'a, b,,c', SM_TRUST_PROXY: 'true', SM_RELAY: 'both' };
    const fromEnv = readCli([], env) as CliConfig;
    assert.deepEqual([fromEnv.port, fromEnv.host, fromEnv.apiKeys, fromEnv.trustProxy, fromEnv.relay], [9000, '0.0.0.0', ['a', 'b', 'c'], true, 'both']);
    const flagsWin = readCli(['--port', '9100', '--api-keys', 'x', '--api-keys', 'y,z'], env) as CliConfig;
    assert.deepEqual([flagsWin.port, flagsWin.apiKeys, flagsWin.host], [9100, ['x', 'y', 'z'], '0.0.0.0']);
    assert.equal(readCli(['--help'], {}), 'help');
    assert.equal(readCli(['-h'], {}), 'help');
    assert.equal(readCli(['--version'], {}), 'version');
  });

  test('bad flags and variables are CliErrors that say which and why', limit, () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--port', 'eighty'], {}, /^secure-meeting: --port must be a whole number >= 0, not "eighty"$/],
      [[], { SM_MAX_PAYLOAD: '0' }, /^secure-meeting: SM_MAX_PAYLOAD must be a whole number >= 1, not "0"$/],
      [['--relay', 'mqtt'], {}, /^secure-meeting: --relay must be one of ws, socketio, both, not "mqtt"$/],
      [['--colour'], {}, /^secure-meeting: Unknown option '--colour'/],
      [[], { SM_TRUST_PROXY: 'maybe' }, /^secure-meeting: SM_TRUST_PROXY must be true or false$/],
      [['--tls-cert', 'cert.pem'], {}, /--tls-cert and --tls-key go together/],
      [['--turn-secret', 's', '--turn-urls', 'turn:127.0.0.1:3478'], {}, /--turn-secret needs --api-keys/],
      [['--turn-secret', 's', '--turn-urls', 'http://x', '--api-keys', 'k'], {}, /--turn-urls must be turn: or turns: URLs/],
      [['--path', 'relay'], {}, /--path and --socketio-path must start with "\/"/],
      [['stray'], {}, /Unexpected argument 'stray'/],
    ];
    for (const [argv, env, message] of cases) {
      assert.throws(() => readCli(argv, env), (error: unknown) => error instanceof CliError && message.test(error.message), argv.join(' '));
    }
  });

  test('--help names every option, its variable and its default', limit, () => {
    const text = helpText();
    for (const option of OPTIONS) {
      assert.ok(text.includes(`--${option.flag}`), option.flag);
      assert.ok(text.includes(`env: ${option.env}`), option.env);
      if (option.fallback !== undefined) assert.ok(text.includes(`(default: ${option.fallback})`), `${option.flag} default`);
    }
  });

  test('main() prints --help and exits 2 with the reason on a bad flag', limit, async () => {
    let printed = '';
    assert.equal(await main(['--help'], {}, (t) => (printed += t)), 0);
    assert.match(printed, /^Usage: secure-meeting-relay/);
    const stderr = process.stderr.write;
    let said = '';
    process.stderr.write = ((chunk: string) => ((said += chunk), true)) as typeof process.stderr.write;
    try {
      assert.equal(await main(['--port=-1'], {}, () => {}), 2);
    } finally {
      process.stderr.write = stderr;
    }
    assert.match(said, /--port must be a whole number/);
    assert.match(said, /See secure-meeting-relay --help/);
  });
});

describe('TURN credentials', () => {
  test("coturn's use-auth-secret scheme: expiry:nonce, and the base64 HMAC-SHA1 of it", limit, () => {
    // Computed apart from this code (Python's hmac module).
    const issued = turnCredentials('north-wind-secret', ['turn:127.0.0.1:3478'], 3600, 1_700_000_000_500, 'n0nce');
    assert.deepEqual(issued, {
      iceServers: [{ urls: ['turn:127.0.0.1:3478'], username: '1700003600:n0nce', credential: 'hMWkDWTYOXel26lJMF+gg7Ea6q0=' }],
      ttl: 3600,
      expiresAt: 1_700_003_600_000,
    });
    const [a, b] = [turnCredentials('s', ['turn:x'], 60), turnCredentials('s', ['turn:x'], 60)];
    assert.notEqual(a.iceServers[0]!.username, b.iceServers[0]!.username, 'a fresh nonce each time');
  });
});

describe('the relay the CLI starts', () => {
  test('serves /healthz and a meeting; /metrics counts it without a topic; a wrong API key is refused', limit, async () => {
    const { base } = await relay(['--api-keys', 'site-key']);
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });

    const topic = hexTopic();
    const ws = base.replace('http', 'ws');
    const a = await join(`${ws}/relay/${topic}?apiKey=site-key`);
    const b = await join(`${ws}/relay/${topic}?apiKey=site-key`);
    const got = nextMessage(b);
    a.send('sealed-envelope');
    assert.equal(String((await got).data), 'sealed-envelope');
    const wrong = dial(`${ws}/relay/${topic}?apiKey=guess`);
    assert.equal((await wrong.closed).code, 4001);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^secure_meeting_relay_members\{relay="ws"\} 2$/m);
    assert.match(metrics, /^secure_meeting_relay_topics\{relay="ws"\} 1$/m);
    assert.match(metrics, /^secure_meeting_relay_frames_received_total\{relay="ws"\} 1$/m);
    assert.match(metrics, /^secure_meeting_relay_bytes_sent_total\{relay="ws"\} 15$/m);
    assert.match(metrics, /^secure_meeting_relay_refusals_total\{relay="ws",reason="unauthorized"\} 1$/m);
    assert.match(metrics, /^# TYPE secure_meeting_relay_frames_received_total counter$/m);
    assert.ok(!metrics.includes(topic) && !metrics.includes('sealed') && !metrics.includes('site-key'), 'no topic, payload or key');
    assert.equal((await fetch(`${base}/nothing-here`)).status, 404);
  });

  test('--relay both serves Socket.IO members on the same port, counted apart', limit, async () => {
    const { base } = await relay(['--relay', 'both', '--topics', 'any']);
    const member = ioClient(`${base}/secure-meeting`, { auth: { topic: 'io-topic' }, transports: ['websocket'] });
    try {
      await until(() => member.connected, 'the Socket.IO member to connect');
      await join(`${base.replace('http', 'ws')}/relay/ws-topic`);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^secure_meeting_relay_members\{relay="socketio"\} 1$/m);
      assert.match(metrics, /^secure_meeting_relay_members\{relay="ws"\} 1$/m);
    } finally {
      member.close();
    }
  });

  test('/turn-credentials answers only a listed API key, with CORS', limit, async () => {
    const log = recorder();
    // The secret comes from the environment, where `ps` does not show it.
    const { base } = await relay(['--api-keys', 'site-key', '--turn-urls', 'turn:127.0.0.1:3478', '--turn-ttl', '600'], log.log, {
      SM_TURN_SECRET: 'north-wind-secret',
    });
    const refused = await fetch(`${base}/turn-credentials`, { headers: { authorization: 'Bearer guess' } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), '*');
    const answered = await fetch(`${base}/turn-credentials`, { headers: { authorization: 'Bearer site-key' } });
    assert.equal(answered.status, 200);
    const body = (await answered.json()) as ReturnType<typeof turnCredentials>;
    assert.equal(body.ttl, 600);
    assert.deepEqual(body.iceServers[0]!.urls, ['turn:127.0.0.1:3478']);
    assert.match(body.iceServers[0]!.username, /^\d{10}:[\w-]+$/);
    assert.equal((await fetch(`${base}/turn-credentials?apiKey=site-key`)).status, 200, 'the key may come in the query');
    assert.equal((await fetch(`${base}/turn-credentials`, { method: 'OPTIONS' })).status, 204);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^secure_meeting_relay_turn_credentials_total\{outcome="issued"\} 2$/m);
    assert.match(metrics, /^secure_meeting_relay_turn_credentials_total\{outcome="unauthorized"\} 1$/m);
    assert.ok(!log.lines.join('\n').includes('north-wind-secret'), 'the secret is never logged');
    // Three sets so far from this address; the burst is 10, then one every 6 s.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${base}/turn-credentials?apiKey=site-key`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 429]);
    // A request target no URL parser takes is answered, not thrown.
    const raw = connect(Number(new URL(base).port), '127.0.0.1');
    raw.end('GET http://[bad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const [reply] = (await once(raw, 'data')) as [Buffer];
    assert.match(reply.toString(), /^HTTP\/1\.1 400 /);
  });

  test('stop() drains: members are told to reconnect (1012), /healthz says draining, the port closes', limit, async () => {
    const log = recorder();
    const { relay: started, base } = await relay(['--topics', 'any'], log.log);
    const member = dial(`${base.replace('http', 'ws')}/relay/leaving`);
    await member.opened;
    const stopped = started.stop();
    assert.equal((await member.closed).code, 1012);
    await stopped;
    await assert.rejects(fetch(`${base}/healthz`));
    assert.deepEqual(log.lines.map((line) => JSON.parse(line).msg), ['listening', 'draining', 'stopped']);
  });
});

describe('the relay CLI over TLS', () => {
  test('with --tls-cert and --tls-key it serves https and wss; a missing file is a clear error', limit, async () => {
    const dir = await mkdtemp(joinPath(tmpdir(), 'secure-meeting-tls-'));
    try {
      const [cert, key] = [joinPath(dir, 'cert.pem'), joinPath(dir, 'key.pem')];
      await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
        '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
      const ca = await readFile(cert);
      const { relay: started } = await relay(['--tls-cert', cert, '--tls-key', key, '--topics', 'any']);
      const port = started.address().port;
      const status = await new Promise<number | undefined>((resolve, reject) => {
        httpsGet({ host: '127.0.0.1', port, path: '/healthz', ca }, (res) => {
          res.resume();
          resolve(res.statusCode);
        }).on('error', reject);
      });
      assert.equal(status, 200);
      const a = await join(`wss://127.0.0.1:${port}/relay/sealed`, { ca });
      const b = await join(`wss://127.0.0.1:${port}/relay/sealed`, { ca });
      const got = nextMessage(b);
      a.send('over tls');
      assert.equal(String((await got).data), 'over tls');
      const missing = readCli(['--port', '0', '--tls-cert', joinPath(dir, 'nope.pem'), '--tls-key', key], {}) as CliConfig;
      await assert.rejects(startRelay(missing, () => {}), (error: unknown) => error instanceof CliError && /--tls-cert: cannot read .*nope\.pem: ENOENT/.test(error.message));
      // A key that is not one: said, not thrown from deep inside TLS.
      const garbage = joinPath(dir, 'garbage.pem');
      await writeFile(garbage, 'not a key');
      const bad = readCli(['--port', '0', '--tls-cert', cert, '--tls-key', garbage], {}) as CliConfig;
      await assert.rejects(startRelay(bad, () => {}), (error: unknown) => error instanceof CliError && /^secure-meeting: --tls-cert and --tls-key: cannot use them: /.test(error.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('two CLI relays on one Redis', () => {
  before(async () => {
    redis = await startRedis();
  }, hookLimit);

  test('members on different instances meet', limit, async () => {
    const one = await relay(['--redis', redis!.url]);
    const two = await relay(['--redis', redis!.url]);
    const topic = hexTopic();
    const a = await join(`${one.base.replace('http', 'ws')}/relay/${topic}`);
    const b = await join(`${two.base.replace('http', 'ws')}/relay/${topic}`);
    const atB = nextMessage(b);
    a.send('across instances');
    assert.equal(String((await atB).data), 'across instances');
    const atA = nextMessage(a);
    b.send('and back');
    assert.equal(String((await atA).data), 'and back');
  });

  test('a Redis that cannot be reached stops the start with a clear error', limit, async () => {
    const config = readCli(['--port', '0', '--redis', 'redis://127.0.0.1:1'], {}) as CliConfig;
    await assert.rejects(startRelay(config, () => {}), (error: unknown) => error instanceof CliError && /--redis: cannot connect/.test(error.message));
  });
});
