// Raise hand: the toolbar's "Raise hand"/"Lower hand" toggle, and the
// raised hands in order for the tiles and the participants panel.
import { html } from 'lit';
import type { Meeting } from '../../core/index.js';
import { hands } from '../../core/features/hands.js';
import { FeatureController, listen } from './feature.js';

export class HandsController extends FeatureController {
  /** Member ids with a raised hand, ours included, in the order raised. */
  get raised(): readonly string[] {
    return this.meeting?.feature(hands).raised ?? [];
  }

  get up(): boolean {
    return this.meeting?.feature(hands).up ?? false;
  }

  toggle(): void {
    const api = this.meeting?.feature(hands);
    if (!api) return;
    if (api.up) api.lower();
    else api.raise();
    this.host.requestUpdate();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    return [listen(meeting, 'hands', () => this.host.requestUpdate())];
  }
}

/**
 * The toolbar toggle. Its name stays "Raise hand" and aria-pressed says
 * whether the hand is up (a toggle whose name also flipped would read as
 * "Lower hand, pressed"); pressing it again lowers the hand.
 */
export function handButton(c: HandsController) {
  const t = c.i18n.t;
  return html`<button part="button hand" type="button" aria-pressed=${c.up ? 'true' : 'false'} @click=${() => c.toggle()}>
    <span aria-hidden="true">✋</span>${t.handRaise}
  </button>`;
}
