import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { FileTransfer } from '../../core/features/file-events.js';
import type { FileFailure } from '../../core/features/file-send.js';
import { Localizer, type Messages } from '../i18n/i18n.js';
import { theme } from '../theme.styles.js';
import { panelButtons } from '../panel-button.styles.js';
import { styles } from './file-transfer.styles.js';

/** Cancel was pressed: the host calls `meeting.feature(files).cancel(id)`. */
export class FileTransferCancelEvent extends Event {
  constructor(readonly id: string) {
    super('file-transfer-cancel', { bubbles: true, composed: true });
  }
}

/** A failed transfer, in words: one whole sentence per failure. */
function failedText(failure: FileFailure, t: Messages): string {
  switch (failure) {
    case 'hash': return t.fileFailedHash;
    case 'size': return t.fileFailedSize;
    case 'closed': return t.fileFailedClosed;
    case 'timeout': return t.fileFailedTimeout;
    case 'read': return t.fileFailedRead;
    case 'nobody': return t.fileFailedNobody;
  }
}

/** What a person reads about where the transfer is, in the language of `t`. */
export function statusText(transfer: FileTransfer, t: Messages): string {
  const who = transfer.from?.name ?? '';
  const count = transfer.recipients.length;
  switch (transfer.state) {
    case 'hashing': return t.filePreparing;
    case 'waiting': return transfer.direction === 'send' ? t.fileWaiting : t.fileStarting(who);
    case 'sending': return t.fileSending(count);
    case 'receiving': return t.fileReceiving(who);
    case 'verifying': return t.fileChecking;
    case 'done': {
      if (transfer.direction === 'receive') return t.fileReady(who);
      const got = transfer.recipients.filter((r) => r.state === 'done').length;
      return t.fileSentTo(got, count);
    }
    case 'cancelled':
      if (transfer.cancelledBy !== 'them') return t.fileCancelled;
      return transfer.direction === 'receive' ? t.fileCancelledBy(who) : t.fileCancelledByOther;
    case 'failed': return failedText(transfer.failure ?? 'closed', t);
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

  private readonly i18n = new Localizer(this);

  protected override render() {
    const f = this.transfer;
    if (!f) return nothing;
    const t = this.i18n.t;
    const running = !ENDED.includes(f.state);
    return html`
      <div part="base" data-state=${f.state} data-direction=${f.direction}>
        <span part="name" id="name">${f.name}</span>
        <span part="size">${this.i18n.size(f.size)}</span>
        <progress part="progress" aria-labelledby="name" max=${Math.max(1, f.total)} value=${f.state === 'done' ? Math.max(1, f.total) : f.bytes}></progress>
        <span part="status" role="status">${statusText(f, t)}</span>
        ${running ? html`<button part="cancel" type="button" aria-describedby="name" @click=${this.cancel}>${t.fileCancel}</button>` : nothing}
        ${f.direction === 'receive' && f.state === 'done' && f.blob
          ? html`<button part="save" type="button" aria-describedby="name" @click=${this.save}>${t.fileSave}</button>` : nothing}
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
