// Importing this entry registers <secure-meeting>, <join-gate> and <peer-tile>.
export { JoinGate, JoinRequestEvent, checkJoinFields } from './join-gate/join-gate.js';
export type { JoinFields, JoinFieldErrors } from './join-gate/join-gate.js';
export { PeerTile } from './peer-tile/peer-tile.js';
export {
  SecureMeeting,
  MeetingJoinEvent,
  MeetingLeaveEvent,
  PeerJoinEvent,
  PeerLeaveEvent,
  SecureMeetingErrorEvent,
  defaultRelayUrl,
  ADAPTERS,
} from './secure-meeting/secure-meeting.js';
export type {
  AdapterName,
  AdapterOptions,
  MqttAdapterOptions,
  SocketIoAdapterOptions,
  WebSocketAdapterOptions,
} from './secure-meeting/secure-meeting.js';
