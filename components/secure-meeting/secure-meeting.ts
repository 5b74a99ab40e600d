import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import type { Meeting, PreparedRoomKeys } from '../../core/index.js';
import { invalidOption } from '../../core/errors.js';
import type { RelayAdapter } from '../../core/relay.js';
import {
  DEFAULT_MAX_CHANNEL,
  checkJoinFields,
  type JoinFields,
  type JoinGate,
  type JoinPrepareEvent,
  type JoinRequestEvent,
} from '../join-gate/join-gate.js';
import '../join-gate/join-gate.js';
import { inviteStyles } from '../features/invite.styles.js';
import { qualityStyles } from '../features/quality.styles.js';
import { channelFromLink } from '../invite/link.js';
import { rememberName, rememberedName } from '../features/remembered-name.js';
import { mediaFor, NO_CHOICES, type DeviceChoices } from '../devices/choices.js';
import { defaultRelayUrl, loadRelay, type AdapterName, type AdapterOptions } from './adapters.js';
import {
  MeetingJoinEvent,
  MeetingLeaveEvent,
  PeerJoinEvent,
  PeerLeaveEvent,
  SecureMeetingErrorEvent,
} from './events.js';
import { chunkFailed } from './lazy-adapters.js';
import { MeetingController, type MeetingParts } from './meeting-controller.js';
import type { MeetingView } from './meeting-view.js';
import { srOnly } from '../a11y.styles.js';
import { corners } from '../corners.styles.js';
import { theme } from '../theme.styles.js';
import { styles } from './secure-meeting.styles.js';
import type { IceCredentials } from './ice-credentials.js';
import { Localizer } from '../i18n/i18n.js';

const GATE_PARTS = 'base:gate-base, input:gate-input, button:gate-button, status:gate-status, error:gate-error, devices:gate-devices';

