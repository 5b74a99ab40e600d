import { css } from 'lit';

/**
 * Rounded corners painted over a playing video, not clipped out of it: a
 * browser compositing without a GPU spent 45 % of a core instead of 20 %
 * on a three-member call whose playing videos it clipped to a rounded
 * shape (README, Theming). Four radius-sized pieces in `--_corner` (the
 * colour the video's box sits on) cost nothing per frame. The box is
 * positioned and holds `<span class="corners top"></span><span class="corners bottom"></span>`
 * after its video.
 */
export const corners = css`
  .corners {
    position: absolute;
    inset-inline: 0;
    height: var(--_radius);
    pointer-events: none;
  }
  .corners.top { inset-block-start: 0; }
  .corners.bottom { inset-block-end: 0; }
  .corners::before,
  .corners::after {
    content: '';
    position: absolute;
    inset-block: 0;
    width: var(--_radius);
    --_arc: transparent calc(var(--_radius) - 0.75px), var(--_corner) var(--_radius);
  }
  .corners::before { inset-inline-start: 0; }
  .corners::after { inset-inline-end: 0; }
  .corners.top::before { background: radial-gradient(circle at 100% 100%, var(--_arc)); }
  .corners.top::after { background: radial-gradient(circle at 0 100%, var(--_arc)); }
  .corners.bottom::before { background: radial-gradient(circle at 100% 0, var(--_arc)); }
  .corners.bottom::after { background: radial-gradient(circle at 0 0, var(--_arc)); }
`;
