/** The MQTT adapter's options, and how they are checked. */
import { invalidOption } from '../../core/errors.js';
import { MAX_TIMER_MS, readReconnect, resolveWebSocketUrl, type ReconnectOptions } from '../common.js';

export interface MqttRelayOptions {
  /**
   * The broker's WebSocket endpoint, path included (often `/mqtt`; Mosquitto
   * takes any path): ws:// or wss://, http(s):// (mapped to ws(s)://), or, in
   * a browser, relative to the page, e.g. `/mqtt`. Credentials go in
   * `username` and `password`, never in the URL.
   */
  url: string;
  /**
   * Put before the blinded topic: the broker sees `<topicPrefix><32 hex>`, so
   * an ACL can grant `<topicPrefix>#`. No MQTT wildcards (`+`, `#`). May be
   * empty. Default `secure-meeting/v1/`.
   */
  topicPrefix?: string;
  /** Broker user name, if the broker wants one. */
  username?: string;
  /** Broker password; needs `username` (MQTT sends no password without one). Never logged or put in an error. */
  password?: string;
  /**
   * MQTT client identifier. Default: a fresh random one per connection
   * (`sm` + 20 hex digits, which even strict 3.1.1 brokers accept). A fixed
   * one suits brokers that authorise by client id, but then only one
   * connection may use it at a time: the broker drops the older one.
   */
  clientId?: string;
  /** 0 (default): at most once. 1: at least once, with the broker acknowledging each message. */
  qos?: 0 | 1;
  /** Seconds between keep-alive pings while idle; 0 turns them off. Default 30. */
  keepalive?: number;
  /**
   * 5 (default): MQTT 5, with no-local subscriptions and reason codes for
   * refusals; falls back to 4 by itself when the broker refuses version 5.
   * 4: MQTT 3.1.1 from the start.
   */
  protocolVersion?: 4 | 5;
  /** How long one attempt may take from dialling to subscribed, in ms. Default 10 000. */
  connectTimeoutMs?: number;
  /**
   * How long a connection `warm()` dialled ahead (the person still in the
   * form) waits for `connect()` to take it before it is closed, in ms.
   * Default 30 000; 0: `warm()` does nothing.
   */
  warmMs?: number;
  /** Backoff between attempts; `false` closes for good on the first disconnect. */
  reconnect?: ReconnectOptions | false;
}

export interface Settings {
  readonly url: string;
  readonly topicPrefix: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly clientId: string | undefined;
  readonly qos: 0 | 1;
  readonly keepalive: number;
  readonly protocolVersion: 4 | 5;
  readonly connectTimeoutMs: number;
  readonly warmMs: number;
  readonly reconnect: Required<ReconnectOptions> | false;
}

const URL_ERROR =
  'mqttRelay: url must be a ws://, wss://, http:// or https:// URL (relative URLs only in a browser)';

export function readOptions(options: MqttRelayOptions): Settings {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('mqttRelay: options must be an object with a url');
  }
  const { url: rawUrl, topicPrefix = 'secure-meeting/v1/', username, password, clientId } = options;
  if (typeof rawUrl !== 'string' || rawUrl.trim() === '') {
    throw invalidOption('mqttRelay: url must be a non-empty string');
  }
  const url = resolveWebSocketUrl(rawUrl);
  if (url === null) throw invalidOption(URL_ERROR);
  if (url.username !== '' || url.password !== '') {
    throw invalidOption('mqttRelay: url must not contain credentials; use the username and password options');
  }
  if (typeof topicPrefix !== 'string' || /[+#\0]/.test(topicPrefix)) {
    throw invalidOption('mqttRelay: topicPrefix must be a string without the MQTT wildcards + and #');
  }
  if (username !== undefined && typeof username !== 'string') {
    throw invalidOption('mqttRelay: username must be a string');
  }
  if (password !== undefined && typeof password !== 'string') {
    throw invalidOption('mqttRelay: password must be a string');
  }
  if (password !== undefined && username === undefined) {
    throw invalidOption('mqttRelay: password needs a username (MQTT sends no password without one)');
  }
  if (clientId !== undefined && (typeof clientId !== 'string' || clientId === '')) {
    throw invalidOption('mqttRelay: clientId must be a non-empty string');
  }
  const qos = options.qos ?? 0;
  if (qos !== 0 && qos !== 1) throw invalidOption('mqttRelay: qos must be 0 or 1');
  const keepalive = options.keepalive ?? 30;
  if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65_535) {
    throw invalidOption('mqttRelay: keepalive must be a whole number of seconds from 0 to 65535');
  }
  const protocolVersion = options.protocolVersion ?? 5;
  if (protocolVersion !== 4 && protocolVersion !== 5) {
    throw invalidOption('mqttRelay: protocolVersion must be 5 or 4');
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  if (typeof connectTimeoutMs !== 'number' || !(connectTimeoutMs > 0 && connectTimeoutMs <= MAX_TIMER_MS)) {
    throw invalidOption('mqttRelay: connectTimeoutMs must be a positive number of milliseconds');
  }
  const warmMs = options.warmMs ?? 30_000;
  if (typeof warmMs !== 'number' || !(warmMs >= 0 && warmMs <= MAX_TIMER_MS)) {
    throw invalidOption('mqttRelay: warmMs must be a number of milliseconds, 0 or more');
  }
  return {
    url: url.href,
    topicPrefix,
    username,
    password,
    clientId,
    qos,
    keepalive,
    protocolVersion,
    connectTimeoutMs,
    warmMs,
    reconnect: readReconnect('mqttRelay', options.reconnect),
  };
}
