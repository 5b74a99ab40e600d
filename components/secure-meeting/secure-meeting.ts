import { LitElement, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Meeting } from '../../core/index.js';
import { invalidOption } from '../../core/errors.js';
import type { RemotePeer } from '../../core/events.js';
import type { RelayAdapter } from '../../core/relay.js';
import {
  DEFAULT_MAX_CHANNEL,
  checkJoinFields,
  type JoinFields,
  type JoinGate,
  type JoinRequestEvent,
} from '../join-gate/join-gate.js';
import '../join-gate/join-gate.js';
import '../peer-tile/peer-tile.js';
import { MeetingController } from './meeting-controller.js';
import { defaultRelayUrl, loadRelay, type AdapterName, type AdapterOptions } from './adapters.js';
import { theme } from '../theme.styles.js';
import { styles } from './secure-meeting.styles.js';

/** The local member is in: keys derived, relay reached, `hello` sent. */
export class MeetingJoinEvent extends Event {
  constructor(readonly meeting: Meeting) {
    super('meeting-join', { bubbles: true, composed: true });
  }
}

/**
 * The local member is leaving a joined meeting. Cancelable when a person
 * pressed Leave, so an app can ask "Leave the meeting?" first. `error` says
 * why when the meeting ended on its own.
 */
export class MeetingLeaveEvent extends Event {
  constructor(
    readonly error: Error | null,
    cancelable: boolean,
  ) {
    super('meeting-leave', { bubbles: true, composed: true, cancelable });
  }
}

export class PeerJoinEvent extends Event {
  constructor(readonly peer: RemotePeer) {
    super('peer-join', { bubbles: true, composed: true });
  }
}

export class PeerLeaveEvent extends Event {
  constructor(readonly peer: RemotePeer) {
    super('peer-leave', { bubbles: true, composed: true });
  }
}

/** Joining failed, or something went wrong in a running meeting. Named apart from core's `MeetingErrorEvent`. */
export class SecureMeetingErrorEvent extends Event {
  constructor(readonly error: Error) {
    super('meeting-error', { bubbles: true, composed: true });
  }
}

const TILE_PARTS =
  'base:tile-base, video:tile-video, placeholder:tile-placeholder, name:tile-name, status:tile-status, ' +
  'controls:tile-controls, control:tile-control, silence:tile-silence, hide-video:tile-hide-video, disconnect:tile-disconnect';
const GATE_PARTS = 'base:gate-base, input:gate-input, button:gate-button, status:gate-status, error:gate-error';

const icon = (path: string, cls: string) =>
  svg`<svg class=${cls} viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d=${path} /></svg>`;
const micOn = icon('M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5.3-3c0 3-2.54 5.1-5.3 5.1S6.7 14 6.7 11H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28c3.28-.48 6-3.3 6-6.72h-1.7z', 'on');
const micOff = icon('M19 11h-1.7c0 .74-.16 1.43-.43 2.05l1.23 1.23c.56-.98.9-2.09.9-3.28zm-4.02.17c0-.06.02-.11.02-.17V5c0-1.66-1.34-3-3-3S9 3.34 9 5v.18l5.98 5.99zM4.27 3 3 4.27l6.01 6.01V11c0 1.66 1.33 3 2.99 3 .22 0 .44-.03.65-.08l1.66 1.66c-.71.33-1.5.52-2.31.52-2.76 0-5.3-2.1-5.3-5.1H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28c.91-.13 1.77-.45 2.54-.9L19.73 21 21 19.73 4.27 3z', 'off');
const camOn = icon('M17 10.5V7c0-.55-.45-1-1-1H4c-.55 0-1 .45-1 1v10c0 .55.45 1 1 1h12c.55 0 1-.45 1-1v-3.5l4 4v-11l-4 4z', 'on');
const camOff = icon('M21 6.5l-4 4V7c0-.55-.45-1-1-1H9.82L21 17.18V6.5zM3.27 2 2 3.27 4.73 6H4c-.55 0-1 .45-1 1v10c0 .55.45 1 1 1h12c.21 0 .39-.08.54-.18L19.73 21 21 19.73 3.27 2z', 'off');

/**
 * Pick a channel and a shared password; the keys are derived in the browser
 * and the relay only ever carries sealed envelopes for a blinded topic.
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
 * @csspart toolbar - The controls below the grid.
 * @csspart button - Each control.
 * @csspart microphone - The Microphone toggle (aria-pressed).
 * @csspart camera - The Camera toggle (aria-pressed).
 * @csspart leave - The Leave button.
 * @csspart join-status - Whether joining is open, and for how long ("Joining open · 9:41").
 * @csspart lock - "Lock now": closes joining for everyone.
 * @csspart allow-joining - "Allow joining": reopens joining for everyone.
 * @csspart tile-controls - A remote tile's controls.
 * @csspart tile-control - Each of them.
 * @csspart tile-silence - "Mute" this member for me.
 * @csspart tile-hide-video - "Hide video" of this member.
 * @csspart tile-disconnect - "Disconnect" from this member.
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
 */
@customElement('secure-meeting')
export class SecureMeeting extends LitElement {
  static override styles = [theme, styles];

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

  /** Prefills the channel. */
  @property({ type: Number }) channel: number | undefined;

  /** Prefills the display name. */
  @property() name = '';

