import type { SecureMeetingError } from './errors.js';

/**
 * The adapter contract: transport only. An adapter connects to one topic,
 * publishes opaque strings, hands inbound strings up, and reports its state
 * and typed errors. It never sees a key, an SDP or a name: everything it
 * carries is an already-sealed envelope.
 */
export type RelayState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface RelayTarget {
  /** The blinded topic (32 hex characters); the only room name a relay ever sees. */
  readonly topic: string;
  /**
   * The plain channel, for relays whose URL wants a number (the
   * `[CHANNEL_ID]` template). Adapters must not use it otherwise.
   */
  readonly channel: string;
}

export interface RelayHandlers {
  /** An inbound frame, as text. Binary frames are decoded as UTF-8 first. */
  message(data: string): void;
  state(state: RelayState): void;
  error(error: SecureMeetingError): void;
}

export interface RelayConnection {
  readonly state: RelayState;
  /** Sends one frame. Returns false (and drops it) when the connection is not open. */
  publish(data: string): boolean;
  /** Closes for good: no reconnect, no timers left. Idempotent. */
  close(): void;
}

export interface RelayAdapter {
  /** A short name for diagnostics, e.g. "websocket". */
  readonly kind: string;
  connect(target: RelayTarget, handlers: RelayHandlers): RelayConnection;
  /**
   * Optional: dial ahead while the person is still in the form, so that the
   * next `connect()` finds its connection made. Called first without a
   * target (the keys are being derived: MQTT dials the broker), then with
   * the target once they are (MQTT subscribes to it then; a relay whose
   * connection is per topic, like ours over WebSocket, opens it then). A
   * connection no `connect()` takes
   * soon is closed again. Never throws; a failure here is met again, and
   * reported, by `connect()`.
   */
  warm?(target?: RelayTarget): void;
}
