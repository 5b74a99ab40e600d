// The spotlight: while someone shares a screen, each screen being shared
// is shown large, with who is presenting; the members' tiles become a strip
// beside it (grid.ts).
import { html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { SharedScreen } from '../features/screen-share.js';
import type { Messages } from '../i18n/i18n.js';

/** The screens, large. Muted: a member's voice plays from their tile, never twice. */
export function spotlight(screens: readonly SharedScreen[], t: Messages) {
  return html`
    <section part="spotlight" aria-label=${t.spotlightLabel}>
      ${repeat(screens, (s) => s.id, (s) => {
        const who = s.local ? t.spotlightYouPresent : t.spotlightPresents(s.name);
        return html`
          <figure part="screen-frame" class=${s.local ? 'screen local' : 'screen'} data-id=${s.id}>
            <video part="screen" autoplay playsinline .muted=${true} .srcObject=${s.stream} aria-label=${s.local ? t.spotlightYourScreen : t.spotlightScreenOf(s.name)}></video>
            <span class="corners top" aria-hidden="true"></span><span class="corners bottom" aria-hidden="true"></span>
            <figcaption part="presenter"><span role="status">${who}</span></figcaption>
          </figure>
        `;
      })}
    </section>
  `;
}
