import { css } from 'lit';

/** The invite panel, inside <secure-meeting>'s shadow root; its frame is the one all the panels share there. */
export const inviteStyles = css`
  [part='invite-help'],
  [part='invite-status'],
  [part='invite-problem'] {
    margin: 0;
  }

  [part='invite-status']:empty,
  [part='invite-problem']:empty {
    display: none;
  }

  [part='invite-problem'] {
    color: var(--_danger);
  }

  [part='invite-text'] {
    justify-self: stretch;
    font: inherit;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    padding: 8px;
  }

  [part='invite-calendar'] {
    display: grid;
    grid-template-columns: auto 1fr;
    align-items: center;
    gap: 8px var(--_gap);
    margin: 0;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
  }

  [part~='invite-input'] {
    min-height: 44px;
    font: inherit;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    padding: 0 8px;
  }

  [part~='invite-download'],
  [part~='invite-problem'] {
    grid-column: 1 / -1;
    justify-self: start;
  }

  /* The download is a link (an <a download>) dressed as the toolbar's buttons. */
  a[part~='invite-download'] {
    display: inline-flex;
    align-items: center;
    min-height: 44px;
    padding: 8px 16px;
    border-radius: calc(var(--_radius) / 2);
    border: 1px solid var(--_accent);
    color: var(--_fg);
    background: var(--_surface);
    text-decoration: none;
  }

  a[part~='invite-download']:focus-visible,
  [part~='invite-input']:focus-visible,
  [part='invite-text']:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
`;
