import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { Localizer } from '../i18n/i18n.js';
import { theme } from '../theme.styles.js';
import { panelButtons } from '../panel-button.styles.js';
import { styles } from './new-passphrase.styles.js';

/** Close was pressed: the notice can go (the passphrase stays in the meeting's removal API). */
export class NewPassphraseDismissEvent extends Event {
  constructor() {
    super('new-passphrase-dismiss', { bubbles: true, composed: true });
  }
}

/** What stands for the passphrase until Show is pressed: the same shape, no letters. */
const masked = (p: string) => p.replace(/[a-z]/g, '•');

/**
 * The room's new password after a removal, for a host or co-host to give to
 * people still to come: hidden until Show is pressed (a shared screen does
 * not show it), a Copy button, and Close. The passphrase is a property only:
 * never an attribute, never reflected, never stored or logged.
 *
 * @summary After a removal: the meeting's new password, with Show, Copy and Close.
 *
 * @event {NewPassphraseDismissEvent} new-passphrase-dismiss - Close was pressed.
 *
 * @csspart base - The notice.
 * @csspart message - Why the password changed and what to do with it.
 * @csspart passphrase - The new password (dots until shown).
 * @csspart show - The Show toggle (aria-pressed).
 * @csspart copy - Copies the new password to the clipboard.
 * @csspart status - "Copied", or how to copy by hand (a polite live region).
 * @csspart close - Close.
 *
 * @cssproperty [--sm-surface=#1c1f26] - Background.
 * @cssproperty [--sm-accent=#4f7cff] - Border and focus ring.
 * @cssproperty [--sm-muted=#aab0bd] - The status text.
 */
@customElement('new-passphrase')
export class NewPassphrase extends LitElement {
  static override styles = [theme, panelButtons, styles];

  /** The new password; nothing is shown without one. */
  @property({ attribute: false }) passphrase: string | null = null;

  @state() private shown = false;
  /** What Copy did: copied, or left the password selected to copy by hand ('' before). */
  @state() private status: '' | 'copied' | 'by-hand' = '';
  private readonly i18n = new Localizer(this);

  protected override willUpdate(changed: Map<string, unknown>): void {
    // A newer removal: hidden again, and nothing said about the old one.
    if (changed.has('passphrase') && changed.get('passphrase') !== undefined) {
      this.shown = false;
      this.status = '';
    }
  }

  protected override render() {
    const p = this.passphrase;
    if (!p) return nothing;
    const t = this.i18n.t;
    const status = this.status === 'copied' ? t.passphraseCopied : this.status === 'by-hand' ? t.passphraseCopyByHand : '';
    return html`
      <section part="base" role="region" aria-labelledby="message">
        <p part="message" id="message">${t.passphraseMessage}</p>
        <code part="passphrase" id="passphrase" aria-label=${this.shown ? t.passphraseShown : t.passphraseHidden}>${this.shown ? p : masked(p)}</code>
        <button part="show" type="button" aria-pressed=${this.shown ? 'true' : 'false'} aria-controls="passphrase"
          @click=${() => (this.shown = !this.shown)}>${t.passphraseShow}</button>
        <button part="copy" type="button" @click=${() => void this.copy()}>${t.passphraseCopy}</button>
        <span part="status" role="status">${status}</span>
        <button part="close" type="button" @click=${this.dismiss}>${t.passphraseClose}</button>
      </section>
    `;
  }

  /** Copies the password; when the browser refuses, shows it selected to copy by hand. */
  private async copy(): Promise<void> {
    const p = this.passphrase;
    if (!p) return;
    try {
      await navigator.clipboard.writeText(p);
      this.status = 'copied';
    } catch {
      this.shown = true;
      this.status = 'by-hand';
      await this.updateComplete;
      const code = this.renderRoot.querySelector('[part~=passphrase]');
      if (code) getSelection()?.selectAllChildren(code);
    }
  }

  private dismiss(): void {
    // Built apart: the manifest analyser would list `new …` inside dispatchEvent as a nameless event.
    const dismiss = new NewPassphraseDismissEvent();
    this.dispatchEvent(dismiss);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'new-passphrase': NewPassphrase;
  }
  interface GlobalEventHandlersEventMap {
    'new-passphrase-dismiss': NewPassphraseDismissEvent;
  }
}
