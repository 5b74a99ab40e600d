import type { SecureMeetingError } from './errors.js';
import type { ActiveSpeakerEvent } from './features/active-speaker.js';
import type { ChatEvent } from './features/chat.js';
import type { FileEvent } from './features/file-events.js';
import type { HandsEvent } from './features/hands.js';
import type { VideoFitEvent } from './features/video-fit.js';
import type { JoinWindowEvent } from './features/join-window.js';
import type { ModerationEvent } from './features/moderation.js';
import type { PermissionsEvent } from './features/permissions.js';
import type { QualityEvent, QualitySampleEvent, UplinkEvent } from './features/quality.js';
import type { EpochEvent, RemovalEvent } from './features/removal.js';
import type { RolesEvent } from './features/roles.js';
import type { KnockEvent, WaitingRoomEvent } from './features/waiting-room.js';
import type { ScreenShareEvent } from './features/screen-share.js';
import type { RelayState } from './relay.js';

export { JoinWindowEvent, type JoinWindowState } from './features/join-window.js';

/** Where a meeting is in its life. `connecting` starts once the keys are derived. */
export type MeetingState = 'idle' | 'deriving' | 'connecting' | 'joined' | 'left';

/** A remote member as core knows it; the same object is updated in place. */
export interface RemotePeer {
  /** Their member id: the hash prefix of `publicKey`. */
  readonly id: string;
  /** Their identity key (base64url, raw P-256), which signed everything they sealed. */
  readonly publicKey: string;
  /** Display name the member chose (travels only inside sealed envelopes). */
  readonly name: string;
  /**
   * Their audio+video, once the first track arrives: a stream of ours holding
   * only the tracks this client shows (permissions: what a host has not
   * allowed them to send is held back, whatever their page does).
   */
  readonly stream: MediaStream | null;
  /**
   * Every stream they send, by the id the sender gave it: `stream` and any
   * other, such as a shared screen (the screen-share feature says which);
   * each holds only the tracks this client shows.
   */
  readonly streams: ReadonlyMap<string, MediaStream>;
  readonly audioEnabled: boolean;
  readonly videoEnabled: boolean;
  readonly connectionState: RTCPeerConnectionState;
  /** The direct link is down and being repaired (ICE restart, signaled round it); media waits. */
  readonly reconnecting: boolean;
  /**
   * The connection failed before it ever opened: no network path between us
   * (a TURN server may be needed). Retried once; the member is dropped when
   * its time to connect runs out.
   */
  readonly connectionFailed: boolean;
}

export class MeetingStateEvent extends Event {
  /** With state 'left': why, when the meeting ended us rather than we it (code 'removed'); null otherwise. */
  readonly reason: SecureMeetingError | null;
  constructor(readonly state: MeetingState, reason: SecureMeetingError | null = null) {
    super('state');
    this.reason = reason;
  }
}

export class RelayStateEvent extends Event {
  constructor(readonly state: RelayState) {
    super('relaystate');
  }
}

/** `peerjoin`, `peerupdate` (stream, name or mic/camera state changed) and `peerleave`. */
export class PeerEvent extends Event {
  constructor(type: 'peerjoin' | 'peerupdate' | 'peerleave', readonly peer: RemotePeer) {
    super(type);
  }
}

export class MeetingErrorEvent extends Event {
  constructor(readonly error: SecureMeetingError) {
    super('error');
  }
}

export interface MeetingEventMap {
  joinwindow: JoinWindowEvent;
  roles: RolesEvent;
  removal: RemovalEvent;
  epoch: EpochEvent;
  hands: HandsEvent;
  videofit: VideoFitEvent;
  activespeaker: ActiveSpeakerEvent;
  screenshare: ScreenShareEvent;
  permissions: PermissionsEvent;
  muterequest: ModerationEvent;
  handlowered: ModerationEvent;
  chat: ChatEvent;
  knock: KnockEvent;
  waitingroom: WaitingRoomEvent;
  fileoffer: FileEvent;
  fileprogress: FileEvent;
  filedone: FileEvent;
  filecancel: FileEvent;
  fileerror: FileEvent;
  quality: QualityEvent;
  qualitysample: QualitySampleEvent;
  uplink: UplinkEvent;
  state: MeetingStateEvent;
  relaystate: RelayStateEvent;
  peerjoin: PeerEvent;
  peerupdate: PeerEvent;
  peerleave: PeerEvent;
  error: MeetingErrorEvent;
}
