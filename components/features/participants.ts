// The participants panel: everyone present (us first, marked "You") with
// name, microphone and camera, raised hand and connection. The panel's
// element is a module of its own, fetched with import() the first time the
// panel opens, so meetings where no one opens it never download it.
import { html, nothing } from 'lit';
import type { Meeting } from '../../core/index.js';
import type { RemotePeer } from '../../core/events.js';
import type { ParticipantRow } from '../participants-panel/participants-panel.js';
import { FeatureController, listen } from './feature.js';

export type { ParticipantRow } from '../participants-panel/participants-panel.js';

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

export class ParticipantsController extends FeatureController {
  open = false;
  #loading: Promise<unknown> | null = null;

  /** Opens the panel (loading its element the first time) or closes it. */
  async toggle(): Promise<void> {
    if (this.open) return this.close();
    this.#loading ??= import('../participants-panel/participants-panel.js');
    await this.#loading;
    if (!this.meeting) return;
    this.open = true;
    this.host.requestUpdate();
  }

  close(): void {
    this.open = false;
    this.host.requestUpdate();
  }

  override detach(): void {
    this.open = false;
    super.detach();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    // The panel shows what tiles show; redraws ride on the meeting controller's, plus these.
    const again = () => this.open && this.host.requestUpdate();
    return [listen(meeting, 'peerupdate', again), listen(meeting, 'hands', again)];
  }
}

/** The toolbar's "Participants" toggle, with how many are present. */
export function participantsButton(c: ParticipantsController, count: number) {
  return html`<button part="button participants" type="button" aria-expanded=${c.open ? 'true' : 'false'}
    aria-controls="participants" @click=${() => void c.toggle()}>Participants <span class="count">${count}</span></button>`;
}

/** The panel while open; closing it (Escape, Close) gives focus back to the toolbar button. */
export function participantsPanel(c: ParticipantsController, m: Meeting, raised: readonly string[]) {
  if (!c.open) return nothing;
  const closed = (e: Event) => {
    c.close();
    const root = (e.target as Element).getRootNode() as ParentNode;
    root.querySelector<HTMLElement>('[part~=participants]')?.focus();
  };
  return html`<participants-panel id="participants" part="participants-panel" exportparts=${PANEL_PARTS}
    .members=${participantRows(m, raised)} @participants-close=${closed}></participants-panel>`;
}

const PANEL_PARTS = 'base:participants-base, list:participants-list, member:participant, name:participant-name, ' +
  'state:participant-state, hand:participant-hand, connection:participant-connection, close:participants-close';
