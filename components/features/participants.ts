// The participants panel: everyone present (us first, marked "You") with
// name, microphone and camera, raised hand and connection. The panel's
// element is a module of its own, fetched with import() the first time the
// panel opens, so meetings where no one opens it never download it.
import { html, nothing } from 'lit';
import type { Meeting } from '../../core/index.js';
import { FeatureController, listen } from './feature.js';
import type { ModerationController } from './moderation.js';

type PanelModule = typeof import('../participants-panel/participants-panel.js');

export class ParticipantsController extends FeatureController {
  open = false;
  /** The panel's module, once loaded: its element, and how it lists the members. */
  panel: PanelModule | null = null;
  #loading: Promise<PanelModule> | null = null;

  /** Opens the panel (loading its element the first time) or closes it. */
  async toggle(): Promise<void> {
    if (this.open) return this.close();
    this.#loading ??= import('../participants-panel/participants-panel.js');
    this.panel = await this.#loading;
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
    return [listen(meeting, 'peerupdate', again), listen(meeting, 'hands', again), listen(meeting, 'roles', again), listen(meeting, 'permissions', again)];
  }
}

/** The toolbar's Participants toggle, with how many are present. */
export function participantsButton(c: ParticipantsController, count: number) {
  const t = c.i18n.t;
  return html`<button part="button participants" type="button" aria-expanded=${c.open ? 'true' : 'false'}
    aria-controls="participants" @click=${() => void c.toggle()}>${t.participantsButton} <span class="count">${c.i18n.number(count)}</span></button>`;
}

/**
 * The panel while open, with the host controls when we are host or co-host;
 * closing it (Escape, Close) gives focus back to the toolbar button.
 */
export function participantsPanel(c: ParticipantsController, m: Meeting, raised: readonly string[], mod: ModerationController) {
  if (!c.open || !c.panel) return nothing;
  const closed = (e: Event) => {
    c.close();
    const root = (e.target as Element).getRootNode() as ParentNode;
    root.querySelector<HTMLElement>('[part~=participants]')?.focus();
  };
  return html`<participants-panel id="participants" part="participants-panel" exportparts=${PANEL_PARTS}
    .members=${c.panel.participantRows(m, raised, mod)} ?moderate=${mod.moderate} ?appoint=${mod.appoint}
    ?removable=${mod.remove !== null} .defaults=${mod.defaults} .notice=${mod.noticeText()}
    @participant-action=${(e: GlobalEventHandlersEventMap['participant-action']) => void mod.act(e.action)}
    @participants-close=${closed}></participants-panel>`;
}

const PANEL_PARTS = 'base:participants-base, list:participants-list, member:participant, name:participant-name, ' +
  'state:participant-state, hand:participant-hand, connection:participant-connection, close:participants-close, ' +
  'role:participant-role, meeting-controls:participants-host-controls, defaults:participants-defaults, ' +
  'host-controls:participant-host-controls, host-control:participant-host-control, mute:participant-mute, ' +
  'mute-all:participants-mute-all, lower-hand:participant-lower-hand, cohost:participant-cohost, remove:participant-remove, ' +
  'permissions:participant-permissions, permission:participant-permission, notice:participants-notice';
