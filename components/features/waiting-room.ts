// The waiting room on screen: a newcomer held by it sees "Waiting for the
// host to let you in" (or that it was turned away) instead of the meeting;
// hosts and co-hosts see who is knocking, with Admit and Deny (<knock-list>),
// hear a short cue when someone new knocks, and get a toolbar toggle that
// switches the waiting room on or off for everyone.
import { html, nothing } from 'lit';
import type { Meeting } from '../../core/index.js';
import { roles } from '../../core/features/roles.js';
import { waitingRoom, type Knock, type WaitingRoomApi, type WaitingState } from '../../core/features/waiting-room.js';
import '../knock-list/knock-list.js';
import type { KnockDecisionEvent } from '../knock-list/knock-list.js';
import { plainMessage } from '../secure-meeting/status.js';
import { FeatureController, listen } from './feature.js';

/** Two short tones, quiet: someone is knocking. No sound file to fetch; silent where audio cannot start. */
function playCue(): void {
  try {
    const context = new AudioContext();
    const gain = context.createGain();
    gain.gain.value = 0.08;
    gain.connect(context.destination);
    [660, 880].forEach((hz, i) => {
      const tone = context.createOscillator();
      tone.frequency.value = hz;
      tone.connect(gain);
      tone.start(context.currentTime + i * 0.15);
      tone.stop(context.currentTime + i * 0.15 + 0.12);
    });
    setTimeout(() => void context.close().catch(() => {}), 600);
  } catch {
    // No audio here (policy, no device): the list and its live region still say it.
  }
}

export class WaitingRoomController extends FeatureController {
  /** Members an Admit or Deny is on its way for. */
  readonly busy = new Set<string>();
  /** Why the last Admit, Deny or toggle failed (the error; in words at render), or null. */
  problem: unknown = null;

  get state(): WaitingState {
    return this.meeting?.feature(waitingRoom).state ?? 'none';
  }

  get on(): boolean {
    return this.meeting?.feature(waitingRoom).on ?? false;
  }

  /** We are host or co-host now: we decide who gets in. */
  get mayAct(): boolean {
    return this.meeting?.feature(roles).mayAct ?? false;
  }

  get knocks(): readonly Knock[] {
    return this.meeting?.feature(waitingRoom).knocks ?? [];
  }

  admit(id: string): Promise<void> {
    return this.decide(id, (api) => api.admit(id));
  }

  deny(id: string): Promise<void> {
    return this.decide(id, (api) => api.deny(id));
  }

  async toggle(): Promise<void> {
    const api = this.meeting?.feature(waitingRoom);
    if (!api) return;
    await this.attempt(() => api.setOn(!api.on));
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    const update = () => this.host.requestUpdate();
    return [
      listen(meeting, 'waitingroom', update),
      listen(meeting, 'knock', () => {
        if (this.mayAct) playCue();
        update();
      }),
      listen(meeting, 'roles', update),
    ];
  }

  private async decide(id: string, act: (api: WaitingRoomApi) => Promise<boolean>): Promise<void> {
    const api = this.meeting?.feature(waitingRoom);
    if (!api || this.busy.has(id)) return;
    this.busy.add(id);
    this.host.requestUpdate();
    await this.attempt(() => act(api));
    this.busy.delete(id);
    this.host.requestUpdate();
  }

  private async attempt(run: () => Promise<unknown>): Promise<void> {
    this.problem = null;
    try {
      await run();
    } catch (error) {
      this.problem = error ?? new Error();
    }
    this.host.requestUpdate();
  }
}

/** Instead of the meeting while we wait or were turned away; `nothing` otherwise. */
export function waitingScreen(c: WaitingRoomController, leave: () => void) {
  const state = c.state;
  if (state !== 'waiting' && state !== 'denied') return nothing;
  const denied = state === 'denied';
  const t = c.i18n.t;
  return html`<section part="waiting" class="waiting" role="region" aria-labelledby="waiting-title" data-state=${state}>
    <h2 id="waiting-title" part="waiting-message" role=${denied ? 'alert' : 'status'}>
      ${denied ? t.waitingDenied : t.waitingTitle}
    </h2>
    <p part="waiting-help">${denied ? t.waitingDeniedHelp : t.waitingHelp}</p>
    <button part="button waiting-leave" type="button" @click=${leave}>${denied ? t.waitingBack : t.waitingLeave}</button>
  </section>`;
}

/** Who is knocking, for hosts and co-hosts; `nothing` for everyone else or while no one knocks. */
export function knockList(c: WaitingRoomController) {
  if (!c.mayAct || c.knocks.length === 0) return nothing;
  const t = c.i18n.t;
  return html`<knock-list part="knock-list" exportparts=${KNOCK_PARTS} .knocks=${c.knocks} .busy=${new Set(c.busy)}
    @knock-admit=${(e: KnockDecisionEvent) => void c.admit(e.id)} @knock-deny=${(e: KnockDecisionEvent) => void c.deny(e.id)}></knock-list>
    ${c.problem !== null ? html`<p part="waiting-problem" role="alert">${plainMessage(c.problem, t)}</p>` : nothing}`;
}

/** The hosts' toolbar toggle: whether newcomers wait (aria-pressed). */
export function waitingRoomButton(c: WaitingRoomController) {
  const t = c.i18n.t;
  return html`<button part="button waiting-room" type="button" aria-pressed=${c.on ? 'true' : 'false'} @click=${() => void c.toggle()}>
    ${t.waitingRoomButton}
  </button>`;
}

const KNOCK_PARTS = 'base:knock-base, cue:knock-cue, list:knock-items, knock:knock, name:knock-name, since:knock-since, admit:knock-admit, deny:knock-deny';
