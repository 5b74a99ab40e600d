import { LitElement, html, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { MAX_MESSAGE_LENGTH, type ChatMessage } from '../../core/features/chat-log.js';
import { panelButtons } from '../panel-button.styles.js';
// Files in chat are shown in this panel: their element arrives with it.
import '../file-transfer/file-transfer.js';
import { Localizer } from '../i18n/i18n.js';
import { theme } from '../theme.styles.js';
import { styles } from './chat-panel.styles.js';

/** Send (or Enter) with text in the box. `preventDefault()` keeps the text there (sending failed). */
export class ChatSendEvent extends Event {
  constructor(readonly text: string) {
    super('chat-send', { bubbles: true, composed: true, cancelable: true });
  }
}

/** Escape or Close was pressed: the host hides the panel and takes focus back. */
export class ChatCloseEvent extends Event {
  constructor() {
    super('chat-close', { bubbles: true, composed: true });
  }
}

/** "Forget this meeting's history" was pressed. */
export class ChatForgetEvent extends Event {
  constructor() {
    super('chat-forget', { bubbles: true, composed: true });
  }
}

/**
 * Loaded by `<secure-meeting>` the first time its Chat button is pressed.
 * Messages are rendered as text, never as markup. Enter sends, Shift+Enter
 * starts a new line; Escape closes.
 *
 * @summary The meeting's chat: messages (sender, time, text), a box to write in, Send, and Forget.
 *
 * @slot composer-extra - Beside Send: more ways to post (the place for a "Send file" control).
 *
 * @event {ChatSendEvent} chat-send - Send or Enter with text (`event.text`); cancel it to keep the text in the box.
 * @event {ChatCloseEvent} chat-close - Escape or Close was pressed.
 * @event {ChatForgetEvent} chat-forget - "Forget this meeting's history" was pressed.
 *
 * @csspart base - The panel.
 * @csspart header - The title and Close.
 * @csspart close - The Close button.
 * @csspart log - The scrolling list of messages (a live log).
 * @csspart message - One message.
 * @csspart sender - A message's sender ("(You)" on ours).
 * @csspart time - When it was sent.
 * @csspart text - What it says.
 * @csspart empty - "No messages yet."
 * @csspart composer - The box, the extra controls and Send.
 * @csspart input - The box to write in.
 * @csspart send - The Send button.
 * @csspart problem - Why the last message could not be sent.
 * @csspart forget - "Forget this meeting's history".
 *
 * @cssproperty [--sm-surface=#1c1f26] - Panel background.
 * @cssproperty [--sm-border=#5b6270] - Borders.
 * @cssproperty [--sm-muted=#aab0bd] - Times and hints.
 * @cssproperty [--sm-accent=#4f7cff] - Send, focus ring, our own messages' edge.
 */
@customElement('chat-panel')
export class ChatPanel extends LitElement {
  static override styles = [theme, panelButtons, styles];
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  /** The messages, oldest first. */
  @property({ attribute: false }) messages: readonly ChatMessage[] = [];
  /** Our member id, to mark our own messages. */
  @property({ attribute: false }) selfId = '';
  /** Why the last message could not be sent ('' when it could). */
  @property() problem = '';

  @query('textarea') private input!: HTMLTextAreaElement;
  private readonly i18n = new Localizer(this);
  @query('[part~=log]') private log!: HTMLElement;

  protected override render() {
    const t = this.i18n.t;
    return html`
      <section part="base" role="region" aria-labelledby="title" @keydown=${this.onKeydown}>
        <div part="header">
          <h2 id="title">${t.chatTitle}</h2>
          <button part="close" type="button" @click=${this.close}>${t.chatClose}</button>
        </div>
        <div part="log" role="log" aria-label=${t.chatLog} tabindex="0">
          ${this.messages.length === 0 ? html`<p part="empty">${t.chatEmpty}</p>` : html`<ol>
            ${repeat(this.messages, (m) => m.id, (m) => html`
              <li part="message" data-id=${m.id} ?data-self=${m.from === this.selfId}>
                <span part="sender">${m.from === this.selfId ? t.chatSenderYou(m.name) : m.name}</span>
                <time part="time" datetime=${new Date(m.at).toISOString()}>${this.i18n.time(m.at)}</time>
                <p part="text">${m.text}</p>
              </li>`)}
          </ol>`}
        </div>
        <form part="composer" @submit=${this.onSubmit}>
          <label for="input">${t.chatMessageLabel}</label>
          <textarea id="input" part="input" rows="2" maxlength=${MAX_MESSAGE_LENGTH} @keydown=${this.onInputKeydown}></textarea>
          <div class="actions"><slot name="composer-extra"></slot><button part="send" type="submit">${t.chatSend}</button></div>
        </form>
        <p part="problem" role="alert">${this.problem}</p>
        <button part="forget" type="button" @click=${this.forget}>${t.chatForget}</button>
      </section>
    `;
  }

  protected override firstUpdated(): void {
    // Opened by a person just now: they came to write.
    this.input.focus();
  }

  /** Whether the log was scrolled to its end before this update: then it follows new messages. */
  private atEnd = true;

  protected override willUpdate(): void {
    const log = this.log;
    this.atEnd = !log || log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Follow the newest message, unless the person scrolled up to read.
    if (changed.has('messages') && this.atEnd) this.log.scrollTop = this.log.scrollHeight;
  }

  private onSubmit(e: Event): void {
    e.preventDefault();
    const text = this.input.value.trim();
    if (text === '') return;
    // Made apart from the dispatch, so the manifest analyzer does not take the text for the event's name.
    const event = new ChatSendEvent(text);
    if (this.dispatchEvent(event)) this.input.value = '';
    this.input.focus();
  }

  private onInputKeydown(e: KeyboardEvent): void {
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    this.renderRoot.querySelector('form')!.requestSubmit();
  }

  private onKeydown(e: KeyboardEvent): void {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    this.close();
  }

  private forget(): void {
    this.dispatchEvent(new ChatForgetEvent());
  }

  private close(): void {
    this.dispatchEvent(new ChatCloseEvent());
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-panel': ChatPanel;
  }
  interface GlobalEventHandlersEventMap {
    'chat-send': ChatSendEvent;
    'chat-close': ChatCloseEvent;
    'chat-forget': ChatForgetEvent;
  }
}
