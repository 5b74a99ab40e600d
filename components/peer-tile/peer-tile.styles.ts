import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    position: relative;
    color: var(--_fg);
    border-radius: var(--_radius);
    aspect-ratio: 16 / 9;
    background: var(--_surface);
    /* What the tile's corners are painted in: what it sits on (the meeting's background). */
    --_corner: var(--sm-tile-corner, var(--_bg));
  }

  :host([hidden]) {
    display: none;
  }

  [part='base'] {
    position: relative;
    margin: 0;
    width: 100%;
    height: 100%;
  }

  video {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: cover;
    background: #000;
  }

  /* Mirrored like a mirror: people expect to see themselves that way. */
  :host([local]) video {
    transform: scaleX(-1);
  }

  /*
   * Hidden, never removed: a remote member's audio plays through this same
   * element, so it must keep playing while their camera is off.
   */
  .no-video video {
    visibility: hidden;
  }

  .placeholder {
    position: absolute;
    inset: 0;
    display: none;
    place-items: center;
  }

  .no-video .placeholder {
    display: grid;
  }

  .initial {
    display: grid;
    place-items: center;
    width: min(30%, 6rem);
    aspect-ratio: 1;
    border-radius: 50%;
    background: var(--_accent);
    color: var(--_accent-fg);
    font-size: 2rem;
    font-weight: 600;
    user-select: none;
  }

  .bar {
    position: absolute;
    inset-inline: 0;
    inset-block-end: 0;
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 6px 10px;
    /* A dark band keeps the name readable over any video. */
    background: rgb(0 0 0 / 0.7);
    color: #fff;
  }

  [part='name'] {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  [part='status'] {
    display: flex;
    gap: 6px;
  }

  .you {
    font-weight: 600;
    opacity: 0.85;
  }

  /* Across the middle, clear of the controls and the name bar; dark like the bar so it reads on any background. */
  .problem {
    position: absolute;
    inset-inline: 8px;
    inset-block-start: 50%;
    translate: 0 -50%;
    margin: 0;
    display: grid;
    gap: 2px;
    padding: 6px 10px;
    border-radius: calc(var(--_radius) / 2);
    background: rgb(0 0 0 / 0.8);
    color: #fff;
    font-size: 0.9em;
  }

  /* At the top, clear of the name bar and of "Could not connect". */
  .audio-only {
    position: absolute;
    inset-inline: 8px;
    inset-block-start: 8px;
    margin: 0;
    padding: 4px 8px;
    border-radius: calc(var(--_radius) / 2);
    background: rgb(0 0 0 / 0.8);
    color: #fff;
    font-size: 0.85em;
  }

  /* Inside the frame, so the grid's gaps and overflow never clip it. */
  :host([speaking])::after {
    content: '';
    position: absolute;
    inset: 0;
    border: 3px solid var(--sm-speaking, #3ddc97);
    border-radius: inherit;
    pointer-events: none;
  }

  .hand {
    line-height: 1;
  }

  .reconnecting {
    font-size: 0.85em;
    opacity: 0.85;
  }

  .indicator svg {
    display: block;
    width: 1.1em;
    height: 1.1em;
    fill: currentColor;
  }

  /* On a small tile the controls wrap rather than run off its edge. */
  .controls {
    position: absolute;
    inset-inline: 6px;
    inset-block-start: 6px;
    display: flex;
    flex-wrap: wrap;
    justify-content: flex-end;
    gap: 4px;
  }
  .controls button {
    font: inherit;
    font-size: 0.8rem;
    padding: 3px 8px;
    border-radius: 6px;
    border: 1px solid rgb(255 255 255 / 0.5);
    background: rgb(0 0 0 / 0.7);
    color: #fff;
    cursor: pointer;
  }
  .controls button[aria-pressed='true'] {
    background: #fff;
    color: #000;
  }
  .controls button:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  /* Connection quality: the bars, and their text on hover and focus, above the name bar. */
  .quality {
    position: relative;
    display: inline-flex;
    align-items: center;
    color: var(--_quality);
    border-radius: 3px;
    --_quality: var(--sm-quality-good, #3ddc97);
  }
  .quality[data-level='fair'] { --_quality: var(--sm-quality-fair, #f5c451); }
  .quality[data-level='poor'] { --_quality: var(--sm-quality-poor, #ff9f43); }
  .quality[data-level='bad'] { --_quality: var(--sm-quality-bad, #ff6b6b); }
  .quality svg {
    display: block;
    width: 1.1em;
    height: 1.1em;
  }
  .quality .lit { fill: currentColor; }
  .quality .unlit { fill: rgb(255 255 255 / 0.3); }
  .quality:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .quality-text {
    display: none;
    position: absolute;
    inset-inline-end: 0;
    inset-block-end: calc(100% + 8px);
    width: max-content;
    max-width: 14rem;
    padding: 4px 8px;
    border-radius: 6px;
    background: rgb(0 0 0 / 0.85);
    color: #fff;
    font-size: 0.8rem;
    white-space: normal;
  }
  .quality:hover .quality-text,
  .quality:focus-visible .quality-text {
    display: block;
  }
`;
