import mqtt from 'mqtt';
import type { MqttClient, Packet } from 'mqtt';
import { SecureMeetingError, invalidOption } from '../../core/errors.js';
import { ReconnectingConnection, type Attempt, type Ending, type Transport } from '../reconnecting.js';
import type { RelayAdapter, RelayConnection, RelayHandlers, RelayTarget } from '../../core/relay.js';
import { connackVerdict, disconnectVerdict, pubackVerdict, type Verdict } from './reasons.js';
import { readOptions, type MqttRelayOptions, type Settings } from './options.js';
import { SentPayloads } from './sent.js';
import { clientOptions, dialEarly, ignore, listen, randomClientId, refused, subscribeAndProbe, type Early } from './dial.js';

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

/** The broker's words for a transport failure, one line, for the 'unreachable' message. */
function summary(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const line = message.split('\n', 1)[0]?.trim().slice(0, 200) ?? '';
  return line === '' ? '' : ` (${line})`;
}

const utf8 = new TextDecoder();

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

/** The broker's answer to a QoS 1 publish. Only an MQTT 5 PUBACK can say no; 3.1.1 brokers drop silently. */
function acked(attempt: Attempt, error: unknown): void {
  if (!attempt.current || error === undefined || error === null) return;
  const code = (error as { code?: unknown }).code;
  // Other errors ("Connection closed") come with a dropped connection, which 'close' handles.
  if (typeof code === 'number' && code >= 0x80) attempt.ended({ kind: 'fatal', error: refused(pubackVerdict(code)) });
}
