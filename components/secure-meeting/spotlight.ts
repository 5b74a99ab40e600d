// The spotlight: while someone shares a screen, each screen being shared
// is shown large, with who is presenting; the members' tiles become a strip
// beside it (grid.ts).
import { html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { SharedScreen } from '../features/screen-share.js';

/** The screens, large. Muted: a member's voice plays from their tile, never twice. */
export function spotlight(screens: readonly SharedScreen[]) {
  return html`
    <section part="spotlight" aria-label="Screen share">
      ${repeat(screens, (s) => s.id, (s) => {
        const who = s.local ? 'You are presenting' : `${s.name} is presenting`;
        return html`
          <figure part="screen-frame" class=${s.local ? 'screen local' : 'screen'} data-id=${s.id}>
            <video part="screen" autoplay playsinline .muted=${true} .srcObject=${s.stream} aria-label=${`${s.local ? 'Your' : `${s.name}'s`} screen`}></video>
            <span class="corners top" aria-hidden="true"></span><span class="corners bottom" aria-hidden="true"></span>
            <figcaption part="presenter"><span role="status">${who}</span></figcaption>
          </figure>
        `;
      })}
    </section>
  `;
}
