import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    color: var(--_fg);
  }

  :host([hidden]) {
    display: none;
  }

  [part='base'] {
    display: grid;
    grid-template-columns: 1fr auto;
    gap: 4px var(--_gap);
    align-items: center;
    padding: 8px var(--_gap);
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
  }

  [part='name'] {
    font-weight: 600;
    overflow-wrap: anywhere;
  }

  [part='size'],
  [part='status'] {
    color: var(--_muted);
  }

  [data-state='failed'] [part='status'] {
    color: var(--_danger);
  }

  [part='progress'] {
    grid-column: 1 / -1;
    width: 100%;
    accent-color: var(--_accent);
  }

  [part='save'] {
    color: var(--_accent-fg);
    background: var(--_accent);
    border-color: var(--_accent);
  }
`;