/**
 * Pick a channel and a shared password; the keys are derived in the browser
 * and the relay only ever carries sealed envelopes for a blinded topic.
 *
 * Speaks the `lang` of itself or its nearest ancestor, else the page's
 * (English, German, Spanish, or one added with `defineLanguage()`), and
 * follows it when it changes.
 *
 * @summary A whole end-to-end encrypted meeting: join form, video grid and controls.
 *
 * @event {MeetingJoinEvent} meeting-join - The local member joined; `event.meeting` is the core Meeting.
 * @event {MeetingLeaveEvent} meeting-leave - The local member is leaving. Cancelable when Leave was pressed; `event.error` is set when the meeting ended on its own.
 * @event {PeerJoinEvent} peer-join - A remote member arrived (`event.peer`).
 * @event {PeerLeaveEvent} peer-leave - A remote member left (`event.peer`).
 * @event {SecureMeetingErrorEvent} meeting-error - Joining failed, or a running meeting hit a problem (`event.error`, a SecureMeetingError with a `code` when it comes from core).
 *
 * @csspart base - Wrapper around everything.
 * @csspart status - The relay/meeting status line (a polite live region).
 * @csspart gate - The `<join-gate>` element.
 * @csspart gate-base - The gate's form.
 * @csspart gate-input - Each input in the gate.
 * @csspart gate-button - Each button in the gate.
 * @csspart gate-status - The gate's progress line.
 * @csspart gate-error - The gate's error alert.
 * @csspart grid - The video grid.
 * @csspart tile - Each `<peer-tile>`.
 * @csspart local-tile - The local member's tile.
 * @csspart tile-base - A tile's frame.
 * @csspart tile-video - A tile's video.
 * @csspart tile-placeholder - A tile's initial, shown without video.
 * @csspart tile-name - A tile's name.
 * @csspart tile-status - A tile's microphone/camera indicators.
 * @csspart tile-problem - A tile's "Could not connect" and its likely reason.
 * @csspart toolbar - The controls below the grid.
 * @csspart button - Each control.
 * @csspart microphone - The Microphone toggle (aria-pressed).
 * @csspart camera - The Camera toggle (aria-pressed).
 * @csspart leave - The Leave button.
 * @csspart verify - "Safety codes": shows each member's safety code and the room code (aria-expanded).
 * @csspart safety - The safety-code panel.
 * @csspart safety-help - What comparing the codes proves.
 * @csspart safety-pair - One member's row (and the room's).
 * @csspart safety-code - A code: four groups of five digits.
 * @csspart settings - The settings panel: camera, microphone and speaker during the meeting.
 * @csspart settings-label - A label in the settings panel.
 * @csspart settings-select - A device select in the settings panel.
 * @csspart settings-problem - Why switching a device failed.
 * @csspart join-status - Whether joining is open, and for how long ("Joining open · 9:41").
 * @csspart lock - "Lock now": closes joining for everyone.
 * @csspart allow-joining - "Allow joining": reopens joining for everyone.
 * @csspart tile-controls - A remote tile's controls.
 * @csspart tile-control - Each of them.
 * @csspart tile-silence - "Mute" this member for me.
 * @csspart tile-hide-video - "Hide video" of this member.
 * @csspart tile-disconnect - "Disconnect" from this member.
 * @csspart tile-verify - "Verify": opens the safety codes at this member's.
 * @csspart tile-hand - A tile's raised hand.
 * @csspart speaking-tile - The tile of the member talking now (its `<peer-tile>` also has `speaking`).
 * @csspart hand - The "Raise hand" toggle (aria-pressed).
 * @csspart participants - The "Participants" button (aria-expanded), with the count.
 * @csspart participants-panel - The `<participants-panel>` element, loaded the first time it opens.
 * @csspart participants-base - The panel.
 * @csspart participants-list - Its list of members.
 * @csspart participant - One member's row.
 * @csspart participant-name - A member's name.
 * @csspart participant-state - A member's microphone and camera state.
 * @csspart participant-hand - A member's raised hand and its place in the order.
 * @csspart participant-connection - Our connection to a member.
 * @csspart participants-close - The panel's Close button.
 * @csspart participant-role - "Host" or "Co-host" beside a member's name.
 * @csspart participants-host-controls - Hosts and co-hosts: Mute everyone and what newcomers may use.
 * @csspart participants-defaults - What newcomers may use (three checkboxes).
 * @csspart participants-mute-all - "Mute everyone".
 * @csspart participant-host-controls - A member's host controls.
 * @csspart participant-host-control - Each host control button.
 * @csspart participant-mute - Asks that member to mute.
 * @csspart participant-lower-hand - Lowers that member's hand.
 * @csspart participant-cohost - Make co-host / Remove co-host (the host only).
 * @csspart participant-remove - Removes that member (when the meeting can remove members).
 * @csspart participant-permissions - What that member may use (three checkboxes).
 * @csspart participant-permission - One of them, with its label.
 * @csspart participants-notice - What became of the last host control used.
 * @csspart host-request - What a host asked of us ("Ada asked you to mute"), for a while (a polite live region).
 * @csspart forbidden-hint - Why a toolbar control may not be used (a host's permission), shown on hover and focus.
 * @csspart invite - The "Invite" button (aria-expanded).
 * @csspart invite-panel - The invite panel.
 * @csspart invite-help - Why the password is not in the link, and how to share it.
 * @csspart invite-copy - "Copy invite": the link and the advice, to the clipboard.
 * @csspart invite-status - "Copied", or how to copy by hand (a polite live region).
 * @csspart invite-text - The invite, selected in a read-only field, when the browser would not copy it.
 * @csspart invite-calendar - The "Add to calendar" group: start, length and the download.
 * @csspart invite-input - The start and length inputs.
 * @csspart invite-download - "Add to calendar": a link downloading the .ics.
 * @csspart invite-problem - Why there is no download (start or length invalid).
 * @csspart invite-close - The invite panel's Close button.
 * @csspart share-screen - The "Share screen" toggle (aria-pressed); disabled, saying who presents, while others hold every presenter place.
 * @csspart share-problem - Why sharing the screen failed.
 * @csspart stage - What the meeting shows: the grid, or the spotlight and the strip of tiles while a screen is shared.
 * @csspart spotlight - The screens being shared, large.
 * @csspart announcer - The live region (visually hidden, polite) that tells screen readers who joined, left, raised or lowered a hand, and chat messages while the chat is closed.
 * @csspart screen-frame - One shared screen with its caption.
 * @csspart screen - A shared screen's `<video>`.
 * @csspart presenter - "Ada is presenting" (or "You are presenting") on a shared screen.
 * @csspart more - The toolbar's "More" button (aria-expanded), shown when the controls do not fit in two rows.
 * @csspart more-menu - The controls that moved into "More".
 * @csspart tile-you - "(You)" after your name on your own tile.
 * @csspart chat - The "Chat" button (aria-expanded); its name includes the unread count.
 * @csspart chat-unread - The unread count on the Chat button.
 * @csspart chat-panel - The `<chat-panel>` element, loaded the first time it opens: a side panel, the whole width on a narrow screen.
 * @csspart chat-base - The chat panel.
 * @csspart chat-log - Its scrolling list of messages.
 * @csspart chat-message - One message.
 * @csspart chat-sender - A message's sender.
 * @csspart chat-time - When a message was sent.
 * @csspart chat-text - What a message says (text only, never markup).
 * @csspart chat-input - The box to write in.
 * @csspart chat-send - The Send button.
 * @csspart chat-forget - "Forget this meeting's history".
 * @csspart chat-close - The chat panel's Close button.
 * @csspart files - Beside the chat's Send: "Send file" and the transfers.
 * @csspart send-file - "Send file": picks files to send to everyone (100 MiB each at most).
 * @csspart files-problem - Why a file could not be sent.
 * @csspart file - Each `<file-transfer>`: a file sent or received.
 * @csspart file-base - A transfer.
 * @csspart file-name - Its file's name.
 * @csspart file-size - Its size.
 * @csspart file-progress - Its progress bar.
 * @csspart file-status - Where it is (sending, checking, ready to save…).
 * @csspart file-cancel - Its Cancel button.
 * @csspart file-save - Save, for a received file once its hash is checked.
 * @csspart new-passphrase - The `<new-passphrase>` notice hosts and co-hosts see after a removal: the meeting's new password (loaded the first time there is one).
 * @csspart new-passphrase-base - The notice.
 * @csspart new-passphrase-message - Why the password changed.
 * @csspart new-passphrase-text - The new password (dots until Show is pressed).
 * @csspart new-passphrase-show - Its Show toggle (aria-pressed).
 * @csspart new-passphrase-copy - Copies the new password.
 * @csspart new-passphrase-status - "Copied", or how to copy by hand.
 * @csspart new-passphrase-close - Closes the notice.
 * @csspart waiting - Instead of the meeting while the waiting room holds us, or after a host turned us away (`data-state` waiting or denied).
 * @csspart waiting-message - "Waiting for the host to let you in", or "The host did not let you in."
 * @csspart waiting-help - What to do meanwhile, or next.
 * @csspart waiting-leave - Leave (while waiting) or Back (once denied).
 * @csspart knock-list - The `<knock-list>` hosts and co-hosts see while someone waits to join.
 * @csspart knock-base - Its region.
 * @csspart knock-cue - "Ada wants to join": the newest arrival (a polite live region).
 * @csspart knock-items - The list of members waiting.
 * @csspart knock - One member waiting.
 * @csspart knock-name - Their name.
 * @csspart knock-since - Since when they wait.
 * @csspart knock-admit - Admit: lets them in, for everyone.
 * @csspart knock-deny - Deny: turns them away for the rest of the meeting.
 * @csspart waiting-problem - Why an Admit, Deny or the toggle failed.
 * @csspart waiting-room - The hosts' "Waiting room" toggle (aria-pressed): whether newcomers wait to be let in.
 * @csspart tile-quality - A remote tile's connection-quality bars (`data-level` good, fair, poor or bad), focusable, with their text on hover and focus.
 * @csspart tile-quality-text - That text: "Connection: poor (rtt 420 ms, loss 6 %)".
 * @csspart uplink-warning - The upload warning, when the meeting has more members than your measured upload can feed.
 * @csspart uplink-text - Its text (a polite live region, empty without a warning).
 * @csspart uplink-dismiss - Its Dismiss button.
 *
 * @cssproperty [--sm-accent=#4f7cff] - Accent: primary button, focus ring, "on" controls.
 * @cssproperty [--sm-accent-fg=#0b0d12] - Text on the accent colour.
 * @cssproperty [--sm-bg=#111318] - Background.
 * @cssproperty [--sm-fg=#f3f4f6] - Text colour.
 * @cssproperty [--sm-muted=#aab0bd] - Status and hint text.
 * @cssproperty [--sm-surface=#1c1f26] - Tiles, inputs and buttons.
 * @cssproperty [--sm-border=#5b6270] - Input and button borders.
 * @cssproperty [--sm-danger=#ff8a8a] - Errors, Leave, and controls that are off.
 * @cssproperty [--sm-radius=12px] - Corner radius.
 * @cssproperty [--sm-gap=12px] - Spacing.
 * @cssproperty [--sm-tile-min=240px] - Narrowest a video tile gets before the grid wraps.
 * @cssproperty [--sm-speaking=#3ddc97] - The ring round the tile of the member talking now.
 * @cssproperty [--sm-stage-min-height=240px] - Height of the grid when the element itself is given none.
 * @cssproperty [--sm-strip-height=120px] - Height of the strip of tiles beside a shared screen.
 */
