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
  }

  :host([hidden]) {
    display: none;
  }

  [part='base'] {
    display: grid;
    gap: var(--_gap);
    padding: var(--_gap);
  }

  [part='status'] {
    margin: 0;
    color: var(--_muted);
    text-align: center;
  }

  [part='grid'] {
    display: grid;
    gap: var(--_gap);
    /* min() keeps one tile from overflowing a container narrower than --sm-tile-min. */
    grid-template-columns: repeat(auto-fit, minmax(min(var(--_tile-min), 100%), 1fr));
    align-content: start;
  }

  [part~='toolbar'] {
    display: flex;
    flex-wrap: wrap;
    justify-content: center;
    gap: var(--_gap);
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

  /* A hand that is down is the usual state, not a warning like a muted microphone. */
  button[part~='hand'][aria-pressed='false'] {
    border-color: var(--_border);
  }

  button.leave {
    background: var(--_danger);
    border-color: var(--_danger);
    color: #0b0d12;
    font-weight: 600;
  }

  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
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
  [part='settings'] {
    display: grid;
    gap: var(--_gap);
    justify-items: start;
    padding: var(--_gap);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
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
