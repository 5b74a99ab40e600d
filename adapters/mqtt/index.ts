export { mqttRelay } from './client.js';
export type { MqttRelayOptions } from './client.js';
export type { ReconnectOptions } from '../common.js';
