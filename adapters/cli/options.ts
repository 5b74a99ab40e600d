/**
 * The options of `secure-meeting-relay` (relay.ts): one table, read from
 * flags first and environment variables second, and printed by --help with
 * each default. Node only; no I/O here, so the unit tests call it directly.
 */
import { parseArgs } from 'node:util';
import { PREFIX } from '../../core/errors.js';

export type RelayKinds = 'ws' | 'socketio' | 'both';

export interface CliConfig {
  relay: RelayKinds;
  port: number;
  host: string;
  path: string;
  socketioPath: string;
  apiKeys: string[] | undefined;
  topics: 'blinded' | 'any';
  maxConnections: number;
  maxConnectionsPerAddress: number;
  maxMembersPerTopic: number;
  maxPayload: number;
  maxBufferedBytes: number;
  rate: number;
  burst: number;
  heartbeatMs: number;
  trustProxy: boolean;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  redis: string | undefined;
  turnSecret: string | undefined;
  turnUrls: string[] | undefined;
  turnTtl: number;
  drainMs: number;
}

/** A bad flag or variable: the CLI prints the message and --help's hint, and exits 2. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string) {
    super(PREFIX + message);
  }
}

type Kind = 'string' | 'int' | 'list' | 'flag';

interface Option {
  readonly key: keyof CliConfig;
  readonly flag: string;
  readonly env: string;
  readonly kind: Kind;
  /** As --help shows it; undefined: none. */
  readonly fallback: string | undefined;
  readonly help: string;
  /** Accepted values, for a string option that has few. */
  readonly choices?: readonly string[];
  /** Smallest accepted value of an int option. */
  readonly min?: number;
}

const o = (key: keyof CliConfig, kind: Kind, fallback: string | undefined, help: string, extra: Partial<Option> = {}): Option => {
  const flag = key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
  return { key, flag, env: 'SM_' + flag.replaceAll('-', '_').toUpperCase(), kind, fallback, help, min: 1, ...extra };
};

/** Every option, in --help's order. A list is comma-separated in its variable; its flag may repeat. */
export const OPTIONS: readonly Option[] = [
  o('relay', 'string', 'ws', 'which relay to serve: ws (our WebSocket relay), socketio, or both on one port', { choices: ['ws', 'socketio', 'both'] }),
  o('port', 'int', '8080', 'port to listen on (0: any free port)', { min: 0 }),
  o('host', 'string', '127.0.0.1', 'address to listen on; 0.0.0.0 for every interface'),
  o('path', 'string', '/relay/', 'URL path of the WebSocket relay; the rest of the path is the topic'),
  o('socketioPath', 'string', '/socket.io/', 'HTTP path of the Socket.IO relay'),
  o('apiKeys', 'list', undefined, 'API keys a client must present (flag repeatable; variable comma-separated); none: open'),
  o('topics', 'string', 'blinded', "topics taken: blinded (secure-meeting's own) or any ([A-Za-z0-9_-]{1,128})", { choices: ['blinded', 'any'] }),
  o('maxConnections', 'int', '10000', 'connections at once in all'),
  o('maxConnectionsPerAddress', 'int', '20', 'connections at once from one address (an IPv6 /64)'),
  o('maxMembersPerTopic', 'int', '50', 'members per topic (with --redis: on all instances)'),
  o('maxPayload', 'int', '65536', 'largest message in bytes'),
  o('maxBufferedBytes', 'int', '1048576', 'bytes waiting for a member that does not read before it is dropped'),
  o('rate', 'int', '50', 'messages per second per connection'),
  o('burst', 'int', '100', 'messages at once per connection, above the rate'),
  o('heartbeatMs', 'int', '15000', 'WebSocket ping period in ms (0: off)', { min: 0 }),
  o('trustProxy', 'flag', 'false', 'count connections under the last X-Forwarded-For address (only behind your own proxy)'),
  o('tlsCert', 'string', undefined, 'TLS certificate file (PEM): serve https and wss'),
  o('tlsKey', 'string', undefined, 'TLS private key file (PEM), with --tls-cert'),
  o('redis', 'string', undefined, 'Redis URL: act as one with the other instances on it (needs the redis package)'),
  o('turnSecret', 'string', undefined, "shared secret of coturn's use-auth-secret: serve TURN credentials at /turn-credentials (prefer the variable)"),
  o('turnUrls', 'list', undefined, 'TURN URLs the credentials are for, e.g. turn:turn.example.org:3478'),
  o('turnTtl', 'int', '3600', 'lifetime of a TURN credential in seconds', { min: 60 }),
  o('drainMs', 'int', '5000', 'on SIGTERM, how long members get to move before the rest are cut', { min: 0 }),
];

