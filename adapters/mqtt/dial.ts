// The mqtt.js side of the MQTT adapter: a client's options and listeners, a
// client dialled ahead by warm() (and subscribed ahead once the topic is
// known), and subscribing with the probe that shows whether the broker
// takes our messages. client.ts builds the adapter and its attempts on these.
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient, Packet } from 'mqtt';
import { SecureMeetingError } from '../../core/errors.js';
import { pubackVerdict, subackVerdict, type Verdict } from './reasons.js';
import type { Settings } from './options.js';

/** A client dialled by warm(), on no topic or subscribed ahead to one (subscribeTo), and what it has seen so far. */
export interface Early {
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

export function clientOptions(settings: Settings, clientId: string, version: 4 | 5): IClientOptions {
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
export function listen(client: MqttClient, listeners: Record<string, (...args: never[]) => void>): () => void {
  const entries = Object.entries(listeners) as [string, (...args: unknown[]) => void][];
  for (const [event, fn] of entries) client.on(event as 'close', fn);
  return () => {
    for (const [event, fn] of entries) client.off(event as 'close', fn);
  };
}

/** Dials ahead; null when the client cannot even be made (a bad URL, a CSP block): connect() meets that again and reports it. */
export function dialEarly(settings: Settings, clientId: string, version: 4 | 5): Early | null {
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
export function randomClientId(): string {
  const bytes = new Uint8Array(10);
  globalThis.crypto.getRandomValues(bytes);
  return 'sm' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const ignore = (): void => {};

export const refused = (verdict: Verdict, cause?: unknown): SecureMeetingError =>
  new SecureMeetingError(verdict.code, verdict.message, cause === undefined ? undefined : { cause });

/** How subscribing and probing went: both acknowledged, refused in the broker's words, or the connection dropped first. */
export type Subscribed = { kind: 'ok' } | { kind: 'refused'; error: SecureMeetingError } | { kind: 'lost' };

/**
 * Subscribes to `topic` and publishes an empty probe with QoS 1 to it. 'ok'
 * needs both acknowledgements: the SUBACK means nothing published after it
 * is missed; the PUBACK means the broker takes our messages (an MQTT 5
 * broker says so in its reason code; Mosquitto grants any subscription and
 * applies its ACL only when delivering, so the probe is how a topic outside
 * the ACL shows up). Members drop empty payloads.
 */
export function subscribeAndProbe(client: MqttClient, topic: string, version: 4 | 5, qos: 0 | 1): Promise<Subscribed> {
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