@customElement('secure-meeting')
export class SecureMeeting extends LitElement {
  static override styles = [theme, corners, srOnly, styles, inviteStyles, qualityStyles];

  /**
   * Where the relay is, read by the chosen adapter: for `ws` a URL template
   * with `[TOPIC]`, `[CHANNEL_ID]`, `[API_KEY]`; for `mqtt` the broker's
   * WebSocket URL (`wss://broker.example/mqtt`); for `socketio` the Socket.IO
   * server's URL. Unset: this origin's endpoints (see `defaultRelayUrl`).
   * Never put a password here: broker credentials go in `adapterOptions`.
   */
  @property() relay = '';

  /**
   * Which relay transport to load: `ws`, `mqtt` or `socketio`. With the
   * package entry only the chosen one is downloaded, when joining; a
   * single-file bundle holds `ws` and at most one other (its name says which).
   */
  @property() adapter: AdapterName = 'ws';

  /** Keeps this site's channels apart from other sites using the same relay (mixed into the key derivation). */
  @property() namespace = '';

  /** Prefills the channel. Unset: the channel of an invite link the page was opened with (`#sm-channel=42`), if valid. */
  @property({ type: Number }) channel: number | undefined;

  /** Prefills the display name. */
  @property() name = '';

  /** Highest channel number. */
  @property({ type: Number, attribute: 'max-channel' }) maxChannel: number = DEFAULT_MAX_CHANNEL;

