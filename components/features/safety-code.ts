// Safety codes: on demand, each member's pair code (from both identity keys
// and both DTLS fingerprints) and the room code, with a sentence on what
// comparing them proves. Codes are worked out when the panel opens and again
// while it is open as members come and go.
import { html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Meeting } from '../../core/index.js';
import { FeatureController, listen } from './feature.js';

export interface PairCode {
  readonly id: string;
  readonly name: string;
  /** Null while the connection has not both descriptions yet. */
  readonly code: string | null;
}

export class SafetyCodeController extends FeatureController {
  open = false;
  room: string | null = null;
  pairs: readonly PairCode[] = [];
  /** Which member's row to bring into view (a tile's Verify), if any. */
  focusId: string | null = null;
  #generation = 0;

  /** Opens (at one member's row when `focusId` is given) or closes the panel; resolves once its codes are worked out. */
  toggle(focusId: string | null = null): Promise<void> {
    this.open = focusId !== null || !this.open;
    this.focusId = focusId;
    this.host.requestUpdate();
    return this.open ? this.refresh() : Promise.resolve();
  }

  close(): void {
    this.open = false;
    this.host.requestUpdate();
  }

  override detach(): void {
    this.open = false;
    this.pairs = [];
    this.room = null;
    super.detach();
  }

  /** Works the codes out again; an older round still running is ignored when it ends. */
  async refresh(): Promise<void> {
    const m = this.meeting;
    if (!m) return;
    const round = ++this.#generation;
    const peers = [...m.peers.values()];
    const [room, codes] = await Promise.all([m.roomCode(), Promise.all(peers.map((p) => m.safetyCode(p.id)))]);
    if (round !== this.#generation || this.meeting !== m) return;
    this.room = room;
    this.pairs = peers.map((p, i) => ({ id: p.id, name: p.name, code: codes[i] ?? null }));
    this.host.requestUpdate();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    const again = () => {
      if (this.open) void this.refresh();
    };
    return [listen(meeting, 'peerjoin', again), listen(meeting, 'peerleave', again), listen(meeting, 'peerupdate', again)];
  }
}

/** The toolbar's "Safety codes" toggle. */
export function safetyCodeButton(c: SafetyCodeController) {
  const t = c.i18n.t;
  return html`<button part="button verify" type="button" aria-expanded=${c.open ? 'true' : 'false'} aria-controls="safety" @click=${() => void c.toggle()}>
    ${t.safetyButton}
  </button>`;
}

/** The panel, while open: one row per member, the room code, and what they mean. */
export function safetyCodePanel(c: SafetyCodeController) {
  if (!c.open) return nothing;
  const t = c.i18n.t;
  return html`
    <section part="safety" id="safety" role="region" aria-label=${t.safetyPanel} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && c.close()}>
      <p part="safety-help">${t.safetyHelp}</p>
      <dl>
        ${repeat(
          c.pairs,
          (p) => p.id,
          (p) => html`<div part="safety-pair" data-id=${p.id} tabindex="-1" ?data-focus=${c.focusId === p.id}>
            <dt>${p.name}</dt>
            <dd part="safety-code">${p.code ?? t.safetyNotConnected}</dd>
          </div>`,
        )}
        <div part="safety-pair">
          <dt>${t.safetyEveryone}</dt>
          <dd part="safety-code">${c.room ?? '…'}</dd>
        </div>
      </dl>
      <button part="button" type="button" @click=${() => c.close()}>${t.safetyClose}</button>
    </section>
  `;
}