/** Reads argv (without node and the script) and the environment; throws CliError on anything wrong. 'help' and 'version' are asked for by name. */
export function readCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliConfig | 'help' | 'version' {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        ...Object.fromEntries(
          OPTIONS.map((opt) => [opt.flag, { type: opt.kind === 'flag' ? 'boolean' : 'string', multiple: opt.kind === 'list' }] as const),
        ),
      },
    }));
  } catch (error) {
    // parseArgs explains on further lines how to pass a value that starts with a dash: the first says what is wrong.
    throw new CliError((error as Error).message.split('\n')[0]!);
  }
  if (values.help === true) return 'help';
  if (values.version === true) return 'version';
  const config: Record<string, unknown> = {};
  for (const opt of OPTIONS) config[opt.key] = read(opt, values[opt.flag], env[opt.env]);
  const c = config as unknown as CliConfig;
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined)) throw new CliError('--tls-cert and --tls-key go together');
  if ((c.turnSecret === undefined) !== (c.turnUrls === undefined)) throw new CliError('--turn-secret and --turn-urls go together');
  if (c.turnSecret !== undefined && c.apiKeys === undefined) throw new CliError('--turn-secret needs --api-keys: TURN credentials are for your sites only');
  if (c.turnUrls?.some((url) => !/^turns?:[^\s]+$/.test(url))) throw new CliError('--turn-urls must be turn: or turns: URLs');
  if (!c.path.startsWith('/') || !c.socketioPath.startsWith('/')) throw new CliError('--path and --socketio-path must start with "/"');
  return c;
}

function read(opt: Option, flag: string | boolean | string[] | undefined, variable: string | undefined): unknown {
  const from = flag !== undefined ? `--${opt.flag}` : opt.env;
  if (opt.kind === 'flag') {
    if (flag !== undefined) return flag;
    if (variable === undefined || variable === '') return false;
    if (variable === '1' || variable === 'true') return true;
    if (variable === '0' || variable === 'false') return false;
    throw new CliError(`${from} must be true or false`);
  }
  if (opt.kind === 'list') {
    const items = flag !== undefined ? (flag as string[]).flatMap(split) : variable !== undefined ? split(variable) : [];
    if (items.length === 0) return undefined;
    return items;
  }
  const raw = flag !== undefined ? (flag as string) : variable !== undefined && variable !== '' ? variable : opt.fallback;
  if (raw === undefined) return undefined;
  if (opt.kind === 'int') {
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < (opt.min ?? 1)) throw new CliError(`${from} must be a whole number >= ${opt.min ?? 1}, not "${raw}"`);
    return n;
  }
  if (raw === '') throw new CliError(`${from} must not be empty`);
  if (opt.choices !== undefined && !opt.choices.includes(raw)) {
    throw new CliError(`${from} must be one of ${opt.choices.join(', ')}, not "${raw}"`);
  }
  return raw;
}

const split = (text: string): string[] => text.split(',').map((s) => s.trim()).filter((s) => s !== '');

/** --help: every option, its variable and its default. */
export function helpText(): string {
  const rows = OPTIONS.map((opt) => {
    const value = opt.kind === 'flag' ? '' : opt.kind === 'int' ? ' <n>' : opt.kind === 'list' ? ' <a,b>' : ' <text>';
    const fallback = opt.fallback === undefined ? '' : ` (default: ${opt.fallback})`;
    return `  --${opt.flag}${value}\n      ${opt.help}${fallback}\n      env: ${opt.env}`;
  });
  return [
    'Usage: secure-meeting-relay [options]',
    '',
    "The relay of secure-meeting: it passes each meeting's sealed messages between",
    'its members and learns nothing else. Flags win over environment variables.',
    '',
    'Options:',
    ...rows,
    '  --help, -h\n      this text',
    '  --version\n      the version',
    '',
    'Endpoints: the relay (ws: <path><topic>; socketio: <socketio-path>), GET /healthz,',
    'GET /metrics (Prometheus), GET /turn-credentials (with --turn-secret; needs an API key).',
    'On SIGTERM it tells members to reconnect, waits up to --drain-ms, and exits 0.',
    '',
  ].join('\n');
}
