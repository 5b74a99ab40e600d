import mqtt from 'mqtt';
import type { IClientOptions, MqttClient, Packet } from 'mqtt';
import { SecureMeetingError, invalidOption } from '../../core/errors.js';
import { Backoff, call, MAX_TIMER_MS, readReconnect, resolveWebSocketUrl, type ReconnectOptions } from '../common.js';
import type {
  RelayAdapter,
  RelayConnection,
  RelayHandlers,
  RelayState,
  RelayTarget,
} from '../../core/relay.js';
import { connackVerdict, disconnectVerdict, pubackVerdict, subackVerdict, type Verdict } from './reasons.js';
import { SentPayloads } from './sent.js';

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
  /** Backoff between attempts; `false` closes for good on the first disconnect. */
  reconnect?: ReconnectOptions | false;
}

interface Settings {
  readonly url: string;
  readonly topicPrefix: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly clientId: string | undefined;
  readonly qos: 0 | 1;
  readonly keepalive: number;
  readonly protocolVersion: 4 | 5;
  readonly connectTimeoutMs: number;
  readonly reconnect: Required<ReconnectOptions> | false;
}


const URL_ERROR =
  'mqttRelay: url must be a ws://, wss://, http:// or https:// URL (relative URLs only in a browser)';

/** A relay adapter for an existing MQTT broker, spoken to over WebSockets with mqtt.js. */
export function mqttRelay(options: MqttRelayOptions): RelayAdapter {
  const settings = readOptions(options);
  return {
    kind: 'mqtt',
    connect(target: RelayTarget, handlers: RelayHandlers): RelayConnection {
      const topic = target?.topic;
      if (typeof topic !== 'string' || topic === '' || /[+#\0]/.test(topic)) {
        throw invalidOption('mqttRelay: connect() needs a non-empty topic without + or #');
      }
      return new MqttConnection(settings, settings.topicPrefix + topic, handlers);
    },
  };
}

function readOptions(options: MqttRelayOptions): Settings {
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
    reconnect: readReconnect('mqttRelay', options.reconnect),
  };
}

/** `sm` + 20 hex digits: 22 characters of [0-9a-z], inside what MQTT 3.1.1 §3.1.3.1 obliges every broker to accept. */
function randomClientId(): string {
  const bytes = new Uint8Array(10);
  globalThis.crypto.getRandomValues(bytes);
  return 'sm' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}


/** The broker's words for a transport failure, one line, for the 'unreachable' message. */
function summary(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const line = message.split('\n', 1)[0]?.trim().slice(0, 200) ?? '';
  return line === '' ? '' : ` (${line})`;
}

const ignore = (): void => {};
const utf8 = new TextDecoder();

/** What one attempt (one mqtt.js client, one socket) has seen so far. */
interface Attempt {
  readonly client: MqttClient;
  readonly version: 4 | 5;
  /** CONNACK return/reason code, once it came. */
  connack: number | null;
  /** The reason code of a DISCONNECT from the broker (MQTT 5). */
  disconnect: number | null;
  /** The last error mqtt.js reported: words for the 'unreachable' message, and the cause of ours. */
  error: unknown;
  openedAt: number | null;
  timer: ReturnType<typeof setTimeout> | undefined;
  detach(): void;
}

class MqttConnection implements RelayConnection {
  #state: RelayState = 'connecting';
  #attempt: Attempt | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #backoff: Backoff;
  #everOpened = false;
  #outageReported = false;
  /** Drops to 4 for good once a broker refuses MQTT 5. */
  #version: 4 | 5;
  readonly #clientId: string;
  /** What this connection published lately: a 3.1.1 broker sends it back to us. */
  readonly #sent = new SentPayloads();

  constructor(
    private readonly settings: Settings,
    private readonly topic: string,
    private readonly handlers: RelayHandlers,
  ) {
    this.#backoff = new Backoff(settings.reconnect);
    this.#version = settings.protocolVersion;
    // One id for all attempts: after a half-open socket the broker drops the stale session in favour of ours.
    this.#clientId = settings.clientId ?? randomClientId();
    call(handlers.state, 'connecting');
    this.#dial();
  }

  get state(): RelayState {
    return this.#state;
  }

