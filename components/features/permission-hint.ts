// A toolbar control a host has not allowed: it stays focusable (aria-disabled
// rather than disabled, which would drop it from the tab order and hide the
// reason from keyboard users), does nothing when pressed, and says why as its
// accessible description and as a tip shown on hover and on focus.
import { html, nothing, type TemplateResult } from 'lit';

/** What the wrapped button needs: its described-by and disabled state, and whether its click should do anything. */
export interface HintAttributes {
  readonly describedBy: string | typeof nothing;
  readonly ariaDisabled: 'true' | typeof nothing;
  readonly blocked: boolean;
}

/**
 * Renders `button(attributes)` with the reason it may not be used, a
 * sentence in the element's language (null when it may). `id` must be
 * unique in the shadow root.
 */
export function withReason(id: string, reason: string | null, button: (a: HintAttributes) => TemplateResult) {
  const blocked = reason !== null;
  return html`<span class="hinted">${button({ describedBy: blocked ? id : nothing, ariaDisabled: blocked ? 'true' : nothing, blocked })}<span
    id=${id} part="forbidden-hint" role="tooltip" class="hint" ?hidden=${!blocked}>${reason ?? ''}</span></span>`;
}