  /** STUN/TURN servers. Empty by default, so no third party learns who meets. */
  @property({ attribute: false }) iceServers: RTCIceServer[] = [];

  /**
   * Where to fetch short-lived TURN credentials at each Join (the relay CLI's
   * `/turn-credentials`), sent `adapterOptions.apiKey` as a bearer token;
   * fetched again before they expire. Added to `iceServers`.
   */
  @property({ attribute: 'ice-credentials-url' }) iceCredentialsUrl = '';

  /** `relay`: media only through TURN, so no member learns another's IP address. Default `all`. */
  @property({ attribute: 'ice-transport-policy' }) iceTransportPolicy: RTCIceTransportPolicy = 'all';

  /**
   * Extra options for the chosen adapter: `{ apiKey }` for `ws` and
   * `socketio`; `{ username, password, topicPrefix, qos }` for `mqtt`. A
   * property only, so credentials never sit in the page's markup.
   */
  @property({ attribute: false }) adapterOptions: AdapterOptions = {};

  /** Camera/microphone constraints, a ready MediaStream, or `false` for none. Core's default when unset. */
  @property({ attribute: false }) media: MediaStreamConstraints | MediaStream | false | undefined;

  /**
   * Seconds after joining until this member leaves the relay, so no one new
   * can get in; the meeting goes on. 0 = joining never closes.
   */
  @property({ type: Number, attribute: 'lock-after' }) lockAfter = 600;

