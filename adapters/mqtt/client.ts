import mqtt from 'mqtt';
import type { IClientOptions, MqttClient, Packet } from 'mqtt';
import { SecureMeetingError, invalidOption } from '../../core/errors.js';
import { ReconnectingConnection, type Attempt, type Ending, type Transport } from '../reconnecting.js';
import type { RelayAdapter, RelayConnection, RelayHandlers, RelayTarget } from '../../core/relay.js';
import { connackVerdict, disconnectVerdict, pubackVerdict, subackVerdict, type Verdict } from './reasons.js';
import { readOptions, type MqttRelayOptions, type Settings } from './options.js';
import { SentPayloads } from './sent.js';

export type { MqttRelayOptions } from './options.js';

/**
 * A relay adapter for an existing MQTT broker, spoken to over WebSockets with mqtt.js.
 * `warm()` makes the WebSocket and MQTT CONNECT ahead; `warm(target)`, once
 * the topic is known, subscribes there too (and sends the probe). The next
 * `connect()` to that topic takes the connection as it is, and is open as
 * soon as the broker has acknowledged both. A broker's WebSocket handshake
 * and CONNACK can take a while (Debian's Mosquitto 2.0: ~200 ms on
 * loopback), its SUBACK and PUBACK ~100 ms more, and a person pausing in the
 * form is time to spend on them. What arrives on the topic before
 * `connect()` is dropped: we are not in the meeting yet.
 */
