// The headless API: everything a custom UI needs, without Lit or a transport.
export { createMeeting, Meeting, BUILT_IN_FEATURES, type PeerStats } from './meeting.js';
export { MAX_TIMED_PEERS, type JoinTimings, type PeerTimings } from './timings.js';
export type { MeetingOptions } from './options.js';
export { MeetingStateEvent, RelayStateEvent, PeerEvent, MeetingErrorEvent, JoinWindowEvent } from './events.js';
export type { MeetingState, RemotePeer, MeetingEventMap, JoinWindowState } from './events.js';
export { SecureMeetingError, invalidOption, type SecureMeetingErrorCode } from './errors.js';
export type { RelayAdapter, RelayConnection, RelayHandlers, RelayState, RelayTarget } from './relay.js';
export { deriveRoomKeys, prepareRoomKeys, keyScheduleVectors, PBKDF2_ITERATIONS, type RoomKeys, type KeyScheduleInput, type PreparedRoomKeys } from './crypto.js';
export { EnvelopeCodec, DROP_REASONS, MAX_ENVELOPE_BYTES, MAX_CLOCK_SKEW_MS, type DropReason, type Inbound } from './envelope.js';
export { DEFAULT_MEDIA, openLocalMedia } from './media/open.js';
// Writing features: see README, "Writing a feature".
export { defineFeature, type Feature, type FeatureContext, type JoinKeys, type PeerInfo, type PeerRtp } from './features/feature.js';
export { defineMessage, CONTROL_DROP_REASONS, type MessageType, type ControlDropReason } from './wire/registry.js';
export { joinWindow, type JoinWindowApi } from './features/join-window.js';
export { memberState, type MemberStateApi } from './features/member-state.js';
export { roles, RolesEvent, GENESIS_WAIT_MS, ROLE_DROP_REASONS, type RolesApi, type Role, type RoleDropReason, type ActionType, type HostAction, type SignedAction } from './features/roles.js';
export { removal, RemovalEvent, EpochEvent, REMOVE_LINGER_MS, REMOVAL_DROP_REASONS, type RemovalApi, type RemovalDropReason } from './features/removal.js';
export { hands, HandsEvent, type HandsApi } from './features/hands.js';
export { permissions, PermissionsEvent, ALL_ALLOWED, type Permissions, type PermissionsApi } from './features/permissions.js';
export { moderation, ModerationEvent, EVERYONE, type ModerationApi } from './features/moderation.js';
export { screenShare, ScreenShareEvent, MAX_PRESENTERS, type ScreenShareApi } from './features/screen-share.js';
export { chat, chatWith, ChatEvent, HISTORY_LIMIT, MAX_MESSAGE_LENGTH, type ChatApi, type ChatChange, type ChatMessage, type ChatStore } from './features/chat.js';
export { files, FileEvent, DEFAULT_MAX_FILE_BYTES, type FilesApi, type FileTransfer, type FileTransferState, type FileFailure, type Recipient, type FileDropReason } from './features/files.js';
export type { ChannelDropReason } from './features/channels.js';
export { waitingRoom, KnockEvent, WaitingRoomEvent, type WaitingRoomApi, type WaitingState, type Knock, type Denial } from './features/waiting-room.js';
export { activeSpeaker, ActiveSpeakerEvent, SpeakerDetector, type ActiveSpeakerApi, type LevelSource } from './features/active-speaker.js';
export { systemClock, type Clock } from './clock.js';
export { createIdentity, idOf, pairSafetyCode, roomSafetyCode, type Identity, type SafetyInput } from './identity.js';
