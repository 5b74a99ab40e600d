import { css } from 'lit';

/** Buttons of a panel or an element inside one: like the toolbar's, on the panel's own surface. */
export const panelButtons = css`
  button {
    min-height: 44px;
    padding: 8px 16px;
    font: inherit;
    color: inherit;
    background: transparent;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    cursor: pointer;
  }

  button:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
`;
