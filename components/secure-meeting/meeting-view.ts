// The meeting on screen: the grid, the toolbar and the side panels, with one
// controller per feature. <secure-meeting> fetches this module (and core with
// it) with import() when Join is pressed, while the keys are derived, so a
// page that only shows the join form carries neither.
import { html, nothing } from 'lit';
import type { ReactiveControllerHost } from 'lit';
import type { Meeting } from '../../core/index.js';
import '../peer-tile/peer-tile.js';
import type { FeatureController } from '../features/feature.js';
import { JoinWindowController, joinWindowControls } from '../features/join-window.js';
import { MemberStateController, memberStateControls } from '../features/member-state.js';
import { SafetyCodeController, safetyCodeButton, safetyCodePanel } from '../features/safety-code.js';
import { HandsController, handButton } from '../features/hands.js';
import { ActiveSpeakerController } from '../features/active-speaker.js';
import { ParticipantsController, participantsButton, participantsPanel } from '../features/participants.js';
import { ModerationController, moderationRequest } from '../features/moderation.js';
import { DevicesController, settingsButton, settingsPanel } from '../features/devices.js';
import { ChatController, chatButton, chatPanel } from '../features/chat.js';
import { FilesController, filesInChat } from '../features/files.js';
import { InviteController, inviteButton, invitePanel, type InviteSource } from '../features/invite.js';
import { ScreenShareController, screenShareButton } from '../features/screen-share.js';
import { VideoFitController } from '../features/video-fit.js';
import { RemovalController, newPassphraseNotice } from '../features/removal.js';
import { QualityController, uplinkWarning } from '../features/quality.js';
import { removal } from '../../core/features/removal.js';
import { WaitingRoomController, knockList, waitingRoomButton, waitingScreen } from '../features/waiting-room.js';
import { AnnouncerController, announcements } from '../features/announcer.js';
import { GridSizeController, participantsGrid } from './grid.js';
import { spotlight } from './spotlight.js';
import { ToolbarController, type ToolbarItem } from './toolbar.js';

export { createMeeting } from '../../core/meeting.js';
export { prepareRoomKeys } from '../../core/crypto.js';

/** What the view needs of its element: redraws, and where its parts are. */
export type ViewHost = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

/** What the view asks of the element that shows it. */
export interface ViewActions {
  /** Ends our link with one member. */
  disconnectPeer(id: string): void;
  /** A person pressed Leave. */
  leave(): void;
  /** What an invite is for: the channel joined and the element's namespace. */
  invite: InviteSource;
}

export class MeetingView {
  // One controller per feature, each feeding the part of the toolbar that shows it.
  private readonly memberState: MemberStateController;
  private readonly joining: JoinWindowController;
  private readonly safety: SafetyCodeController;
  private readonly hands: HandsController;
  private readonly speaker: ActiveSpeakerController;
  private readonly participants: ParticipantsController;
  /** Host controls in the participants panel; its `remove` is the removal feature's. */
  readonly moderation: ModerationController;
  private readonly devices: DevicesController;
  private readonly invite: InviteController;
  private readonly chat: ChatController;
  private readonly files: FilesController;
  private readonly screenShare: ScreenShareController;
  private readonly videoFit: VideoFitController;
  private readonly removal: RemovalController;
  private readonly waitingRoom: WaitingRoomController;
  private readonly quality: QualityController;
  private readonly announcer: AnnouncerController;
  private readonly toolbar: ToolbarController;
  private readonly gridSize: GridSizeController;
  /** Attached to each meeting while it lasts (MeetingController does it). */
  readonly features: readonly FeatureController[];

