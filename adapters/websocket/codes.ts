/**
 * Close codes of our relay (server.ts), which the client (client.ts) maps to
 * typed errors. 4000–4999 is the range RFC 6455 §7.4.2 leaves to applications.
 */
export const CLOSE_BAD_TOPIC = 4000;
export const CLOSE_UNAUTHORIZED = 4001;
export const CLOSE_TOPIC_FULL = 4003;
export const CLOSE_RATE_LIMIT = 4008;
/** More connections from the client's address than maxConnectionsPerAddress (the number after HTTP 429). */
export const CLOSE_TOO_MANY_CONNECTIONS = 4029;
/** RFC 6455 §7.4.1 "message too big": `ws` sends it when a frame exceeds maxPayload. */
export const CLOSE_TOO_BIG = 1009;

/**
 * Subprotocols the client offers. Our relay selects the first when it accepts
 * the socket and the second when it is about to close it with a refusal, so the
 * client knows not to report 'open' for a socket that is only there to carry
 * the close code (a browser never sees the HTTP status of a refused
 * handshake). Generic relays select neither, or the first (`ws` by default).
 */
export const PROTOCOL = 'secure-meeting.relay.v1';
export const PROTOCOL_REFUSED = 'secure-meeting.relay.refused';