  publish(data: string): boolean {
    if (typeof data !== 'string') throw invalidOption('publish() takes a string');
    const attempt = this.#attempt;
    if (this.#state !== 'open' || attempt === null || !attempt.client.connected) return false;
    const { qos } = this.settings;
    try {
      // Never retained (§3.3.1.3): a retained envelope would greet every later member of the topic.
      attempt.client.publish(this.topic, data, { qos, retain: false }, (error) => {
        if (qos === 1) this.#acked(attempt, error);
      });
    } catch {
      return false;
    }
    this.#sent.add(data);
    return true;
  }

  close(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const attempt = this.#attempt;
    this.#attempt = null;
    if (attempt !== null) this.#end(attempt);
    this.#setState('closed');
  }

  #setState(state: RelayState): void {
    if (this.#state === state) return;
    this.#state = state;
    call(this.handlers.state, state);
  }

  #fatal(verdict: Verdict, cause?: unknown): void {
    call(this.handlers.error, new SecureMeetingError(verdict.code, verdict.message, cause === undefined ? undefined : { cause }));
    this.close();
  }

  /** Lets go of one attempt's client: our listeners off, socket and mqtt.js timers (keep-alive, CONNACK) freed. */
  #end(attempt: Attempt): void {
    clearTimeout(attempt.timer);
    attempt.detach();
    try {
      attempt.client.end(true);
    } catch {
      // Already torn down.
    }
  }

  #dial(): void {
    const version = this.#version;
    const { settings } = this;
    const options: IClientOptions = {
      protocolVersion: version,
      clientId: this.#clientId,
      keepalive: settings.keepalive,
      // Clean session (§3.1.2.4): nothing is stored for us between connections.
      clean: true,
      // Our backoff with jitter replaces mqtt.js's fixed-period reconnect; each attempt is a fresh client.
      reconnectPeriod: 0,
      connectTimeout: settings.connectTimeoutMs,
      resubscribe: false,
      queueQoSZero: false,
      manualConnect: true,
    };
    if (settings.username !== undefined) options.username = settings.username;
    if (settings.password !== undefined) options.password = settings.password;

    let client: MqttClient;
    try {
      client = mqtt.connect(settings.url, options);
    } catch (cause) {
      return this.#fatal({ code: 'unreachable', message: 'cannot open a connection to the MQTT broker', fatal: true }, cause);
    }

    const attempt: Attempt = {
      client,
      version,
      connack: null,
      disconnect: null,
      error: undefined,
      openedAt: null,
      timer: undefined,
      detach: ignore,
    };
    const onPacket = (packet: Packet): void => {
      if (packet.cmd === 'connack') {
        attempt.connack = (version === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
      }
    };
    const onConnect = (): void => this.#subscribe(attempt);
    const onMessage = (topic: string, payload: Uint8Array): void => {
      if (this.#attempt !== attempt || topic !== this.topic) return;
      const text = utf8.decode(payload);
      // Empty: another member's reachability probe (see #subscribe). Ours: a 3.1.1 broker's echo.
      if (text === '' || this.#sent.take(text)) return;
      call(this.handlers.message, text);
    };
    const onDisconnect = (packet: { reasonCode?: number }): void => {
      attempt.disconnect = packet.reasonCode ?? 0;
      // The broker closes the socket after a DISCONNECT (§3.14.4); do not wait for it.
      client.end(true);
    };
    const onError = (error: unknown): void => {
      attempt.error = error;
    };
    const onClose = (): void => {
      if (this.#attempt === attempt) this.#lost(attempt);
    };
    client.on('packetreceive', onPacket);
    client.on('connect', onConnect);
    client.on('message', onMessage);
    client.on('disconnect', onDisconnect);
    client.on('error', onError);
    client.on('close', onClose);
    attempt.detach = () => {
      client.off('packetreceive', onPacket);
      client.off('connect', onConnect);
      client.off('message', onMessage);
      client.off('disconnect', onDisconnect);
      client.off('close', onClose);
      // 'error' stays (a no-op once this attempt is over): an EventEmitter 'error' with no listener throws.
      client.off('error', onError);
      client.on('error', ignore);
    };
    this.#attempt = attempt;
    this.#sent.clear();
    // Covers the WebSocket handshake, CONNACK, SUBACK and the probe's PUBACK.
    attempt.timer = setTimeout(() => {
      attempt.timer = undefined;
      attempt.error ??= new Error('timed out');
      client.end(true);
    }, settings.connectTimeoutMs);
    try {
      client.connect();
    } catch (cause) {
      // Thrown synchronously for mixed content or a CSP block: retrying cannot help.
      this.#fatal({ code: 'unreachable', message: 'cannot open a connection to the MQTT broker', fatal: true }, cause);
    }
  }

  /**
   * After CONNACK: subscribe, and publish an empty probe with QoS 1 to the
   * same topic. 'open' waits for both acknowledgements: the SUBACK means
   * nothing published after 'open' is missed; the PUBACK means the broker
   * takes our messages (an MQTT 5 broker says so in its reason code; Mosquitto
   * grants any subscription and applies its ACL only when delivering, so the
   * probe is how a topic outside the ACL shows up). Members drop empty payloads.
   */
  #subscribe(attempt: Attempt): void {
    const { client, version } = attempt;
    let pending = 2;
    const done = (): void => {
      pending -= 1;
      if (pending > 0 || this.#attempt !== attempt) return;
      clearTimeout(attempt.timer);
      attempt.timer = undefined;
      attempt.openedAt = Date.now();
      this.#everOpened = true;
      this.#outageReported = false;
      this.#setState('open');
    };
    const qos = this.settings.qos;
    // No Local (MQTT 5 §3.8.3.1): the broker does not send us our own messages. 3.1.1 has no such flag.
    const subscription = version === 5 ? { qos, nl: true, rap: false, rh: 0 as const } : { qos };
    client.subscribe(this.topic, subscription, (_error, _granted, packet) => {
      if (this.#attempt !== attempt) return;
      // Without a SUBACK (the connection dropped) 'close' follows and decides.
      if (packet === undefined) return;
      const refused = (packet.granted as unknown[]).find((code): code is number => typeof code === 'number' && code >= 0x80);
      if (refused !== undefined) return this.#fatal(subackVerdict(refused));
      done();
    });
    client.publish(this.topic, '', { qos: 1, retain: false }, (error) => {
      if (this.#attempt !== attempt) return;
      if (error === undefined || error === null) return done();
      this.#acked(attempt, error);
    });
  }

  /** The broker's answer to a QoS 1 publish. Only an MQTT 5 PUBACK can say no; 3.1.1 brokers drop silently. */
  #acked(attempt: Attempt, error: unknown): void {
    if (this.#attempt !== attempt || error === undefined || error === null) return;
    const code = (error as { code?: unknown }).code;
    // Other errors ("Connection closed") come with a dropped connection, which 'close' handles.
    if (typeof code === 'number' && code >= 0x80) this.#fatal(pubackVerdict(code));
  }

  /** The attempt's socket is gone: decide between giving up, falling back to 3.1.1 and retrying. */
  #lost(attempt: Attempt): void {
    clearTimeout(attempt.timer);
    attempt.detach();
    this.#attempt = null;
    const { openedAt, connack, disconnect, version } = attempt;
    this.#backoff.ended(openedAt);

    let verdict: Verdict | null = null;
    if (connack !== null && connack !== 0) {
      // A 3.1.1-only broker refuses MQTT 5 with its "unacceptable protocol version" (1), an MQTT 5 one with 0x84.
      if (version === 5 && (connack === 1 || connack === 0x84)) {
        this.#version = 4;
        this.#dial();
        return;
      }
      verdict = connackVerdict(connack, version);
    } else if (disconnect !== null) {
      verdict = disconnectVerdict(disconnect);
    }
    // mqtt.js's own error ("Connection refused: Not authorized") rides along as the cause.
    if (verdict?.fatal) return this.#fatal(verdict, attempt.error);

    if (verdict !== null && verdict.code !== 'unreachable') {
      call(this.handlers.error, new SecureMeetingError(verdict.code, verdict.message, { cause: attempt.error }));
    } else if (openedAt === null && !this.#outageReported) {
      // One report per outage: the app learns the broker is down, not every retry.
      this.#outageReported = true;
      const message = verdict?.message ?? `cannot reach the MQTT broker${summary(attempt.error)}`;
      call(this.handlers.error, new SecureMeetingError('unreachable', message, { cause: attempt.error }));
    }
    // An error handler may have closed us.
    if (this.#state === 'closed') return;
    const delay = this.#backoff.next();
    if (delay === null) return this.close();
    if (this.#everOpened) this.#setState('reconnecting');
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#dial();
    }, delay);
  }
}
