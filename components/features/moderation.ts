// Host controls and what hosts ask of us: the participants panel's Mute,
// Lower hand, permissions, co-hosts and Remove (each a signed host action in
// core), and the line that tells us when a host muted us or lowered our hand.
import { html, nothing } from 'lit';
import type { Meeting } from '../../core/index.js';
import { moderation, type ModerationEvent } from '../../core/features/moderation.js';
import { permissions, type Permissions } from '../../core/features/permissions.js';
import { roles } from '../../core/features/roles.js';
import type { ParticipantAction, RowRoles } from '../participants-panel/participants-panel.js';
import { FeatureController, listen } from './feature.js';

/** How long what a host asked of us stays on screen. */
const REQUEST_MS = 10_000;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).replace(/^secure-meeting: /, '');

export class ModerationController extends FeatureController implements RowRoles {
  /**
   * How to remove a member, when the meeting can (the removal feature):
   * set it and the panel shows Remove on each member's row.
   */
  remove: ((meeting: Meeting, id: string) => Promise<void>) | null = null;
  /** What became of the last host control used, for the panel. */
  notice = '';
  /** What a host last asked of us ("Ada asked you to mute"), for a while. */
  request = '';
  #requestTimer: ReturnType<typeof setTimeout> | undefined;

  /** We are host or co-host. */
  get moderate(): boolean {
    return this.meeting?.feature(roles).mayAct ?? false;
  }

  /** We are the host: we make co-hosts. */
  get appoint(): boolean {
    const m = this.meeting;
    return m !== null && m.id !== '' && m.feature(roles).host === m.id;
  }

  get defaults(): Permissions {
    return this.meeting?.feature(permissions).defaults ?? { microphone: true, camera: true, screen: true };
  }

  roleOf(id: string) {
    return this.meeting?.feature(roles).roleOf(id) ?? 'member';
  }

  allowOf(id: string): Permissions {
    return this.meeting?.feature(permissions).of(id) ?? { microphone: true, camera: true, screen: true };
  }

  /** Does what a host control asked; the outcome shows in the panel's notice. */
  async act(action: ParticipantAction): Promise<void> {
    const m = this.meeting;
    if (!m) return;
    const name = 'id' in action ? (m.peers.get(action.id)?.name ?? 'Guest') : '';
    this.notice = '';
    try {
      switch (action.kind) {
        case 'mute':
          await m.feature(moderation).mute(action.id);
          this.notice = `Asked ${name} to mute`;
          break;
        case 'mute-all':
          await m.feature(moderation).muteAll();
          this.notice = 'Asked everyone to mute';
          break;
        case 'lower-hand':
          await m.feature(moderation).lowerHand(action.id);
          this.notice = `Lowered ${name}'s hand`;
          break;
        case 'cohost':
          await m.feature(roles).setCohost(action.id, action.on);
          this.notice = action.on ? `${name} is a co-host` : `${name} is no longer a co-host`;
          break;
        case 'remove':
          if (!this.remove) throw new Error('this meeting cannot remove members');
          await this.remove(m, action.id);
          this.notice = `Removed ${name}`;
          break;
        case 'allow':
          await m.feature(permissions).set(action.id, { [action.what]: action.on });
          break;
        case 'defaults':
          await m.feature(permissions).setDefaults({ [action.what]: action.on });
          break;
      }
    } catch (error) {
      this.notice = messageOf(error);
    }
    this.host.requestUpdate();
  }

  override detach(): void {
    clearTimeout(this.#requestTimer);
    this.request = '';
    this.notice = '';
    super.detach();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    const again = () => this.host.requestUpdate();
    const told = (e: ModerationEvent) => {
      const who = e.byName || 'A host';
      this.request = e.type === 'muterequest'
        ? `${who} asked ${e.everyone ? 'everyone' : 'you'} to mute: your microphone is off`
        : `${who} lowered your hand`;
      clearTimeout(this.#requestTimer);
      this.#requestTimer = setTimeout(() => {
        this.request = '';
        this.host.requestUpdate();
      }, REQUEST_MS);
      again();
    };
    return [listen(meeting, 'roles', again), listen(meeting, 'permissions', again), listen(meeting, 'muterequest', told), listen(meeting, 'handlowered', told)];
  }
}

/** What a host asked of us, beside the toolbar (a polite live region, there before it has words). */
export function moderationRequest(c: ModerationController) {
  return html`<p part="host-request" role="status" class="host-request">${c.request || nothing}</p>`;
}
