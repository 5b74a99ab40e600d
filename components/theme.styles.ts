import { css } from 'lit';

/**
 * The theme tokens every element reads. Defaults go into private --_ names:
 * declaring --sm-* themselves on :host would hide a theme set on any ancestor
 * (a page's :root, or a <secure-meeting> around a gate or tile).
 */
export const theme = css`
  :host {
    --_accent: var(--sm-accent, #4f7cff);
    --_accent-fg: var(--sm-accent-fg, #0b0d12);
    --_bg: var(--sm-bg, #111318);
    --_fg: var(--sm-fg, #f3f4f6);
    --_muted: var(--sm-muted, #aab0bd);
    --_surface: var(--sm-surface, #1c1f26);
    --_border: var(--sm-border, #5b6270);
    --_danger: var(--sm-danger, #ff8a8a);
    --_radius: var(--sm-radius, 12px);
    --_gap: var(--sm-gap, 12px);
    --_tile-min: var(--sm-tile-min, 240px);
  }
`;
