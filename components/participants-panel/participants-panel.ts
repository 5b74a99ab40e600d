import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Meeting } from '../../core/index.js';
import type { RemotePeer } from '../../core/events.js';
import type { Permissions } from '../../core/features/permissions.js';
import { Localizer, type Messages } from '../i18n/i18n.js';
import { panelButtons } from '../panel-button.styles.js';
import { theme } from '../theme.styles.js';
import { meetingControls, memberControls, ParticipantActionEvent, roleText, type ParticipantAction } from './host-controls.js';
import { styles } from './participants-panel.styles.js';

export { ParticipantActionEvent, type ParticipantAction, type PermissionKind } from './host-controls.js';

const ALL: Permissions = { microphone: true, camera: true, screen: true };

/** One member as the panel shows them. */
export interface ParticipantRow {
  readonly id: string;
  readonly name: string;
  /** This row is the local member. */
  readonly you: boolean;
  readonly audio: boolean;
  readonly video: boolean;
  /** Place among the raised hands (1 = first raised), or null. */
  readonly hand: number | null;
  /** Our connection to them; null for ourselves. */
  readonly connection: 'connected' | 'connecting' | 'reconnecting' | 'failed' | null;
  /** Host, co-host or member (shown as a badge for the first two). */
  readonly role: 'host' | 'cohost' | 'member';
  /** What they may use (hosts set it). */
  readonly allow: Permissions;
}

/** What the rows say of roles and permissions; without it, everyone is a member who may use everything. */
export interface RowRoles {
  roleOf(id: string): ParticipantRow['role'];
  allowOf(id: string): Permissions;
}

/** Our connection to a member, in words. */
function connectionText(state: NonNullable<ParticipantRow['connection']>, t: Messages): string {
  switch (state) {
    case 'connected': return t.participantsConnected;
    case 'connecting': return t.participantsConnecting;
    case 'reconnecting': return t.participantsReconnecting;
    case 'failed': return t.participantsFailed;
  }
}

const connectionOf = (p: RemotePeer): ParticipantRow['connection'] =>
  p.connectionFailed ? 'failed' : p.reconnecting ? 'reconnecting' : p.connectionState === 'connected' ? 'connected' : 'connecting';

/** One row per member, raised hands first in the order raised, then us, then the others as they came. */
export function participantRows(m: Meeting, raised: readonly string[], roles?: RowRoles): ParticipantRow[] {
  const hand = (id: string) => (raised.includes(id) ? raised.indexOf(id) + 1 : null);
  const more = (id: string) => ({ role: roles?.roleOf(id) ?? 'member', allow: roles?.allowOf(id) ?? ALL });
  const self: ParticipantRow = {
    id: m.id, name: m.name, you: true, hand: hand(m.id), connection: null, ...more(m.id),
    audio: m.audioEnabled && (m.localStream?.getAudioTracks().length ?? 0) > 0,
    video: m.videoEnabled && (m.localStream?.getVideoTracks().length ?? 0) > 0,
  };
  const rows = [self, ...[...m.peers.values()].map((p): ParticipantRow => ({
    id: p.id, name: p.name, you: false, hand: hand(p.id), connection: connectionOf(p), audio: p.audioEnabled, video: p.videoEnabled, ...more(p.id),
  }))];
  // A stable sort keeps the rest in their order.
  return rows.sort((a, b) => (a.hand ?? Infinity) - (b.hand ?? Infinity));
}

/** Escape or Close was pressed: the host hides the panel and takes focus back. */
export class ParticipantsCloseEvent extends Event {
  constructor() {
    super('participants-close', { bubbles: true, composed: true });
  }
}

