import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { FileTransfer } from '../../core/features/file-events.js';
import type { FileFailure } from '../../core/features/file-send.js';
import { theme } from '../theme.styles.js';
import { panelButtons } from '../panel-button.styles.js';
import { styles } from './file-transfer.styles.js';

/** Cancel was pressed: the host calls `meeting.feature(files).cancel(id)`. */
export class FileTransferCancelEvent extends Event {
  constructor(readonly id: string) {
    super('file-transfer-cancel', { bubbles: true, composed: true });
  }
}

const FAILURE: Record<FileFailure, string> = {
  hash: 'the file arrived damaged (its hash did not match)',
  size: 'more bytes came than announced',
  closed: 'the connection closed',
  timeout: 'no answer',
  read: 'the file could not be read',
  nobody: 'no one to send it to',
};

/** 1 536 → "1.5 KB" (powers of 1024, as file managers show them). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) [value, unit] = [value / 1024, unit + 1];
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** What a person reads about where the transfer is. */
export function statusText(t: FileTransfer): string {
  const who = t.from?.name ?? '';
  const count = t.recipients.length;
  switch (t.state) {
    case 'hashing': return 'Preparing…';
    case 'waiting': return t.direction === 'send' ? 'Waiting for the others…' : `From ${who}, starting…`;
    case 'sending': return `Sending to ${count} ${count === 1 ? 'member' : 'members'}…`;
    case 'receiving': return `Receiving from ${who}…`;
    case 'verifying': return 'Checking…';
    case 'done': {
      if (t.direction === 'receive') return `From ${who}: ready to save`;
      const got = t.recipients.filter((r) => r.state === 'done').length;
      return `Sent to ${got} of ${count}`;
    }
    case 'cancelled': return t.cancelledBy === 'them' ? `Cancelled by ${t.direction === 'receive' ? who : 'the other side'}` : 'Cancelled';
    case 'failed': return `Failed: ${FAILURE[t.failure ?? 'closed']}`;
  }
}

const ENDED = ['done', 'cancelled', 'failed'];

/**
 * One file being sent or received. Give it the snapshot each of the meeting's
 * file events carries (`e.transfer`); it shows name, size, progress and the
 * state, a Cancel button while the transfer runs, and a Save button for a
 * received file whose hash checked out (the file is downloaded under its
 * announced name, never opened).
 *
 * @summary One file transfer: name, size, a progress bar, Cancel, and Save for a received file.
 *
 * @event {FileTransferCancelEvent} file-transfer-cancel - Cancel was pressed; `e.id` is the transfer's id.
 *
 * @csspart base - The whole transfer.
 * @csspart name - The file's name.
 * @csspart size - Its size.
 * @csspart progress - The progress bar (a <progress>, labelled by the name).
 * @csspart status - Where it is: sending, receiving, checking, ready to save, cancelled, failed.
 * @csspart cancel - The Cancel button, while the transfer runs.
 * @csspart save - The Save button, for a received file once checked.
 *
 * @cssproperty [--sm-surface=#1c1f26] - Background.
 * @cssproperty [--sm-border=#5b6270] - Border and buttons' border.
 * @cssproperty [--sm-muted=#aab0bd] - Size and status text.
 * @cssproperty [--sm-accent=#4f7cff] - The progress bar and the Save button.
 * @cssproperty [--sm-danger=#ff8a8a] - A failed transfer's status.
 */
@customElement('file-transfer')
export class FileTransferElement extends LitElement {
  static override styles = [theme, panelButtons, styles];

  /** The transfer as the latest file event showed it. */
  @property({ attribute: false }) transfer: FileTransfer | null = null;

  protected override render() {
    const t = this.transfer;
    if (!t) return nothing;
    const running = !ENDED.includes(t.state);
    return html`
      <div part="base" data-state=${t.state} data-direction=${t.direction}>
        <span part="name" id="name">${t.name}</span>
        <span part="size">${formatSize(t.size)}</span>
        <progress part="progress" aria-labelledby="name" max=${Math.max(1, t.total)} value=${t.state === 'done' ? Math.max(1, t.total) : t.bytes}></progress>
        <span part="status" role="status">${statusText(t)}</span>
        ${running ? html`<button part="cancel" type="button" aria-describedby="name" @click=${this.cancel}>Cancel</button>` : nothing}
        ${t.direction === 'receive' && t.state === 'done' && t.blob
          ? html`<button part="save" type="button" aria-describedby="name" @click=${this.save}>Save</button>` : nothing}
      </div>
    `;
  }

  private cancel(): void {
    if (!this.transfer) return;
    // Built apart: the manifest analyser would list `new …` inside dispatchEvent as a nameless event.
    const cancel = new FileTransferCancelEvent(this.transfer.id);
    this.dispatchEvent(cancel);
  }

  /** A download of the received Blob: an object URL held only as long as the click needs. */
  private save(): void {
    const t = this.transfer;
    if (!t?.blob) return;
    const url = URL.createObjectURL(t.blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = t.name;
    a.rel = 'noopener';
    a.click();
    // The download has taken the URL by the next task; a URL left alive would keep the Blob.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'file-transfer': FileTransferElement;
  }
  interface GlobalEventHandlersEventMap {
    'file-transfer-cancel': FileTransferCancelEvent;
  }
}
