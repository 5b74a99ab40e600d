// Chat: the toolbar's "Chat" button with the count of messages that came
// while the panel was shut, and the panel. The panel's element is a module
// of its own, fetched with import() the first time it opens.
import { html, nothing } from 'lit';
import type { Meeting } from '../../core/index.js';
import { chat, type ChatMessage } from '../../core/features/chat.js';
import type { ChatSendEvent } from '../chat-panel/chat-panel.js';
import { FeatureController, listen } from './feature.js';
import { failureReason } from '../secure-meeting/status.js';

type PanelModule = typeof import('../chat-panel/chat-panel.js');

export class ChatController extends FeatureController {
  open = false;
  /** Messages from others since the panel was last open. */
  unread = 0;
  /** Why the last message could not be sent; put in words when shown. */
  failure: { readonly error: unknown } | null = null;
  panel: PanelModule | null = null;
  #loading: Promise<PanelModule> | null = null;

  get messages(): readonly ChatMessage[] {
    return this.meeting?.feature(chat).messages ?? [];
  }

  get selfId(): string {
    return this.meeting?.id ?? '';
  }

  async toggle(): Promise<void> {
    if (this.open) return this.close();
    this.#loading ??= import('../chat-panel/chat-panel.js');
    this.panel = await this.#loading;
    if (!this.meeting) return;
    this.open = true;
    this.unread = 0;
    this.host.requestUpdate();
  }

  close(): void {
    this.open = false;
    this.failure = null;
    this.host.requestUpdate();
  }

  send(e: ChatSendEvent): void {
    try {
      this.meeting?.feature(chat).send(e.text);
      this.failure = null;
    } catch (error) {
      e.preventDefault();
      this.failure = { error };
    }
    this.host.requestUpdate();
  }

  async forget(): Promise<void> {
    await this.meeting?.feature(chat).forget();
  }

  override attach(meeting: Meeting): void {
    super.attach(meeting);
    this.unread = 0;
  }

  override detach(): void {
    this.open = false;
    super.detach();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    return [listen(meeting, 'chat', (e) => {
      if (e.change === 'forgotten') this.unread = 0;
      else if (!this.open && (e.change === 'received' || e.change === 'history')) this.unread += e.added.filter((m) => m.from !== meeting.id).length;
      this.host.requestUpdate();
    })];
  }
}

/** The toolbar's "Chat" toggle; its name includes the unread count ("Chat 3 unread"). */
export function chatButton(c: ChatController) {
  const t = c.i18n.t;
  return html`<button part="button chat" type="button" aria-expanded=${c.open ? 'true' : 'false'} aria-controls="chat"
    @click=${() => void c.toggle()}>${t.chatButton}${c.unread > 0
      ? html` <span part="chat-unread" class="badge">${c.i18n.number(c.unread)}<span class="visually-hidden"> ${t.chatUnread(c.unread)}</span></span>`
      : nothing}</button>`;
}

/**
 * The panel while open; closing it (Escape, Close) gives focus back to the
 * toolbar button. `extra` goes beside Send (its `slot="composer-extra"`).
 */
export function chatPanel(c: ChatController, extra: unknown = nothing) {
  if (!c.open || !c.panel) return nothing;
  const t = c.i18n.t;
  const closed = (e: Event) => {
    c.close();
    const root = (e.target as Element).getRootNode() as ParentNode;
    root.querySelector<HTMLElement>('[part~=chat]')?.focus();
  };
  return html`<chat-panel id="chat" part="chat-panel" exportparts=${PANEL_PARTS} .messages=${c.messages} .selfId=${c.selfId}
    .problem=${c.failure ? t.chatNotSent(failureReason(c.failure.error, t)) : ''} @chat-send=${(e: ChatSendEvent) => c.send(e)} @chat-close=${closed} @chat-forget=${() => void c.forget()}>${extra}</chat-panel>`;
}

const PANEL_PARTS = 'base:chat-base, log:chat-log, message:chat-message, sender:chat-sender, time:chat-time, text:chat-text, ' +
  'input:chat-input, send:chat-send, forget:chat-forget, close:chat-close';
