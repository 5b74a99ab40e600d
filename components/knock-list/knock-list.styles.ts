import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    color: var(--_fg);
    background: var(--_surface);
  }

  :host([hidden]) {
    display: none;
  }

  [part='base'] {
    display: grid;
    gap: var(--_gap);
  }

  h2 {
    margin: 0;
    font-size: 1.1em;
  }

  [part='list'] {
    margin: 0;
    padding: 0;
    list-style: none;
    display: grid;
    gap: 6px;
  }

  [part='knock'] {
    display: flex;
    flex-wrap: wrap;
    gap: 4px var(--_gap);
    align-items: center;
  }

  [part='name'] {
    font-weight: 600;
    min-width: 10ch;
  }

  [part='since'] {
    color: var(--_muted);
  }

  [part~='admit'] {
    color: var(--_accent-fg);
    background: var(--_accent);
    border-color: var(--_accent);
  }
`;
