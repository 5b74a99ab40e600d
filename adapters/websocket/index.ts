export { websocketRelay } from './client.js';
export type { WebSocketConstructor, WebSocketLike, WebSocketRelayOptions } from './client.js';
export type { ReconnectOptions } from '../common.js';
