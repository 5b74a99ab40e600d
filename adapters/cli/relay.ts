/**
 * `secure-meeting-relay`: our WebSocket relay, our Socket.IO relay, or both,
 * on one HTTP(S) port, with /healthz, /metrics, TURN credentials, Redis
 * scale-out and a graceful SIGTERM. bin.ts runs main(); the tests call
 * startRelay() in-process or run the packed bin.
 *
 * Logs are JSON lines on stdout: events and counts, never a payload, a topic,
 * a key or a secret.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { addressKey, keyChecker, shutDown, tokenBucket, type CommonServerOptions, type RelayStats } from '../server-common.js';
import type { RelayCluster } from '../websocket/cluster.js';
import { createRelayServer } from '../websocket/server.js';
import { renderMetrics } from './metrics.js';
import { CliError, helpText, readCli, type CliConfig } from './options.js';
import { turnCredentials } from './turn.js';

export type Log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** JSON lines on a stream: one object per event. */
export function jsonLog(write: (line: string) => void): Log {
  return (level, msg, fields = {}) => write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
}

export interface RunningRelay {
  address(): AddressInfo;
  /** The graceful stop of SIGTERM; resolves once everything is closed. Idempotent. */
  stop(): Promise<void>;
}

interface Served {
  readonly label: 'ws' | 'socketio';
  stats(): RelayStats;
  drain(graceMs: number): Promise<void>;
  readonly cluster?: RelayCluster;
}

/** The part of a node-redis client (the `redis` package, v4 or v5) used here and by the clusters. */
interface RedisClient {
  connect(): Promise<unknown>;
  duplicate(): RedisClient;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  /** v5; v4 has only quit() and disconnect(). */
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy?(): void;
  disconnect?(): unknown;
}

interface Redis {
  readonly publisher: RedisClient;
  readonly subscriber: RedisClient;
}

/** A module the user installs only for the feature that needs it; a clear CliError when it is missing. */
async function optional<T>(name: string, why: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (cause) {
    const missing = (cause as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    throw new CliError(missing ? `${why} needs the ${name} package: npm install ${name}` : `cannot load ${name}: ${String(cause)}`);
  }
}

async function connectRedis(url: string, log: Log): Promise<Redis> {
  const { createClient } = await optional<{ createClient(o: object): RedisClient }>('redis', '--redis');
  // No offline queue: while Redis is away a join is refused at once rather than queued without bound.
  const publisher = createClient({ url, disableOfflineQueue: true });
  const subscriber = publisher.duplicate();
  // node-redis retries a failed first connect for ever: the first error ends the start instead.
  const firstError = new Promise<never>((_, reject) => publisher.once('error', reject));
  try {
    await Promise.race([Promise.all([publisher.connect(), subscriber.connect()]), firstError]);
  } catch (error) {
    for (const client of [publisher, subscriber]) (client.destroy ?? client.disconnect)?.call(client);
    throw new CliError(`--redis: cannot connect: ${(error as Error).message}`);
  }
  // From here on it reconnects by itself; a join meanwhile is refused (503), not queued.
  for (const client of [publisher, subscriber]) client.on('error', (error) => log('warn', 'redis error', { error: error.message }));
  return { publisher, subscriber };
}

export async function startRelay(config: CliConfig, log: Log): Promise<RunningRelay> {
  const tls = config.tlsCert !== undefined && config.tlsKey !== undefined
    ? { cert: readFileOr(config.tlsCert, '--tls-cert'), key: readFileOr(config.tlsKey, '--tls-key') }
    : undefined;
  let draining = false;
  const served: Served[] = [];
  const turn = config.turnSecret !== undefined ? { issued: 0, refused: 0 } : null;
  const keyAccepted = keyChecker(config.apiKeys);
  const addressOf = config.trustProxy ? forwardedAddress : (req: IncomingMessage) => addressKey(req.socket.remoteAddress);
  const perAddress = addressLimiter(TURN_RATE);

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://relay.invalid');
    } catch {
      return json(res, 400, { error: 'bad request' });
    }
    if (url.pathname === '/healthz') return json(res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok' });
    if (url.pathname === '/metrics') {
      const relays = served.map((s) => ({ label: s.label, stats: s.stats(), ...(s.cluster ? { clusterFailures: s.cluster.failures } : {}) }));
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(renderMetrics({ relays, turn, draining }));
      return;
    }
    if (url.pathname === '/turn-credentials' && turn !== null) return credentials(req, res, url);
    if (url.pathname.startsWith(config.path)) return void res.writeHead(426, { connection: 'close' }).end();
    json(res, 404, { error: 'not found' });
  };

  function credentials(req: IncomingMessage, res: ServerResponse, url: URL): void {
    // Pages on other origins fetch this: CORS, with the key in a header or the query.
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'authorization');
    res.setHeader('cache-control', 'no-store');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    if (req.method !== 'GET') return json(res, 405, { error: 'GET only' });
    // The key sits in the site's pages, so anyone may hold it: each address gets a few sets a minute.
    if (!perAddress(addressOf(req))) return json(res, 429, { error: 'too many requests' });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!keyAccepted(bearer ?? url.searchParams.get('apiKey'))) {
      turn!.refused += 1;
      return json(res, 401, { error: 'secure-meeting: invalid API key' });
    }
    turn!.issued += 1;
    json(res, 200, turnCredentials(config.turnSecret!, config.turnUrls!, config.turnTtl));
  }

  let http: Server;
  try {
    http = tls ? createTlsServer(tls, onRequest) : createServer(onRequest);
  } catch (error) {
    throw new CliError(`--tls-cert and --tls-key: cannot use them: ${(error as Error).message}`);
  }
  const redis = config.redis !== undefined ? await connectRedis(config.redis, log) : undefined;
  const limits: CommonServerOptions = {
    topics: config.topics,
    ...(config.apiKeys ? { apiKeys: config.apiKeys } : {}),
    maxConnections: config.maxConnections,
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    maxMembersPerTopic: config.maxMembersPerTopic,
    maxPayload: config.maxPayload,
    maxBufferedBytes: config.maxBufferedBytes,
    rateLimit: { messagesPerSecond: config.rate, burst: config.burst },
    ...(config.trustProxy ? { addressOf: forwardedAddress } : {}),
  };
  try {
    if (config.relay !== 'socketio') served.push(await serveWebSocket(http, config, limits, redis));
    if (config.relay !== 'ws') served.push(await serveSocketIo(http, config, limits, redis));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    await Promise.allSettled(served.map((s) => s.drain(0)));
    await closeRedis(redis);
    throw error instanceof CliError ? error : new CliError(`cannot start: ${(error as Error).message}`);
  }
  const address = http.address() as AddressInfo;
  log('info', 'listening', {
    url: `${tls ? 'https' : 'http'}://${config.host}:${address.port}`,
    pid: process.pid,
    relays: served.map((s) => s.label),
    apiKeys: config.apiKeys?.length ?? 0,
    redis: redis !== undefined,
    turn: turn !== null,
  });

  let stopping: Promise<void> | undefined;
  return {
    address: () => address,
    stop() {
      stopping ??= (async () => {
        draining = true;
        log('info', 'draining', { members: served.reduce((n, s) => n + s.stats().members, 0), graceMs: config.drainMs });
        await Promise.allSettled(served.map((s) => s.drain(config.drainMs)));
        await Promise.allSettled(served.map((s) => s.cluster?.close()));
        await closeRedis(redis);
        await shutDown(http);
        log('info', 'stopped');
      })();
      return stopping;
    },
  };
}