export function mqttRelay(options: MqttRelayOptions): RelayAdapter {
  const settings = readOptions(options);
  let warm: Early | null = null;
  let expiry: ReturnType<typeof setTimeout> | undefined;
  return {
    kind: 'mqtt',
    connect(target: RelayTarget, handlers: RelayHandlers): RelayConnection {
      const topic = target?.topic;
      if (typeof topic !== 'string' || topic === '' || /[+#\0]/.test(topic)) {
        throw invalidOption('mqttRelay: connect() needs a non-empty topic without + or #');
      }
      const early = warm;
      warm = null;
      clearTimeout(expiry);
      return new ReconnectingConnection(new MqttAttempts(settings, settings.topicPrefix + topic, early), settings.reconnect, handlers);
    },
    warm(target?: RelayTarget): void {
      clearTimeout(expiry);
      if (settings.warmMs === 0) return;
      if (warm === null || warm.closed) warm = dialEarly(settings, settings.clientId ?? randomClientId(), settings.protocolVersion);
      const early = warm;
      if (early === null) return;
      const topic = target?.topic;
      if (typeof topic === 'string' && topic !== '' && !/[+#\0]/.test(topic)) early.subscribeTo(settings.topicPrefix + topic);
      expiry = setTimeout(() => {
        if (warm !== early) return;
        warm = null;
        early.release();
      }, settings.warmMs);
    },
  };
}

/** A client dialled by warm(), not on a topic yet, and what it has seen so far. */
interface Early {
  readonly client: MqttClient;
  readonly clientId: string;
  readonly version: 4 | 5;
  connack: number | null;
  connected: boolean;
  closed: boolean;
  error: unknown;
  /** The topic warm(target) subscribed to once connected (or will), and how that went, once it is under way. */
  topic: string | null;
  subscribed: Promise<Subscribed> | null;
  /** Subscribes to `topic` (now, or once connected), leaving an earlier one. */
  subscribeTo(topic: string): void;
  /** Our listeners off (the adopting attempt has its own). */
  detach(): void;
  /** Listeners off and the client ended: not taken. */
  release(): void;
}

function clientOptions(settings: Settings, clientId: string, version: 4 | 5): IClientOptions {
  const options: IClientOptions = {
    protocolVersion: version,
    clientId,
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
  return options;
}

/** Adds the listeners; the function returned takes them off again. */
function listen(client: MqttClient, listeners: Record<string, (...args: never[]) => void>): () => void {
  const entries = Object.entries(listeners) as [string, (...args: unknown[]) => void][];
  for (const [event, fn] of entries) client.on(event as 'close', fn);
  return () => {
    for (const [event, fn] of entries) client.off(event as 'close', fn);
  };
}

/** Dials ahead; null when the client cannot even be made (a bad URL, a CSP block): connect() meets that again and reports it. */
function dialEarly(settings: Settings, clientId: string, version: 4 | 5): Early | null {
  let client: MqttClient;
  try {
    client = mqtt.connect(settings.url, clientOptions(settings, clientId, version));
  } catch {
    return null;
  }
  const start = (): void => {
    if (early.topic !== null && early.subscribed === null) early.subscribed = subscribeAndProbe(client, early.topic, version, settings.qos);
  };
  const early: Early = {
    client, clientId, version, connack: null, connected: false, closed: false, error: undefined,
    topic: null,
    subscribed: null,
    subscribeTo: (topic) => {
      if (early.topic === topic) return;
      if (early.topic !== null && early.subscribed !== null) client.unsubscribe(early.topic);
      early.topic = topic;
      early.subscribed = null;
      if (early.connected) start();
    },
    detach: ignore,
    release: () => {
      early.detach();
      client.on('error', ignore);
      try {
        client.end(true);
      } catch {
        // Already torn down.
      }
    },
  };
  const onPacket = (packet: Packet): void => {
    if (packet.cmd === 'connack') early.connack = (version === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
  };
  const onConnect = (): void => {
    early.connected = true;
    start();
  };
  const onError = (error: unknown): void => {
    early.error = error;
  };
  const onClose = (): void => {
    early.closed = true;
  };
  early.detach = listen(client, { packetreceive: onPacket, connect: onConnect, error: onError, close: onClose });
  try {
    client.connect();
  } catch {
    early.release();
    return null;
  }
  return early;
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

const refused = (verdict: Verdict, cause?: unknown): SecureMeetingError =>
  new SecureMeetingError(verdict.code, verdict.message, cause === undefined ? undefined : { cause });

/** One attempt: one mqtt.js client, one socket, and what it has seen so far. */
interface Dialled {
  readonly client: MqttClient;
  readonly attempt: Attempt;
  readonly version: 4 | 5;
  /** CONNACK return/reason code, once it came. */
  connack: number | null;
  /** The reason code of a DISCONNECT from the broker (MQTT 5). */
  disconnect: number | null;
  /** The last error mqtt.js reported: words for the 'unreachable' message, and the cause of ours. */
  error: unknown;
  timer: ReturnType<typeof setTimeout> | undefined;
  detach(): void;
}

class MqttAttempts implements Transport<Dialled> {
  /** Drops to 4 for good once a broker refuses MQTT 5. */
  #version: 4 | 5;
  readonly #clientId: string;
  /** What this connection published lately: a 3.1.1 broker sends it back to us. */
  readonly #sent = new SentPayloads();

  /** A client warm() dialled, for the first attempt to take if it is still good. */
  #early: Early | null;

  constructor(
    private readonly settings: Settings,
    private readonly topic: string,
    early: Early | null = null,
  ) {
    this.#version = settings.protocolVersion;
    // One id for all attempts: after a half-open socket the broker drops the stale session in favour of ours.
    this.#clientId = early?.clientId ?? settings.clientId ?? randomClientId();
    this.#early = early;
  }

  send(dialled: Dialled, data: string): boolean {
    if (!dialled.client.connected) return false;
    const { qos } = this.settings;
    try {
      // Never retained (§3.3.1.3): a retained envelope would greet every later member of the topic.
      dialled.client.publish(this.topic, data, { qos, retain: false }, (error) => {
        if (qos === 1) acked(dialled.attempt, error);
      });
    } catch {
      return false;
    }
    this.#sent.add(data);
    return true;
  }

  /** Lets go of one attempt's client: our listeners off, socket and mqtt.js timers (keep-alive, CONNACK) freed. */
  dispose(dialled: Dialled): void {
    clearTimeout(dialled.timer);
    dialled.detach();
    try {
      dialled.client.end(true);
    } catch {
      // Already torn down.
    }
  }

  open(attempt: Attempt): Dialled {
    const version = this.#version;
    const { settings } = this;
    const cannotOpen = (cause: unknown): SecureMeetingError =>
      new SecureMeetingError('unreachable', 'cannot open a connection to the MQTT broker', { cause });
    // The warm client, if it is still on its way or connected; one the broker refused is let go and dialled afresh (and refused again, in words).
    let early = this.#early;
    this.#early = null;
    if (early && (early.closed || early.version !== version || (early.connack ?? 0) !== 0)) {
      early.release();
      early = null;
    }
    let client: MqttClient;
    try {
      client = early?.client ?? mqtt.connect(settings.url, clientOptions(settings, this.#clientId, version));
    } catch (cause) {
      throw cannotOpen(cause);
    }

    const dialled: Dialled = {
      client,
      attempt,
      version,
      connack: early?.connack ?? null,
      disconnect: null,
      error: early?.error,
      timer: undefined,
      detach: ignore,
    };
    const onPacket = (packet: Packet): void => {
      if (packet.cmd === 'connack') {
        dialled.connack = (version === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
      }
    };
    const onConnect = (): void => this.#subscribe(dialled);
    const onMessage = (topic: string, payload: Uint8Array): void => {
      if (!attempt.current || topic !== this.topic) return;
      const text = utf8.decode(payload);
      // Empty: another member's reachability probe (see #subscribe). Ours: a 3.1.1 broker's echo.
      if (text === '' || this.#sent.take(text)) return;
      attempt.message(text);
    };
    const onDisconnect = (packet: { reasonCode?: number }): void => {
      dialled.disconnect = packet.reasonCode ?? 0;
      // The broker closes the socket after a DISCONNECT (§3.14.4); do not wait for it.
      client.end(true);
    };
    const onError = (error: unknown): void => {
      dialled.error = error;
    };
    const onClose = (): void => {
      // #lost may switch the version for later attempts: only the current attempt's end may decide that.
      if (attempt.current) attempt.ended(this.#lost(dialled));
    };
    const unlisten = listen(client, { packetreceive: onPacket, connect: onConnect, message: onMessage, disconnect: onDisconnect, error: onError, close: onClose });
    dialled.detach = () => {
      unlisten();
      // An 'error' listener stays (a no-op once this attempt is over): an EventEmitter 'error' with no listener throws.
      client.on('error', ignore);
    };
    this.#sent.clear();
    // Covers the WebSocket handshake, CONNACK, SUBACK and the probe's PUBACK.
    dialled.timer = setTimeout(() => {
      dialled.timer = undefined;
      dialled.error ??= new Error('timed out');
      client.end(true);
    }, settings.connectTimeoutMs);
    if (early) {
      // Ours listen now; the warm client's own go (after, so 'error' is never without a listener).
      early.detach();
      // Subscribed ahead to this topic: open once that is acknowledged. Another topic is left.
      const ahead = early.topic === this.topic ? early.subscribed : null;
      if (early.topic !== null && early.topic !== this.topic && early.subscribed !== null) client.unsubscribe(early.topic);
      if (ahead) this.#subscribe(dialled, ahead);
      else if (early.connected) this.#subscribe(dialled);
      return dialled;
    }
    try {
      client.connect();
    } catch (cause) {
      // Thrown synchronously for mixed content or a CSP block: retrying cannot help.
      this.dispose(dialled);
      throw cannotOpen(cause);
    }
    return dialled;
  }

  /**
   * After CONNACK: subscribe and probe (subscribeAndProbe), or take what
   * warm(target) started; 'open' once both are acknowledged.
   */
  #subscribe(dialled: Dialled, subscribed = subscribeAndProbe(dialled.client, this.topic, dialled.version, this.settings.qos)): void {
    const { attempt } = dialled;
    void subscribed.then((result) => {
      // Lost (the connection dropped): 'close' follows and decides.
      if (!attempt.current || result.kind === 'lost') return;
      if (result.kind === 'refused') return attempt.ended({ kind: 'fatal', error: result.error });
      clearTimeout(dialled.timer);
      dialled.timer = undefined;
      attempt.opened();
    });
  }

  /** The attempt's socket is gone: give up, fall back to 3.1.1, or retry. */
  #lost(dialled: Dialled): Ending {
    const { connack, disconnect, version, error } = dialled;
    let verdict: Verdict | null = null;
    if (connack !== null && connack !== 0) {
      // A 3.1.1-only broker refuses MQTT 5 with its "unacceptable protocol version" (1), an MQTT 5 one with 0x84.
      if (version === 5 && (connack === 1 || connack === 0x84)) {
        this.#version = 4;
        return { kind: 'redial' };
      }
      verdict = connackVerdict(connack, version);
    } else if (disconnect !== null) {
      verdict = disconnectVerdict(disconnect);
    }
    // mqtt.js's own error ("Connection refused: Not authorized") rides along as the cause.
    if (verdict?.fatal) return { kind: 'fatal', error: refused(verdict, error) };
    if (verdict !== null && verdict.code !== 'unreachable') {
      return { kind: 'retry', error: new SecureMeetingError(verdict.code, verdict.message, { cause: error }) };
    }
    const message = verdict?.message ?? `cannot reach the MQTT broker${summary(error)}`;
    return { kind: 'unreachable', error: new SecureMeetingError('unreachable', message, { cause: error }) };
  }
}

/** How subscribing and probing went: both acknowledged, refused in the broker's words, or the connection dropped first. */
type Subscribed = { kind: 'ok' } | { kind: 'refused'; error: SecureMeetingError } | { kind: 'lost' };

/**
 * Subscribes to `topic` and publishes an empty probe with QoS 1 to it. 'ok'
 * needs both acknowledgements: the SUBACK means nothing published after it
 * is missed; the PUBACK means the broker takes our messages (an MQTT 5
 * broker says so in its reason code; Mosquitto grants any subscription and
 * applies its ACL only when delivering, so the probe is how a topic outside
 * the ACL shows up). Members drop empty payloads.
 */
function subscribeAndProbe(client: MqttClient, topic: string, version: 4 | 5, qos: 0 | 1): Promise<Subscribed> {
  return new Promise((resolve) => {
    let pending = 2;
    const done = (): void => {
      pending -= 1;
      if (pending === 0) resolve({ kind: 'ok' });
    };
    // No Local (MQTT 5 §3.8.3.1): the broker does not send us our own messages. 3.1.1 has no such flag.
    const subscription = version === 5 ? { qos, nl: true, rap: false, rh: 0 as const } : { qos };
    client.subscribe(topic, subscription, (_error, _granted, packet) => {
      if (packet === undefined) return resolve({ kind: 'lost' });
      const code = (packet.granted as unknown[]).find((c): c is number => typeof c === 'number' && c >= 0x80);
      if (code !== undefined) return resolve({ kind: 'refused', error: refused(subackVerdict(code)) });
      done();
    });
    client.publish(topic, '', { qos: 1, retain: false }, (error) => {
      if (error === undefined || error === null) return done();
      const code = (error as { code?: unknown }).code;
      // Other errors ("Connection closed") come with a dropped connection, which 'close' handles.
      resolve(typeof code === 'number' && code >= 0x80 ? { kind: 'refused', error: refused(pubackVerdict(code)) } : { kind: 'lost' });
    });
  });
}

/** The broker's answer to a QoS 1 publish. Only an MQTT 5 PUBACK can say no; 3.1.1 brokers drop silently. */
function acked(attempt: Attempt, error: unknown): void {
  if (!attempt.current || error === undefined || error === null) return;
  const code = (error as { code?: unknown }).code;
  // Other errors ("Connection closed") come with a dropped connection, which 'close' handles.
  if (typeof code === 'number' && code >= 0x80) attempt.ended({ kind: 'fatal', error: refused(pubackVerdict(code)) });
}
