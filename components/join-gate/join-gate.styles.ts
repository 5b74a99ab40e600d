import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    color: var(--_fg);
    background: var(--_bg);
    font: inherit;
    border-radius: var(--_radius);
  }

  :host([hidden]) {
    display: none;
  }

  form {
    padding: calc(var(--_gap) * 2);
    max-width: 28rem;
    margin-inline: auto;
  }

  fieldset {
    border: 0;
    margin: 0;
    padding: 0;
    display: grid;
    gap: var(--_gap);
  }

  legend {
    font-size: 1.25em;
    font-weight: 600;
    padding: 0;
    margin-block-end: var(--_gap);
  }

  .field {
    display: grid;
    gap: 4px;
  }

  .row {
    display: flex;
    gap: 8px;
  }

  .row input {
    flex: 1;
    min-width: 0;
  }

  label {
    font-weight: 600;
  }

  input {
    font: inherit;
    color: var(--_fg);
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    padding: 8px 10px;
  }

  input[aria-invalid='true'] {
    border-color: var(--_danger);
  }

  button {
    font: inherit;
    cursor: pointer;
    border-radius: calc(var(--_radius) / 2);
    padding: 8px 14px;
    border: 1px solid var(--_border);
    color: var(--_fg);
    background: var(--_surface);
  }

  button[type='submit'] {
    font-weight: 600;
    border-color: var(--_accent);
    background: var(--_accent);
    color: var(--_accent-fg);
  }

  /* A visible ring on keyboard focus only, in the theme's accent. */
  input:focus-visible,
  button:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }

  fieldset:disabled {
    opacity: 0.7;
  }

  fieldset:disabled button {
    cursor: progress;
  }

  .hint {
    margin: 0;
    color: var(--_muted);
    font-size: 0.875em;
  }

  .field-error,
  [part='error'] {
    margin: 0;
    color: var(--_danger);
    font-size: 0.875em;
  }

  /* Live regions stay rendered (only empty) so screen readers announce what appears in them. */
  .field-error:empty {
    display: none;
  }

  [part='status'] {
    margin: 0;
    color: var(--_muted);
  }

  @media (forced-colors: active) {
    input[aria-invalid='true'] {
      border-width: 3px;
    }
  }
`;
