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
    display: flex;
    flex-wrap: wrap;
    gap: 8px var(--_gap);
    align-items: center;
    padding: 8px var(--_gap);
    background: var(--_surface);
    border: 1px solid var(--_accent);
    border-radius: calc(var(--_radius) / 2);
  }

  [part='message'] {
    flex: 1 1 100%;
    margin: 0;
  }

  [part='passphrase'] {
    font: 600 1.1em ui-monospace, SFMono-Regular, Menlo, monospace;
    letter-spacing: 0.04em;
    overflow-wrap: anywhere;
    user-select: all;
  }

  [part='status'] {
    color: var(--_muted);
  }
`;
