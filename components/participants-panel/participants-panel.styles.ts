import { css } from 'lit';

export const styles = css`
  /* Readable on its own too; <secure-meeting> adds the frame its panels share. */
  :host {
    display: block;
    color: var(--_fg);
    background: var(--_surface);
  }

  :host([hidden]) {
    display: none;
  }

  /* The frame (border, surface) is <secure-meeting>'s, the same as its other panels'. */
  [part='base'] {
    display: grid;
    gap: var(--_gap);
    justify-items: start;
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
    justify-self: stretch;
  }

  [part='member'] {
    display: flex;
    flex-wrap: wrap;
    gap: 4px var(--_gap);
    align-items: baseline;
  }

  [part='name'] {
    font-weight: 600;
    min-width: 10ch;
  }

  [part='state'],
  [part='connection'] {
    color: var(--_muted);
  }

  [part='connection'][data-state='failed'] {
    color: var(--_danger);
  }
`;
