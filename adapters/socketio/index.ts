export { socketioRelay } from './client.js';
export type { SocketIoRelayOptions, SocketIoTransport } from './client.js';
export type { ReconnectOptions } from '../common.js';