  /** Seconds joining stays open after someone presses "Allow joining". */
  @property({ type: Number, attribute: 'join-window' }) joinWindow = 600;

  /** How many members may share their screen at once (1–16); another member's Share button waits for a free place. */
  @property({ type: Number, attribute: 'max-presenters' }) maxPresenters = 1;

  /**
   * The most this member's video may use of its upload, in kbps (100–1 000 000),
   * shared among the others (screens and the member talking first); below what
   * a member needs, that member gets audio only and its tile says why. Unset: no
   * budget beyond what the browser measures. A bad value fails the join with a
   * `secure-meeting:` TypeError.
   */
  @property({ type: Number, attribute: 'max-uplink-kbps' }) maxUplinkKbps: number | undefined;

  /**
   * Keep nothing on this device: no chat history (otherwise kept in
   * IndexedDB, sealed with a key only the password gives) and no remembered
   * display name.
   */
  @property({ type: Boolean, attribute: 'no-persist' }) noPersist = false;

  /**
   * Newcomers wait until a host or co-host lets them in (Admit / Deny);
   * hosts can switch it during the meeting. A newcomer let in follows the
   * hosts' setting, whatever its own attribute says. While no host is
   * present, newcomers keep waiting; the next host sees them.
   */
  @property({ type: Boolean, attribute: 'waiting-room' }) waitingRoom = false;

  /** A ready relay adapter (e.g. your own transport); when set, `adapter`, `relay` and `adapterOptions` are not used. */
  @property({ attribute: false }) relayAdapter: RelayAdapter | null = null;

  private readonly controller = new MeetingController(this, {
    joined: (meeting) => this.dispatchEvent(new MeetingJoinEvent(meeting)),
    leaving: (error, cancelable) => this.dispatchEvent(new MeetingLeaveEvent(error, cancelable)),
    peerJoin: (peer) => this.dispatchEvent(new PeerJoinEvent(peer)),
    peerLeave: (peer) => this.dispatchEvent(new PeerLeaveEvent(peer)),
    error: (error) => this.dispatchEvent(new SecureMeetingErrorEvent(error)),
  });
  /** The element's language: `lang` on it or an ancestor, else the page's. */
  private readonly i18n = new Localizer(this);
  /** The grid, toolbar and panels with their feature controllers: fetched, with core, at the first Join. */
  private view: MeetingView | null = null;

  // Not secret, so kept: a failed join brings the form back filled in (except the password).
  private lastChannel: number | undefined;
  private lastName: string | undefined;
  private shownView: 'gate' | 'meeting' = 'gate';
  /**
   * Keys being derived for what the form holds (join-prepare), in memory
   * only; handed to the meeting at Join, which uses them if they still match.
   */
  private preparedKeys: PreparedRoomKeys | null = null;
  private prepareCount = 0;
  /** The relay adapter made at join-prepare and warmed (its connection dialled ahead), for what adapter, relay and options it was made. */
  private preparedRelay: { made: Promise<RelayAdapter>; for: readonly unknown[] } | null = null;

  /** The core Meeting while joining or joined, else null. */
  get meeting(): Meeting | null {
    return this.controller.meeting;
  }

