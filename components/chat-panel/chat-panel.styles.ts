import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    color: var(--_fg);
    background: var(--_surface);
    min-height: 0;
  }

  :host([hidden]) {
    display: none;
  }

  [part='base'] {
    box-sizing: border-box;
    height: 100%;
    display: grid;
    grid-template-rows: auto 1fr auto auto auto;
    gap: var(--_gap);
    padding: var(--_gap);
    min-height: 0;
  }

  [part='header'] {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: var(--_gap);
  }

  h2 {
    margin: 0;
    font-size: 1.1em;
  }

  [part='log'] {
    overflow-y: auto;
    min-height: 6em;
    overscroll-behavior: contain;
  }

  [part='log']:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }

  ol {
    margin: 0;
    padding: 0;
    list-style: none;
    display: grid;
    gap: 8px;
  }

  [part='message'] {
    display: flex;
    flex-wrap: wrap;
    gap: 2px 8px;
    align-items: baseline;
    padding-inline-start: 8px;
    border-inline-start: 3px solid var(--_border);
  }

  [part='message'][data-self] {
    border-inline-start-color: var(--_accent);
  }

  [part='sender'] {
    font-weight: 600;
  }

  [part='time'],
  [part='empty'] {
    color: var(--_muted);
    font-size: 0.85em;
    font-variant-numeric: tabular-nums;
  }

  [part='text'] {
    flex-basis: 100%;
    margin: 0;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }

  [part='composer'] {
    display: grid;
    gap: 6px;
  }

  label {
    font-size: 0.9em;
    color: var(--_muted);
  }

  textarea {
    box-sizing: border-box;
    width: 100%;
    resize: vertical;
    font: inherit;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    padding: 8px;
  }

  .actions {
    display: flex;
    justify-content: flex-end;
    gap: 8px;
    flex-wrap: wrap;
  }

  [part='problem'] {
    margin: 0;
    color: var(--_danger);
  }

  [part='problem']:empty {
    display: none;
  }

  [part='send'] {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_accent-fg);
    font-weight: 600;
  }

  [part='forget'] {
    justify-self: start;
    font-size: 0.9em;
  }

  textarea:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
`;