async function serveWebSocket(http: Server, config: CliConfig, limits: CommonServerOptions, redis: Redis | undefined): Promise<Served> {
  const options = { ...limits, server: http, path: config.path, heartbeatMs: config.heartbeatMs };
  if (redis === undefined) {
    const relay = createRelayServer(options);
    return { label: 'ws', stats: () => relay.stats(), drain: (ms) => relay.drain(ms) };
  }
  const { redisCluster } = await import('../websocket/cluster.js');
  const cluster = redisCluster({ publisher: redis.publisher as never, subscriber: redis.subscriber as never });
  const relay = createRelayServer({ ...options, cluster });
  return { label: 'ws', stats: () => relay.stats(), drain: (ms) => relay.drain(ms), cluster };
}

async function serveSocketIo(http: Server, config: CliConfig, limits: CommonServerOptions, redis: Redis | undefined): Promise<Served> {
  // socket.io is an optional peer dependency: asked for first, for a clear message.
  await optional('socket.io', '--relay socketio');
  const { createSocketIoRelay } = await import('../socketio/server.js');
  let adapter: unknown;
  if (redis !== undefined) {
    const { createAdapter } = await optional<{ createAdapter(p: unknown, s: unknown): unknown }>('@socket.io/redis-adapter', '--redis with --relay socketio');
    adapter = createAdapter(redis.publisher, redis.subscriber);
  }
  const relay = createSocketIoRelay({ ...limits, server: http, path: config.socketioPath, ...(adapter ? { adapter: adapter as never } : {}) });
  return { label: 'socketio', stats: () => relay.stats(), drain: () => relay.close() };
}

async function closeRedis(redis: Redis | undefined): Promise<void> {
  if (redis === undefined) return;
  await Promise.allSettled([redis.publisher, redis.subscriber].map((c) => (c.close ?? c.quit)?.call(c)));
}

/** TURN credential sets per address: a burst of 10, then one every 6 s. */
const TURN_RATE = { perSecond: 1 / 6, burst: 10 };
/** Addresses remembered at most; the oldest is forgotten first, so a flood of addresses costs bounded memory. */
const MAX_ADDRESSES = 10_000;

/** A token bucket per address (server-common's tokenBucket), in a map of bounded size. */
function addressLimiter(rate: { perSecond: number; burst: number }): (address: string) => boolean {
  const buckets = new Map<string, () => boolean>();
  return (address) => {
    let take = buckets.get(address);
    if (take === undefined) {
      if (buckets.size >= MAX_ADDRESSES) buckets.delete(buckets.keys().next().value!);
      take = tokenBucket(rate);
      buckets.set(address, take);
    }
    return take();
  };
}

function forwardedAddress(req: IncomingMessage): string {
  const header = req.headers['x-forwarded-for'];
  const last = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').at(-1)?.trim();
  return addressKey(last !== undefined && last !== '' ? last : req.socket.remoteAddress);
}

function readFileOr(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CliError(`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function version(): string {
  // dist/cli/relay.js and adapters/cli/relay.ts are both two folders below package.json.
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Runs the CLI until SIGTERM or SIGINT; resolves with the exit code. */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  out: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const log = jsonLog(out);
  let config: ReturnType<typeof readCli>;
  let relay: RunningRelay;
  try {
    config = readCli(argv, env);
    if (config === 'help') return out(helpText()), 0;
    if (config === 'version') return out(version() + '\n'), 0;
    relay = await startRelay(config, log);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    log('error', error.message);
    process.stderr.write(`${error.message}\nSee secure-meeting-relay --help.\n`);
    return 2;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log('info', 'signal', { signal });
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  });
  await relay.stop();
  return 0;
}
