// Screen share: the toolbar's "Share screen" toggle, and the screens being
// shared (ours included) for the spotlight, each with who shares it.
import { html, nothing } from 'lit';
import type { Meeting } from '../../core/index.js';
import { permissions } from '../../core/features/permissions.js';
import { screenShare } from '../../core/features/screen-share.js';
import { FeatureController, listen } from './feature.js';
import { failureReason } from '../secure-meeting/status.js';
import { withReason } from './permission-hint.js';

/** One screen in the spotlight: whose, and its stream once it has arrived. */
export interface SharedScreen {
  readonly id: string;
  readonly name: string;
  readonly local: boolean;
  readonly stream: MediaStream | null;
}

const canCapture = () => typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';

export class ScreenShareController extends FeatureController {
  /** Why the last start failed (not kept for a cancelled choice), for the toolbar's status; put in words when shown. */
  failure: { readonly error: unknown } | null = null;

  get presenting(): boolean {
    return this.meeting?.feature(screenShare).presenting ?? false;
  }

  /** Why we may not share (a host's permission), or null. */
  get forbidden(): string | null {
    return this.meeting?.feature(permissions).reason('screen') ?? null;
  }

  get canStart(): boolean {
    return canCapture() && (this.meeting?.feature(screenShare).canStart ?? false);
  }

  /** The screens shared now, in the order they started. */
  get screens(): readonly SharedScreen[] {
    const m = this.meeting;
    if (!m) return [];
    const t = this.i18n.t;
    const api = m.feature(screenShare);
    return api.presenters.map((id) => ({
      id,
      local: id === m.id,
      name: id === m.id ? m.name : m.peers.get(id)?.name ?? t.screenGuest,
      stream: api.streamOf(id),
    }));
  }

  /** Stream ids of the screens shared now: never shown as a member's camera on their tile. */
  get screenStreams(): ReadonlySet<string> {
    const api = this.meeting?.feature(screenShare);
    return new Set(api?.presenters.map((id) => api.streamIdOf(id)).filter((s): s is string => s !== null) ?? []);
  }

  async toggle(): Promise<void> {
    const api = this.meeting?.feature(screenShare);
    if (!api) return;
    this.failure = null;
    if (api.presenting) api.stop();
    else {
      this.host.requestUpdate();
      try {
        await api.start();
      } catch (error) {
        // Cancelling the browser's picker is a choice, not a problem to report.
        const cancelled = error instanceof Error && (error.cause as Error | undefined)?.name === 'NotAllowedError';
        if (!cancelled) this.failure = { error };
      }
    }
    this.host.requestUpdate();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    // A screen's stream arrives on its member's connection after the word that it is shared.
    const again = () => this.host.requestUpdate();
    return [listen(meeting, 'screenshare', again), listen(meeting, 'peerupdate', again), listen(meeting, 'permissions', again)];
  }
}

/**
 * The toolbar toggle (aria-pressed: whether we share). While others hold
 * every presenter place it is disabled and says who presents; while a host
 * has not allowed it, it says so (permission-hint.ts).
 */
export function screenShareButton(c: ScreenShareController) {
  const t = c.i18n.t;
  const others = c.screens.filter((s) => !s.local).map((s) => s.name);
  const busy = !c.presenting && !c.canStart && others.length > 0;
  const reason = c.presenting || c.forbidden === null ? null : t.permissionScreen;
  return html`${withReason('share-screen-forbidden', reason, (a) => html`<button part="button share-screen" type="button"
    aria-pressed=${c.presenting ? 'true' : 'false'} ?disabled=${!c.presenting && !c.canStart}
    aria-disabled=${a.ariaDisabled} aria-describedby=${a.describedBy} @click=${a.blocked ? () => {} : () => void c.toggle()}>
    ${t.screenShare}${busy ? html`<span class="share-busy"> · ${t.screenPresenting(others.join(', '), others.length)}</span>` : nothing}
  </button>`)}${c.failure ? html`<span part="share-problem" role="status">${failureReason(c.failure.error, t)}</span>` : nothing}`;
}