  /**
   * Joins like the form does. Rejects with a TypeError for invalid fields, or
   * with the reason joining failed (also shown in the form and sent as `meeting-error`).
   */
  async join(fields: JoinFields): Promise<void> {
    const check = checkJoinFields(fields, this.maxChannel);
    if (!check.ok) throw invalidOption(Object.values(check.errors).join(' '));
    return this.start(check.value);
  }

  /** Leaves the meeting (or abandons a join under way); resolves once camera, microphone and connections are released. */
  async leave(): Promise<void> {
    await this.controller.leave();
  }

  protected override render() {
    const c = this.controller;
    return html`
      <div part="base">
        <p part="status" role="status">${c.statusText(this.i18n.t)}</p>
        ${c.view === 'meeting' && c.meeting && this.view ? this.view.render(c.meeting) : this.renderGate()}
      </div>
    `;
  }

  private renderGate() {
    const c = this.controller;
    return html`
      <join-gate
        part="gate"
        exportparts=${GATE_PARTS}
        .channel=${this.lastChannel ?? this.channel ?? channelFromLink(location.href, this.namespace, this.maxChannel)}
        .name=${this.lastName ?? (this.name || (this.noPersist ? '' : rememberedName()))}
        .maxChannel=${this.maxChannel}
        .busy=${live(c.busy)}
        .status=${c.gateStatus(this.i18n.t)}
        .error=${live(c.errorText(this.i18n.t))}
        @join-prepare=${this.onJoinPrepare}
        @join-request=${this.onJoinRequest}
      ></join-gate>
    `;
  }

  protected override updated(): void {
    const view = this.controller.view;
    if (view === this.shownView) return;
    this.shownView = view;
    void this.moveFocus(view);
  }

  /** Rescues focus the view switch would drop on <body>; never takes it from elsewhere on the page. */
  private async moveFocus(view: 'gate' | 'meeting'): Promise<void> {
    const active = document.activeElement;
    if (active !== null && active !== document.body && active !== this) return;
    if (view === 'meeting') {
      this.renderRoot.querySelector<HTMLButtonElement>('[part~=toolbar] button:not(:disabled)')?.focus();
    } else {
      const gate = this.renderRoot.querySelector<JoinGate>('join-gate');
      await gate?.updateComplete;
      gate?.focus();
    }
  }

  /**
   * The form's channel and password have been still a moment: derive their
   * keys now, and fetch what Join will need (core and the meeting view, the
   * relay's adapter), so pressing Join waits for neither.
   */
  private onJoinPrepare(e: JoinPrepareEvent): void {
    this.preparedKeys?.discard();
    this.preparedKeys = null;
    const n = ++this.prepareCount;
    const fields = e.fields;
    if (!fields) return;
    // Fetched now, and its connection dialled ahead where the adapter can (MQTT: before the topic is known); a failure is reported at Join.
    // One adapter while adapter, relay and options stay: warming it again keeps its one connection.
    if (!this.preparedRelay || !this.sameRelayInputs(this.preparedRelay.for)) {
      this.preparedRelay = { made: this.createRelay(), for: this.relayInputs() };
    }
    this.preparedRelay.made.then((adapter) => adapter.warm?.(), () => {});
    import('./meeting-view.js').then((module) => {
      if (n !== this.prepareCount || this.meeting) return; // changed again, or joined already
      const prepared = module.prepareRoomKeys({ channel: fields.channel, password: fields.password, ...(this.namespace ? { namespace: this.namespace } : {}) });
      this.preparedKeys = prepared;
      // With the topic known, a relay whose connection is per topic (our ws relay) opens it too.
      const relay = this.preparedRelay;
      Promise.all([prepared.keys, relay?.made]).then(([keys, adapter]) => {
        if (this.preparedKeys === prepared && this.preparedRelay === relay && !this.meeting) adapter?.warm?.({ topic: keys.topic, channel: String(fields.channel).trim() });
      }, () => {});
    }, () => {}); // loadView() reports a chunk that cannot be fetched, at Join
  }