/**
 * Loaded by `<secure-meeting>` the first time its Participants button is
 * pressed. Takes focus when it appears; Escape closes it.
 *
 * With `moderate` (we are host or co-host) each other member's row has host
 * controls: Mute, Lower hand (while their hand is up), what they may use,
 * Make/Remove co-host (with `appoint`: we are the host) and Remove (with
 * `removable`); above the list, Mute everyone and what newcomers may use.
 * Each asks with a `participant-action` event; the panel shows the outcome
 * when the meeting's state changes, and `notice` as a polite status.
 *
 * @summary Everyone in the meeting: name, role, microphone and camera, raised hand (in order), connection; host controls.
 *
 * @event {ParticipantsCloseEvent} participants-close - Escape or Close was pressed.
 * @event {ParticipantActionEvent} participant-action - A host control was used; `event.action` says which (`kind`: mute, mute-all, lower-hand, cohost, remove, allow, defaults) and for whom (`id`).
 *
 * @csspart base - The panel.
 * @csspart list - The list of members.
 * @csspart member - One member's row.
 * @csspart name - A member's name ("(You)" on ours).
 * @csspart role - "Host" or "Co-host".
 * @csspart state - A member's microphone and camera state.
 * @csspart hand - "Hand raised" and its place in the order.
 * @csspart connection - Our connection to the member: connected, connecting, reconnecting, could not connect.
 * @csspart close - The Close button.
 * @csspart meeting-controls - Mute everyone and what newcomers may use (hosts and co-hosts).
 * @csspart defaults - What newcomers may use: three checkboxes.
 * @csspart host-controls - A member's host controls.
 * @csspart host-control - Each host control button.
 * @csspart mute - Asks that member to mute.
 * @csspart mute-all - Asks everyone to mute.
 * @csspart lower-hand - Lowers that member's hand.
 * @csspart cohost - Make co-host / Remove co-host.
 * @csspart remove - Removes that member from the meeting.
 * @csspart permissions - What that member may use: three checkboxes.
 * @csspart permission - One of them, with its label.
 * @csspart notice - What became of the last host control used (a polite live region).
 *
 * @cssproperty [--sm-surface=#1c1f26] - Panel background.
 * @cssproperty [--sm-border=#5b6270] - The Close button's border.
 * @cssproperty [--sm-muted=#aab0bd] - State text.
 * @cssproperty [--sm-danger=#ff8a8a] - "Could not connect".
 */
@customElement('participants-panel')
export class ParticipantsPanel extends LitElement {
  static override styles = [theme, panelButtons, styles];
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  /** The members to list, in the order to show them. */
  @property({ attribute: false }) members: readonly ParticipantRow[] = [];

  /** We are host or co-host: show the host controls. */
  @property({ type: Boolean }) moderate = false;

  /** We are the host: show Make/Remove co-host. */
  @property({ type: Boolean }) appoint = false;

  /** Show Remove on each member's row (when the meeting can remove members). */
  @property({ type: Boolean }) removable = false;

  /** What newcomers may use, for the host controls. */
  @property({ attribute: false }) defaults: Permissions = ALL;

  /** What became of the last host control used ('' for nothing to say). */
  @property() notice = '';

  private readonly i18n = new Localizer(this);

  protected override render() {
    const t = this.i18n.t;
    return html`
      <section part="base" role="region" aria-labelledby="title" @keydown=${this.onKeydown}>
        <h2 id="title">${t.participantsTitle(this.i18n.number(this.members.length))}</h2>
        ${this.moderate ? meetingControls(this.defaults, this.ask, t) : nothing}
        <p part="notice" role="status">${this.notice}</p>
        <ul part="list">
          ${repeat(this.members, (m) => m.id, (m) => html`
            <li part="member" data-id=${m.id}>
              <span part="name">${m.you ? t.participantsNameYou(m.name) : m.name}</span>
              ${m.role !== 'member' ? html`<span part="role" data-role=${m.role}>${roleText(m.role, t)}</span>` : nothing}
              ${m.hand !== null ? html`<span part="hand"><span aria-hidden="true">✋</span> ${t.participantsHandRaised(this.i18n.number(m.hand))}</span>` : nothing}
              <span part="state">${t.participantsMedia(m.audio, m.video)}</span>
              ${m.connection ? html`<span part="connection" data-state=${m.connection}>${connectionText(m.connection, t)}</span>` : nothing}
              ${this.moderate && !m.you ? memberControls(m, { appoint: this.appoint, remove: this.removable }, this.ask, t) : nothing}
            </li>
          `)}
        </ul>
        <button part="close" type="button" @click=${this.close}>${t.participantsClose}</button>
      </section>
    `;
  }

  protected override firstUpdated(): void {
    // Opened by a person just now: bring them to it (delegatesFocus lands on Close).
    this.focus();
  }

  private onKeydown(e: KeyboardEvent): void {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    this.close();
  }

  private close(): void {
    this.dispatchEvent(new ParticipantsCloseEvent());
  }

  private readonly ask = (action: ParticipantAction) => this.dispatchEvent(new ParticipantActionEvent(action));
}

declare global {
  interface HTMLElementTagNameMap {
    'participants-panel': ParticipantsPanel;
  }
  interface GlobalEventHandlersEventMap {
    'participants-close': ParticipantsCloseEvent;
    'participant-action': ParticipantActionEvent;
  }
}
