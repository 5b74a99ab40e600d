// Registers <secure-meeting>, <join-gate> and <peer-tile> and lists the public
// exports, without choosing how adapters load: components/index.ts (lazy
// import()) and each file of components/bundles/ (compiled in) add that.
export { JoinGate, JoinRequestEvent, checkJoinFields } from './join-gate/join-gate.js';
export type { JoinFields, JoinFieldErrors } from './join-gate/join-gate.js';
export { PeerTile } from './peer-tile/peer-tile.js';
export { SecureMeeting } from './secure-meeting/secure-meeting.js';
export {
  MeetingJoinEvent,
  MeetingLeaveEvent,
  PeerJoinEvent,
  PeerLeaveEvent,
  SecureMeetingErrorEvent,
} from './secure-meeting/events.js';
export { defaultRelayUrl, ADAPTERS, BUNDLE_FILES } from './secure-meeting/adapters.js';
export type {
  AdapterName,
  AdapterOptions,
  MqttAdapterOptions,
  SocketIoAdapterOptions,
  WebSocketAdapterOptions,
} from './secure-meeting/adapters.js';
// The languages: a site's own with defineLanguage(); the messages' type to write one against.
export { defineLanguage, shippedLanguages } from './i18n/i18n.js';
export type { Messages, Translation } from './i18n/i18n.js';
