import { css } from 'lit';

/** The upload warning, inside <secure-meeting>'s shadow root; nothing shows while there is no warning. */
export const qualityStyles = css`
  .uplink-warning {
    flex: none;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: center;
    gap: 8px;
  }
  .uplink-warning.shown {
    margin-block: 4px;
    padding: 6px 12px;
    border: 1px solid var(--_danger);
    border-radius: calc(var(--_radius) / 2);
  }
  [part='uplink-text'] {
    margin: 0;
    color: var(--_fg);
  }
`;