  private onJoinRequest(e: JoinRequestEvent): void {
    // Failures are already shown in the gate and sent as meeting-error.
    this.start({ channel: e.channel, password: e.password, name: e.name }, e.devices).catch(() => {});
  }

  /** `devices`: the form's camera, microphone and "join with … off" choices; a join() call uses the defaults. */
  private start(fields: JoinFields, devices: DeviceChoices = NO_CHOICES): Promise<void> {
    this.lastChannel = fields.channel;
    this.lastName = fields.name;
    if (!this.noPersist) rememberName(fields.name);
    // The meeting takes them if they match its fields (and forgets the copy of the input either way).
    const keys = this.preparedKeys;
    this.preparedKeys = null;
    this.prepareCount++;
    return this.controller.join(
      {
        channel: fields.channel,
        password: fields.password,
        name: fields.name,
        iceServers: this.iceServers,
        iceTransportPolicy: this.iceTransportPolicy,
        lockAfter: this.lockAfter,
        joinWindow: this.joinWindow,
        maxPresenters: this.maxPresenters,
        ...(this.maxUplinkKbps !== undefined && this.maxUplinkKbps !== null ? { maxUplinkKbps: this.maxUplinkKbps } : {}),
        ...(this.namespace ? { namespace: this.namespace } : {}),
        // An app's own `media` wins over the form's device choices.
        media: this.media !== undefined ? this.media : mediaFor(devices),
        persist: !this.noPersist,
        waitingRoom: this.waitingRoom,
        audioOff: devices.microphoneOff,
        videoOff: devices.cameraOff,
        ...(keys ? { keys } : {}),
      },
      () => this.takeRelay(),
      () => this.loadView(),
      this.iceCredentials(),
    );
  }

  /** The fetch of `ice-credentials-url`, when there is one. */
  private iceCredentials(): (() => Promise<IceCredentials>) | null {
    if (!this.iceCredentialsUrl) return null;
    const url = new URL(this.iceCredentialsUrl, location.href).href;
    const { apiKey } = this.adapterOptions as { apiKey?: unknown };
    // Fetched with the module that checks it, only by pages that use TURN credentials.
    return async () => (await import('./ice-credentials.js')).fetchIceCredentials(url, typeof apiKey === 'string' ? apiKey : undefined, Date.now());
  }

  private async loadView(): Promise<MeetingParts> {
    let module: typeof import('./meeting-view.js');
    try {
      module = await import('./meeting-view.js');
    } catch (error) {
      throw chunkFailed('the meeting view', 'dist/chunks/meeting-view-*.js', 'secure-meeting.bundle.js', error);
    }
    this.view ??= new module.MeetingView(this, {
      disconnectPeer: (id) => this.controller.disconnectPeer(id),
      leave: () => void this.controller.leave(true),
      invite: () => ({ channel: this.lastChannel, namespace: this.namespace }),
    });
    return { createMeeting: module.createMeeting, features: this.view.features };
  }

  /** What the relay adapter is made from: one prepared for other inputs is not used. */
  private relayInputs(): readonly unknown[] {
    return [this.relayAdapter, this.adapter, this.relay, this.adapterOptions];
  }

  /** The adapter prepared (and warmed) at join-prepare if it was made for the same inputs, else a new one. */
  private takeRelay(): Promise<RelayAdapter> {
    const prepared = this.preparedRelay;
    this.preparedRelay = null;
    return prepared && this.sameRelayInputs(prepared.for) ? prepared.made : this.createRelay();
  }

  private sameRelayInputs(inputs: readonly unknown[]): boolean {
    const now = this.relayInputs();
    return inputs.every((v, i) => v === now[i]);
  }

  private async createRelay(): Promise<RelayAdapter> {
    if (this.relayAdapter) return this.relayAdapter;
    return loadRelay(this.adapter, this.relay || defaultRelayUrl(location, this.adapter), this.adapterOptions);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'secure-meeting': SecureMeeting;
  }
}