  constructor(private readonly host: ViewHost, private readonly actions: ViewActions) {
    this.features = [
      (this.memberState = new MemberStateController(host)),
      (this.joining = new JoinWindowController(host)),
      (this.safety = new SafetyCodeController(host)),
      (this.hands = new HandsController(host)),
      (this.speaker = new ActiveSpeakerController(host)),
      (this.participants = new ParticipantsController(host)),
      (this.moderation = new ModerationController(host)),
      (this.devices = new DevicesController(host)),
      (this.invite = new InviteController(host, actions.invite)),
      (this.screenShare = new ScreenShareController(host)),
      (this.chat = new ChatController(host)),
      (this.files = new FilesController(host)),
      (this.removal = new RemovalController(host)),
      (this.waitingRoom = new WaitingRoomController(host)),
      (this.quality = new QualityController(host)),
      (this.videoFit = new VideoFitController(host)),
      (this.announcer = new AnnouncerController(host, () => this.chat.open)),
    ];
    // Remove on a member's row: the removal feature (a new room secret for everyone else).
    this.moderation.remove = (m, id) => m.feature(removal).remove(id);
    this.toolbar = new ToolbarController(host);
    this.gridSize = new GridSizeController(host);
  }

  /**
   * The toolbar's controls, in order. Adding one is one line here (see
   * toolbar.ts): `priority` lower stays in the toolbar longer when space
   * runs out (default 5), `pinned` never moves into "More".
   */
  private toolbarItems(peers: number): ToolbarItem[] {
    return [
      { key: 'media', pinned: true, render: () => memberStateControls(this.memberState) },
      { key: 'join-window', priority: 8, render: () => joinWindowControls(this.joining) },
      { key: 'safety', priority: 7, render: () => safetyCodeButton(this.safety) },
      { key: 'hand', priority: 2, render: () => handButton(this.hands) },
      { key: 'participants', priority: 3, render: () => participantsButton(this.participants, peers + 1) },
      { key: 'chat', priority: 2, render: () => chatButton(this.chat) },
      { key: 'settings', priority: 6, render: () => settingsButton(this.devices) },
      { key: 'invite', priority: 4, render: () => inviteButton(this.invite) },
      { key: 'share-screen', priority: 1, render: () => screenShareButton(this.screenShare) },
      // Hosts and co-hosts only: whether newcomers wait.
      ...(this.waitingRoom.mayAct ? [{ key: 'waiting-room', priority: 6, render: () => waitingRoomButton(this.waitingRoom) }] : []),
      {
        key: 'leave', pinned: true,
        render: () => html`<button part="button leave" class="leave" type="button" @click=${() => this.actions.leave()}>${this.memberState.i18n.t.toolbarLeave}</button>`,
      },
    ];
  }

  render(m: Meeting) {
    // Held by the waiting room (or turned away): that, instead of the meeting.
    const waiting = waitingScreen(this.waitingRoom, () => this.actions.leave());
    if (waiting !== nothing) return waiting;
    const peers = [...m.peers.values()];
    const screens = this.screenShare.screens;
    return html`
      ${knockList(this.waitingRoom)}
      ${announcements(this.announcer)}
      <div part="stage" class=${screens.length > 0 ? 'stage spotlit' : 'stage'}>
        ${screens.length > 0 ? spotlight(screens, this.memberState.i18n.t) : nothing}
        ${participantsGrid(m, this.memberState, peers, (id) => this.actions.disconnectPeer(id), (id) => void this.showSafetyCode(id),
          { hands: this.hands.raised, speaker: this.speaker.current, first: this.speaker.last, quality: (id) => this.quality.tile(id) }, this.devices.speaker,
          this.gridSize, { strip: screens.length > 0, screens: this.screenShare.screenStreams }, this.videoFit)}
      </div>
      ${moderationRequest(this.moderation)}
      ${uplinkWarning(this.quality)}
      ${newPassphraseNotice(this.removal)}
      ${this.toolbar.render(this.toolbarItems(peers.length))}
      ${safetyCodePanel(this.safety)} ${participantsPanel(this.participants, m, this.hands.raised, this.moderation)} ${settingsPanel(this.devices)} ${invitePanel(this.invite)}
      ${chatPanel(this.chat, filesInChat(this.files))}
    `;
  }

  /** A tile's Verify: the safety codes open at that member's row, which takes focus (keyboard users land on it). */
  private async showSafetyCode(id: string): Promise<void> {
    await this.safety.toggle(id);
    await this.host.updateComplete;
    this.host.renderRoot.querySelector<HTMLElement>(`[part~=safety-pair][data-id="${CSS.escape(id)}"]`)?.focus();
  }
}
