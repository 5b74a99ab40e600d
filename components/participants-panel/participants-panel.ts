import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Meeting } from '../../core/index.js';
import type { RemotePeer } from '../../core/events.js';
import { theme } from '../theme.styles.js';
import { panelButton } from '../panel-button.styles.js';
import { styles } from './participants-panel.styles.js';

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
}

const CONNECTION_TEXT = { connected: 'Connected', connecting: 'Connecting…', reconnecting: 'Reconnecting…', failed: 'Could not connect' } as const;

const connectionOf = (p: RemotePeer): ParticipantRow['connection'] =>
  p.connectionFailed ? 'failed' : p.reconnecting ? 'reconnecting' : p.connectionState === 'connected' ? 'connected' : 'connecting';

/** One row per member, raised hands first in the order raised, then us, then the others as they came. */
export function participantRows(m: Meeting, raised: readonly string[]): ParticipantRow[] {
  const hand = (id: string) => (raised.includes(id) ? raised.indexOf(id) + 1 : null);
  const self: ParticipantRow = {
    id: m.id, name: m.name, you: true, hand: hand(m.id), connection: null,
    audio: m.audioEnabled && (m.localStream?.getAudioTracks().length ?? 0) > 0,
    video: m.videoEnabled && (m.localStream?.getVideoTracks().length ?? 0) > 0,
  };
  const rows = [self, ...[...m.peers.values()].map((p): ParticipantRow => ({
    id: p.id, name: p.name, you: false, hand: hand(p.id), connection: connectionOf(p), audio: p.audioEnabled, video: p.videoEnabled,
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
 * @summary Everyone in the meeting: name, microphone and camera, raised hand (in order), connection.
 *
 * @event {ParticipantsCloseEvent} participants-close - Escape or Close was pressed.
 *
 * @csspart base - The panel.
 * @csspart list - The list of members.
 * @csspart member - One member's row.
 * @csspart name - A member's name ("(You)" on ours).
 * @csspart state - A member's microphone and camera state.
 * @csspart hand - "Hand raised" and its place in the order.
 * @csspart connection - Our connection to the member: connected, connecting, reconnecting, could not connect.
 * @csspart close - The Close button.
 *
 * @cssproperty [--sm-surface=#1c1f26] - Panel background.
 * @cssproperty [--sm-border=#5b6270] - The Close button's border.
 * @cssproperty [--sm-muted=#aab0bd] - State text.
 * @cssproperty [--sm-danger=#ff8a8a] - "Could not connect".
 */
@customElement('participants-panel')
export class ParticipantsPanel extends LitElement {
  static override styles = [theme, panelButton, styles];
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  /** The members to list, in the order to show them. */
  @property({ attribute: false }) members: readonly ParticipantRow[] = [];

  protected override render() {
    return html`
      <section part="base" role="region" aria-labelledby="title" @keydown=${this.onKeydown}>
        <h2 id="title">Participants (${this.members.length})</h2>
        <ul part="list">
          ${repeat(this.members, (m) => m.id, (m) => html`
            <li part="member" data-id=${m.id}>
              <span part="name">${m.name}${m.you ? ' (You)' : nothing}</span>
              ${m.hand !== null ? html`<span part="hand"><span aria-hidden="true">✋</span> Hand raised (${m.hand})</span>` : nothing}
              <span part="state">${m.audio ? 'Microphone on' : 'Microphone off'}, ${m.video ? 'camera on' : 'camera off'}</span>
              ${m.connection ? html`<span part="connection" data-state=${m.connection}>${CONNECTION_TEXT[m.connection]}</span>` : nothing}
            </li>
          `)}
        </ul>
        <button part="close" type="button" @click=${this.close}>Close</button>
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
}

declare global {
  interface HTMLElementTagNameMap {
    'participants-panel': ParticipantsPanel;
  }
  interface GlobalEventHandlersEventMap {
    'participants-close': ParticipantsCloseEvent;
  }
}
