// Host controls and what hosts ask of us: the participants panel's Mute,
// Lower hand, permissions, co-hosts and Remove (each a signed host action in
// core), and the line that tells us when a host muted us or lowered our hand.
import { html, nothing } from 'lit';
import type { Meeting } from '../../core/index.js';
import { moderation, type ModerationEvent } from '../../core/features/moderation.js';
import { permissions, type Permissions } from '../../core/features/permissions.js';
import { roles } from '../../core/features/roles.js';
import type { ParticipantAction, RowRoles } from '../participants-panel/participants-panel.js';
import { plainMessage } from '../secure-meeting/status.js';
import { FeatureController, listen } from './feature.js';

/** How long what a host asked of us stays on screen. */
const REQUEST_MS = 10_000;

/** What became of the last host control used: which, for whom (their name then), or why it failed. */
export type Outcome =
  | { readonly kind: 'mute' | 'lower-hand' | 'cohost-on' | 'cohost-off' | 'remove'; readonly name: string | null }
  | { readonly kind: 'mute-all' | 'cannot-remove' }
  | { readonly kind: 'failed'; readonly error: unknown };

/** What a host last asked of us: muting (us or everyone) or lowering our hand, and who asked ('' unknown). */
export interface HostRequest {
  readonly kind: 'mute-you' | 'mute-everyone' | 'lower-hand';
  readonly by: string;
}

export class ModerationController extends FeatureController implements RowRoles {
  /**
   * How to remove a member, when the meeting can (the removal feature):
   * set it and the panel shows Remove on each member's row.
   */
  remove: ((meeting: Meeting, id: string) => Promise<void>) | null = null;
  /** What became of the last host control used, for the panel (in words: noticeText()). */
  notice: Outcome | null = null;
  /** What a host last asked of us ("Ada asked you to mute"), for a while (in words: requestText()). */
  request: HostRequest | null = null;
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
    // Their name now: they may be gone by the time the outcome shows.
    const name = 'id' in action ? (m.peers.get(action.id)?.name ?? null) : null;
    this.notice = null;
    try {
      switch (action.kind) {
        case 'mute':
          await m.feature(moderation).mute(action.id);
          this.notice = { kind: 'mute', name };
          break;
        case 'mute-all':
          await m.feature(moderation).muteAll();
          this.notice = { kind: 'mute-all' };
          break;
        case 'lower-hand':
          await m.feature(moderation).lowerHand(action.id);
          this.notice = { kind: 'lower-hand', name };
          break;
        case 'cohost':
          await m.feature(roles).setCohost(action.id, action.on);
          this.notice = { kind: action.on ? 'cohost-on' : 'cohost-off', name };
          break;
        case 'remove':
          if (!this.remove) {
            this.notice = { kind: 'cannot-remove' };
            break;
          }
          await this.remove(m, action.id);
          this.notice = { kind: 'remove', name };
          break;
        case 'allow':
          await m.feature(permissions).set(action.id, { [action.what]: action.on });
          break;
        case 'defaults':
          await m.feature(permissions).setDefaults({ [action.what]: action.on });
          break;
      }
    } catch (error) {
      this.notice = { kind: 'failed', error };
    }
    this.host.requestUpdate();
  }

  /** The panel's notice in words ('' for nothing to say). */
  noticeText(): string {
    const t = this.i18n.t;
    const n = this.notice;
    if (!n) return '';
    if (n.kind === 'failed') return plainMessage(n.error, t);
    if (!('name' in n)) return n.kind === 'mute-all' ? t.moderationAskedEveryoneToMute : t.moderationCannotRemove;
    const name = n.name ?? t.participantsGuest;
    switch (n.kind) {
      case 'mute': return t.moderationAskedToMute(name);
      case 'lower-hand': return t.moderationLoweredHand(name);
      case 'cohost-on': return t.moderationIsCohost(name);
      case 'cohost-off': return t.moderationNoLongerCohost(name);
      case 'remove': return t.moderationRemoved(name);
    }
  }

  /** What a host asked of us, in words ('' for nothing now). */
  requestText(): string {
    const t = this.i18n.t;
    const r = this.request;
    if (!r) return '';
    if (r.by === '') {
      return r.kind === 'mute-you' ? t.moderationHostMuteYou : r.kind === 'mute-everyone' ? t.moderationHostMuteEveryone : t.moderationHostLowerYourHand;
    }
    return r.kind === 'mute-you' ? t.moderationMuteYou(r.by) : r.kind === 'mute-everyone' ? t.moderationMuteEveryone(r.by) : t.moderationLowerYourHand(r.by);
  }

  override detach(): void {
    clearTimeout(this.#requestTimer);
    this.request = null;
    this.notice = null;
    super.detach();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    const again = () => this.host.requestUpdate();
    const told = (e: ModerationEvent) => {
      const by = e.byName || '';
      this.request = e.type === 'muterequest' ? { kind: e.everyone ? 'mute-everyone' : 'mute-you', by } : { kind: 'lower-hand', by };
      clearTimeout(this.#requestTimer);
      this.#requestTimer = setTimeout(() => {
        this.request = null;
        this.host.requestUpdate();
      }, REQUEST_MS);
      again();
    };
    return [listen(meeting, 'roles', again), listen(meeting, 'permissions', again), listen(meeting, 'muterequest', told), listen(meeting, 'handlowered', told)];
  }
}

/** What a host asked of us, beside the toolbar (a polite live region, there before it has words). */
export function moderationRequest(c: ModerationController) {
  return html`<p part="host-request" role="status" class="host-request">${c.requestText() || nothing}</p>`;
}
