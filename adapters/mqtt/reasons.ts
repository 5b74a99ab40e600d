/**
 * What the broker's refusals mean for a meeting. MQTT 3.1.1 has six CONNACK
 * return codes (§3.2.2.3) and one SUBACK failure (0x80, §3.9.3); MQTT 5 has
 * reason codes on CONNACK, SUBACK, PUBACK and DISCONNECT (§2.4). Each maps to
 * one of our error codes, a sentence a person can read in the UI, and
 * whether retrying could help.
 */
import type { SecureMeetingErrorCode } from '../../core/errors.js';

export interface Verdict {
  readonly code: SecureMeetingErrorCode;
  /** Without the library prefix. */
  readonly message: string;
  /** Retrying cannot help: report and close for good. */
  readonly fatal: boolean;
}

/** MQTT 5 reason codes (§2.4) in plain words, for the messages. */
const NAMES: Record<number, string> = {
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x83: 'implementation specific error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorised',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8b: 'server shutting down',
  0x8c: 'bad authentication method',
  0x8d: 'keep alive timeout',
  0x8e: 'session taken over',
  0x8f: 'topic filter invalid',
  0x90: 'topic name invalid',
  0x93: 'receive maximum exceeded',
  0x94: 'topic alias invalid',
  0x95: 'packet too large',
  0x96: 'message rate too high',
  0x97: 'quota exceeded',
  0x98: 'administrative action',
  0x99: 'payload format invalid',
  0x9a: 'retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'use another server',
  0x9d: 'server moved',
  0x9e: 'shared subscriptions not supported',
  0x9f: 'connection rate exceeded',
  0xa0: 'maximum connect time',
  0xa1: 'subscription identifiers not supported',
  0xa2: 'wildcard subscriptions not supported',
};

export function reasonName(code: number): string {
  return NAMES[code] ?? `reason code 0x${code.toString(16).padStart(2, '0')}`;
}

/** MQTT 3.1.1 CONNACK return codes (§3.2.2.3) as their MQTT 5 equivalents, so one table serves both. */
const V4_CONNACK: Record<number, number> = { 1: 0x84, 2: 0x85, 3: 0x88, 4: 0x86, 5: 0x87 };

/** A refused CONNECT. `code` is the CONNACK's return code (3.1.1) or reason code (5). */
export function connackVerdict(code: number, version: 4 | 5): Verdict {
  // A 3.1.1-only broker answers a v5 CONNECT with the 3.1.1 code 1 (§3.1.2.2); the caller falls back before asking us.
  const rc = version === 4 || code < 0x80 ? (V4_CONNACK[code] ?? code) : code;
  const refused = (message: string): Verdict => ({ code: 'rejected', message, fatal: true });
  switch (rc) {
    case 0x86:
      return { code: 'unauthorized', message: 'the MQTT broker refused the username or password', fatal: true };
    case 0x87:
      // Mosquitto answers a wrong password with this one too.
      return {
        code: 'unauthorized',
        message: 'the MQTT broker refused access: wrong username or password, or this user may not connect',
        fatal: true,
      };
    case 0x8a:
      return { code: 'unauthorized', message: 'the MQTT broker has banned this client', fatal: true };
    case 0x8c:
      return { code: 'unauthorized', message: 'the MQTT broker wants another authentication method', fatal: true };
    case 0x84:
      return refused('the MQTT broker speaks neither MQTT 5 nor MQTT 3.1.1');
    case 0x85:
      return refused('the MQTT broker refused the client id; choose another clientId');
    case 0x88:
    case 0x89:
    case 0x97:
    case 0x9f:
      // Load or maintenance: worth another try later, reported like an outage.
      return { code: 'unreachable', message: `the MQTT broker is not taking connections right now (${reasonName(rc)})`, fatal: false };
    case 0x9c:
    case 0x9d:
      return refused(`the MQTT broker sends clients to another server (${reasonName(rc)}); point url at that server`);
    default:
      return refused(`the MQTT broker refused the connection (${reasonName(rc)})`);
  }
}

/**
 * A DISCONNECT from the broker (MQTT 5 only; a 3.1.1 broker just closes).
 * null: an ordinary drop, reconnect without an error.
 */
export function disconnectVerdict(code: number): Verdict | null {
  switch (code) {
    case 0x87:
      return { code: 'unauthorized', message: 'the MQTT broker withdrew access (not authorised)', fatal: true };
    case 0x8e:
      return {
        code: 'rejected',
        message: 'another connection with the same client id took over; each connection needs its own clientId',
        fatal: true,
      };
    case 0x93:
    case 0x94:
    case 0x95:
    case 0x96:
    case 0x97:
      // Too much or too big: this connection broke a limit, the next one may not.
      return { code: 'rejected', message: `the MQTT broker dropped the connection (${reasonName(code)}); reconnecting`, fatal: false };
    case 0x8a:
    case 0x8c:
    case 0x8f:
    case 0x90:
    case 0x99:
    case 0x9a:
    case 0x9b:
    case 0x9c:
    case 0x9d:
    case 0x9e:
    case 0xa1:
    case 0xa2:
      return { code: 'rejected', message: `the MQTT broker closed the connection (${reasonName(code)})`, fatal: true };
    default:
      // Normal disconnection, shutting down, busy, keep-alive timeout, administrative action…
      return null;
  }
}

/** A SUBACK failure (0x80 in 3.1.1, any code >= 0x80 in 5) for the meeting topic. */
export function subackVerdict(code: number): Verdict {
  const message =
    code === 0x87 || code === 0x80
      ? 'the MQTT broker refused the subscription to the meeting topic; check its ACL against topicPrefix'
      : `the MQTT broker refused the subscription to the meeting topic (${reasonName(code)})`;
  return { code: 'rejected', message, fatal: true };
}

/** A PUBACK failure (MQTT 5, QoS 1). */
export function pubackVerdict(code: number): Verdict {
  const message =
    code === 0x87
      ? 'the MQTT broker does not let this user publish to the meeting topic; check its ACL against topicPrefix'
      : `the MQTT broker refused a message (${reasonName(code)})`;
  return { code: 'rejected', message, fatal: true };
}
