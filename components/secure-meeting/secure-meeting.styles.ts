import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    color: var(--_fg);
    background: var(--_bg);
    border-radius: var(--_radius);
    font: inherit;
    /* Given a height shorter than the join form (device choices included), scroll inside rather than spill over what follows. */
    overflow: auto;
    --_stage-min: var(--sm-stage-min-height, 240px);
    --_strip: var(--sm-strip-height, 120px);
  }

  :host([hidden]) {
    display: none;
  }

  /* A column the element's height: the stage takes what the status line, toolbar and panels leave. */
  [part='base'] {
    display: flex;
    flex-direction: column;
    gap: var(--_gap);
    padding: var(--_gap);
    box-sizing: border-box;
    height: 100%;
  }

  [part='stage'] {
    flex: 1 1 0;
    min-height: var(--_stage-min);
    display: flex;
    flex-direction: column;
    gap: var(--_gap);
  }

  [part='status'] {
    margin: 0;
    color: var(--_muted);
    text-align: center;
  }

  /*
   * The tiles' size comes from the grid's (grid.ts measures it), never the
   * other way round: contain: size keeps its tiles out of its own size.
   * Until measured, as many columns of at least --sm-tile-min as fit.
   */
  [part='grid'] {
    display: grid;
    gap: var(--_gap);
    flex: 1 1 0;
    min-height: 0;
    contain: size;
    /* The measured layout always fits (tiles shrink instead); nothing to scroll to, even before it is measured. */
    overflow: hidden;
    /* min() keeps one tile from overflowing a container narrower than --sm-tile-min. */
    grid-template-columns: repeat(var(--_columns, auto-fit), var(--_tile-width, minmax(min(var(--_tile-min), 100%), 1fr)));
    /* safe: tiles that overflow stay reachable by scrolling, none cut off at the start. */
    justify-content: safe center;
    align-content: safe center;
  }

  [part='grid'] peer-tile {
    aspect-ratio: var(--_tile-aspect, 16 / 9);
  }

  /* Beside a shared screen: one row of small 16:9 tiles, scrolled sideways when they do not fit. */
  [part='grid'].strip {
    flex: 0 0 var(--_strip);
    contain: none;
    grid-template-columns: none;
    grid-auto-flow: column;
    grid-auto-columns: calc(var(--_strip) * 16 / 9);
    grid-template-rows: var(--_strip);
    overflow-x: auto;
    overflow-y: hidden;
  }

  [part='grid'].strip peer-tile {
    aspect-ratio: 16 / 9;
    height: var(--_strip);
  }

  [part='spotlight'] {
    flex: 1 1 0;
    min-height: 0;
    display: grid;
    grid-auto-flow: column;
    grid-auto-columns: minmax(0, 1fr);
    gap: var(--_gap);
  }

  /* Its corners painted over the playing screen, not clipped (corners.styles.ts), in what the stage shows. */
  [part='screen-frame'] {
    position: relative;
    margin: 0;
    min-height: 0;
    border-radius: var(--_radius);
    background: #000;
    --_corner: var(--sm-tile-corner, var(--_bg));
  }

  /* The whole screen, never cropped, never mirrored. */
  [part='screen'] {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: contain;
  }

  [part='presenter'] {
    position: absolute;
    inset-block-start: 0;
    inset-inline-start: 0;
    padding: 6px 10px;
    border-end-end-radius: calc(var(--_radius) / 2);
    border-start-start-radius: var(--_radius);
    background: rgb(0 0 0 / 0.7);
    color: #fff;
  }

  /* At most two rows (toolbar.ts); what does not fit is in "More", anchored to the toolbar's end. */
  [part~='toolbar'] {
    flex: none;
    position: relative;
    display: flex;
    flex-wrap: wrap;
    justify-content: center;
    gap: var(--_gap);
  }

  .tool {
    flex: none;
    display: flex;
    align-items: center;
    gap: var(--_gap);
  }

  [part='more-menu'] {
    position: absolute;
    inset-block-end: calc(100% + 8px);
    inset-inline-end: 0;
    z-index: 2;
    max-width: 100%;
    box-sizing: border-box;
    display: flex;
    flex-direction: column;
    gap: 8px;
    padding: var(--_gap);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    box-shadow: 0 4px 16px rgb(0 0 0 / 0.4);
  }

  [part='more-menu'][hidden] {
    display: none;
  }

  [part='more-menu'] .tool {
    flex-wrap: wrap;
  }

  [part='more-menu'] button {
    justify-content: flex-start;
  }

  .join-status {
    align-self: center;
    color: var(--_muted);
    font-variant-numeric: tabular-nums;
  }

  button {
    font: inherit;
    cursor: pointer;
    min-height: 44px;
    padding: 8px 16px;
    border-radius: calc(var(--_radius) / 2);
    border: 1px solid var(--_border);
    color: var(--_fg);
    background: var(--_surface);
    display: inline-flex;
    align-items: center;
    gap: 8px;
  }

  button[aria-pressed='true'] {
    border-color: var(--_accent);
  }

  /* Off is the state to notice: a struck-through icon and a warning border. */
  button[aria-pressed='false'] {
    border-color: var(--_danger);
  }

  button[aria-pressed='false'] .on,
  button[aria-pressed='true'] .off {
    display: none;
  }

  /* A hand that is down, a screen not shared: the usual state, not a warning like a muted microphone. */
  button[part~='share-screen'][aria-pressed='false'],
  button[part~='hand'][aria-pressed='false'] {
    border-color: var(--_border);
  }

  button.leave {
    background: var(--_danger);
    border-color: var(--_danger);
    color: #0b0d12;
    font-weight: 600;
  }

  button:disabled,
  button[aria-disabled='true'] {
    cursor: not-allowed;
    opacity: 0.6;
  }

  /* A control a host has not allowed says why, on hover and on focus (permission-hint.ts). */
  .hinted {
    position: relative;
    display: inline-flex;
  }

  .hint {
    display: none;
    position: absolute;
    inset-block-end: calc(100% + 6px);
    inset-inline-start: 0;
    z-index: 3;
    width: max-content;
    max-width: 28ch;
    padding: 6px 10px;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    background: var(--_bg);
    color: var(--_fg);
  }

  .hinted:hover .hint:not([hidden]),
  .hinted:focus-within .hint:not([hidden]) {
    display: block;
  }

  .host-request {
    flex: none;
    margin: 0;
    text-align: center;
    color: var(--_fg);
  }

  button:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }

  svg {
    width: 1.25em;
    height: 1.25em;
    fill: currentColor;
  }

  @media (forced-colors: active) {
    button[aria-pressed='true'] {
      border-width: 3px;
    }
  }

  [part='safety'],
  [part~='participants-panel'],
  [part~='knock-list'],
  [part='waiting'],
  [part='settings'],
  [part='invite-panel'] {
    display: grid;
    gap: var(--_gap);
    justify-items: start;
    padding: var(--_gap);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
  }

  /* The waiting room's screen takes the stage's place. */
  [part='waiting'] {
    min-height: var(--sm-stage-min-height, 240px);
    align-content: center;
    justify-items: center;
    text-align: center;
  }

  [part='waiting'][data-state='denied'] [part='waiting-message'] {
    color: var(--_danger);
  }

  [part='waiting-message'] {
    margin: 0;
    font-size: 1.2em;
  }

  [part='waiting-help'] {
    margin: 0;
    color: var(--_muted);
  }

  [part~='knock-list'] {
    justify-items: stretch;
    border-color: var(--_accent);
  }

  [part='safety'] dl {
    margin: 0;
    display: grid;
    gap: 4px;
  }

  [part='safety-pair'] {
    display: flex;
    flex-wrap: wrap;
    gap: 0 var(--_gap);
  }

  [part='safety-pair'][data-focus] {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }

  [part='safety-pair'] dt {
    min-width: 12ch;
  }

  [part='safety-pair'] dd,
  [part='safety-help'] {
    margin: 0;
  }

  [part='settings-problem']:empty {
    display: none;
  }

  [part='safety-code'] {
    font-family: ui-monospace, monospace;
    font-variant-numeric: tabular-nums;
    letter-spacing: 0.05em;
  }

  /* The chat panel: a side panel over the grid's end edge that the grid makes room for on a wide screen, the whole width on a narrow one. */
  :host {
    position: relative;
  }

  [part~='chat-panel'] {
    position: absolute;
    inset-block: 0;
    inset-inline-end: 0;
    z-index: 1;
    width: min(380px, 100%);
    border-inline-start: 1px solid var(--_border);
  }

  @media (min-width: 900px) {
    [part~='chat-panel'] {
      width: min(380px, 40%);
    }

    [part='base']:has(> [part~='chat-panel']) {
      padding-inline-end: calc(min(380px, 40%) + var(--_gap));
    }
  }

  .badge {
    min-width: 1.5em;
    padding: 0 6px;
    border-radius: 999px;
    background: var(--_accent);
    color: var(--_accent-fg);
    font-weight: 600;
    font-variant-numeric: tabular-nums;
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
