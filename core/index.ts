// The headless API: everything a custom UI needs, without Lit or a transport.
export { createMeeting, Meeting, type MeetingOptions, type PeerStats } from './meeting.js';
export { MeetingStateEvent, RelayStateEvent, PeerEvent, MeetingErrorEvent, JoinWindowEvent } from './events.js';
export type { MeetingState, RemotePeer, MeetingEventMap, JoinWindowState } from './events.js';
export { SecureMeetingError, invalidOption, type SecureMeetingErrorCode } from './errors.js';
export type { RelayAdapter, RelayConnection, RelayHandlers, RelayState, RelayTarget } from './relay.js';
export { deriveRoomKeys, keyScheduleVectors, PBKDF2_ITERATIONS, type RoomKeys, type KeyScheduleInput } from './crypto.js';
export { EnvelopeCodec, DROP_REASONS, MAX_ENVELOPE_BYTES, MAX_CLOCK_SKEW_MS, type DropReason, type Inbound } from './envelope.js';
export { DEFAULT_MEDIA, openLocalMedia } from './media.js';
