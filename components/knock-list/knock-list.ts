import { LitElement, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Knock } from '../../core/features/waiting-room.js';
import { Localizer } from '../i18n/i18n.js';
import { panelButtons } from '../panel-button.styles.js';
import { theme } from '../theme.styles.js';
import { styles } from './knock-list.styles.js';

/** `knock-admit` and `knock-deny`: a host pressed Admit or Deny for `id`. */
export class KnockDecisionEvent extends Event {
  constructor(type: 'knock-admit' | 'knock-deny', readonly id: string) {
    super(type, { bubbles: true, composed: true });
  }
}

/**
 * Shown by `<secure-meeting>` to hosts and co-hosts while someone is in the
 * waiting room. Each row has Admit and Deny; the newest arrival is also
 * said in a polite live region, so a screen reader hears who is knocking.
 *
 * @summary Who is waiting to join, with Admit and Deny for each.
 *
 * @event {KnockDecisionEvent} knock-admit - Admit was pressed (`event.id`).
 * @event {KnockDecisionEvent} knock-deny - Deny was pressed (`event.id`).
 *
 * @csspart base - The list's region.
 * @csspart cue - "Ada wants to join": the newest arrival (a polite live region).
 * @csspart list - The list of members knocking.
 * @csspart knock - One member's row.
 * @csspart name - Their name.
 * @csspart since - Since when they wait.
 * @csspart button - Each button.
 * @csspart admit - Admit: lets them in, for everyone.
 * @csspart deny - Deny: turns them away for the rest of the meeting.
 *
 * @cssproperty [--sm-surface=#1c1f26] - Background.
 * @cssproperty [--sm-accent=#4f7cff] - The Admit button.
 * @cssproperty [--sm-muted=#aab0bd] - "since" text.
 */
@customElement('knock-list')
export class KnockList extends LitElement {
  static override styles = [theme, panelButtons, styles];

  /** Members knocking, oldest first. */
  @property({ attribute: false }) knocks: readonly Knock[] = [];

  /** Members a decision is on its way for: their buttons are disabled meanwhile. */
  @property({ attribute: false }) busy: ReadonlySet<string> = new Set();

  private readonly i18n = new Localizer(this);

  protected override render() {
    const t = this.i18n.t;
    const newest = this.knocks.reduce<Knock | null>((a, k) => (a === null || k.since >= a.since ? k : a), null);
    return html`
      <section part="base" role="region" aria-labelledby="title">
        <h2 id="title">${t.knockTitle(this.i18n.number(this.knocks.length))}</h2>
        <p part="cue" role="status">${newest ? t.knockWantsToJoin(newest.name) : ''}</p>
        <ul part="list">
          ${repeat(this.knocks, (k) => k.id, (k) => html`
            <li part="knock" data-id=${k.id}>
              <span part="name">${k.name}</span>
              <span part="since">${t.knockSince(this.i18n.time(k.since))}</span>
              <button part="button admit" type="button" aria-label=${t.knockAdmitLabel(k.name)} ?disabled=${this.busy.has(k.id)}
                @click=${() => this.dispatchEvent(new KnockDecisionEvent('knock-admit', k.id))}>${t.knockAdmit}</button>
              <button part="button deny" type="button" aria-label=${t.knockDenyLabel(k.name)} ?disabled=${this.busy.has(k.id)}
                @click=${() => this.dispatchEvent(new KnockDecisionEvent('knock-deny', k.id))}>${t.knockDeny}</button>
            </li>
          `)}
        </ul>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'knock-list': KnockList;
  }
  interface GlobalEventHandlersEventMap {
    'knock-admit': KnockDecisionEvent;
    'knock-deny': KnockDecisionEvent;
  }
}