  /** Highest channel number. */
  @property({ type: Number, attribute: 'max-channel' }) maxChannel: number = DEFAULT_MAX_CHANNEL;

  /** STUN/TURN servers. Empty by default, so no third party learns who meets. */
  @property({ attribute: false }) iceServers: RTCIceServer[] = [];

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

  /** A ready relay adapter (e.g. your own transport); when set, `adapter`, `relay` and `adapterOptions` are not used. */
  @property({ attribute: false }) relayAdapter: RelayAdapter | null = null;

  private readonly controller = new MeetingController(this, {
    joined: (meeting) => this.dispatchEvent(new MeetingJoinEvent(meeting)),
    leaving: (error, cancelable) => this.dispatchEvent(new MeetingLeaveEvent(error, cancelable)),
    peerJoin: (peer) => this.dispatchEvent(new PeerJoinEvent(peer)),
    peerLeave: (peer) => this.dispatchEvent(new PeerLeaveEvent(peer)),
    error: (error) => this.dispatchEvent(new SecureMeetingErrorEvent(error)),
  });

  // Not secret, so kept: a failed join brings the form back filled in (except the password).
  private lastChannel: number | undefined;
  private lastName: string | undefined;
  private shownView: 'gate' | 'meeting' = 'gate';

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
        <p part="status" role="status">${c.statusText}</p>
        ${c.view === 'meeting' && c.meeting ? this.renderMeeting(c.meeting) : this.renderGate()}
      </div>
    `;
  }

  private renderGate() {
    const c = this.controller;
    return html`
      <join-gate
        part="gate"
        exportparts=${GATE_PARTS}
        .channel=${this.lastChannel ?? this.channel}
        .name=${this.lastName ?? this.name ?? ''}
        .maxChannel=${this.maxChannel}
        .busy=${live(c.busy)}
        .status=${c.gateStatus}
        .error=${live(c.error)}
        @join-request=${this.onJoinRequest}
      ></join-gate>
    `;
  }

  private renderMeeting(m: Meeting) {
    const hasAudio = (m.localStream?.getAudioTracks().length ?? 0) > 0;
    const hasVideo = (m.localStream?.getVideoTracks().length ?? 0) > 0;
    return html`
      <div part="grid" role="group" aria-label="Participants">
        <peer-tile
          part="tile local-tile"
          exportparts=${TILE_PARTS}
          local
          name=${m.name}
          .stream=${m.localStream}
          ?audio-muted=${!m.audioEnabled || !hasAudio}
          ?camera-off=${!m.videoEnabled || !hasVideo}
        ></peer-tile>
        ${repeat(
          this.controller.peers,
          (p) => p.id,
          (p) => html`
            <peer-tile
              part="tile"
              exportparts=${TILE_PARTS}
              controls
              @tile-close=${(e: Event) => {
                if (!e.defaultPrevented) this.controller.disconnectPeer(p.id);
              }}
              name=${p.name}
              .stream=${p.stream}
              ?audio-muted=${!p.audioEnabled}
              ?camera-off=${!p.videoEnabled}
              ?reconnecting=${p.reconnecting}
            ></peer-tile>
          `,
        )}
      </div>
      <div part="toolbar" role="group" aria-label="Meeting controls">
        <button
          part="button microphone"
          type="button"
          aria-pressed=${m.audioEnabled && hasAudio ? 'true' : 'false'}
          ?disabled=${!hasAudio}
          @click=${() => this.controller.setAudioEnabled(!m.audioEnabled)}
        >
          ${micOn}${micOff}Microphone
        </button>
        <button
          part="button camera"
          type="button"
          aria-pressed=${m.videoEnabled && hasVideo ? 'true' : 'false'}
          ?disabled=${!hasVideo}
          @click=${() => this.controller.setVideoEnabled(!m.videoEnabled)}
        >
          ${camOn}${camOff}Camera
        </button>
        <span part="join-status" class="join-status">${this.controller.joinText}</span>
        ${m.joinWindow.open
          ? html`<button part="button lock" type="button" @click=${() => this.controller.lockJoining()}>Lock now</button>`
          : html`<button part="button allow-joining" type="button" @click=${() => this.controller.allowJoining()}>
              Allow joining
            </button>`}
        <button part="button leave" class="leave" type="button" @click=${() => void this.controller.leave(true)}>
          Leave
        </button>
      </div>
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

  private onJoinRequest(e: JoinRequestEvent): void {
    // Failures are already shown in the gate and sent as meeting-error.
    this.start({ channel: e.channel, password: e.password, name: e.name }).catch(() => {});
  }

  private start(fields: JoinFields): Promise<void> {
    this.lastChannel = fields.channel;
    this.lastName = fields.name;
    return this.controller.join(
      {
        channel: fields.channel,
        password: fields.password,
        name: fields.name,
        iceServers: this.iceServers,
        lockAfter: this.lockAfter,
        joinWindow: this.joinWindow,
        ...(this.namespace ? { namespace: this.namespace } : {}),
        ...(this.media !== undefined ? { media: this.media } : {}),
      },
      () => this.createRelay(),
    );
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
  interface GlobalEventHandlersEventMap {
    'meeting-join': MeetingJoinEvent;
    'meeting-leave': MeetingLeaveEvent;
    'peer-join': PeerJoinEvent;
    'peer-leave': PeerLeaveEvent;
    'meeting-error': SecureMeetingErrorEvent;
  }
}
