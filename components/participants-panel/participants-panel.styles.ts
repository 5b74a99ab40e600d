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

  [part='role'] {
    padding: 0 6px;
    border: 1px solid var(--_accent);
    border-radius: calc(var(--_radius) / 2);
    font-size: 0.9em;
  }

  /* A second line under the member's state: their host controls. */
  [part='host-controls'],
  [part='meeting-controls'] {
    flex-basis: 100%;
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    align-items: center;
  }

  fieldset {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 12px;
    align-items: center;
    margin: 0;
    padding: 4px 8px;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
  }

  legend {
    padding: 0 4px;
    color: var(--_muted);
  }

  [part='permission'] {
    display: inline-flex;
    gap: 4px;
    align-items: center;
    min-height: 32px;
  }

  input[type='checkbox'] {
    width: 1.2em;
    height: 1.2em;
    accent-color: var(--_accent);
  }

  input:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }

  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }

  [part='notice'] {
    margin: 0;
    color: var(--_muted);
  }
`;
