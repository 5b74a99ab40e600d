export { websocketRelay } from './client.js';
export type {
  ReconnectOptions,
  WebSocketConstructor,
  WebSocketLike,
  WebSocketRelayOptions,
} from './client.js';
