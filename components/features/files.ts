// Files in chat: a "Send file" button beside the chat's Send, and each
// transfer (ours and those sent to us) as a <file-transfer> in the chat
// panel, with its progress, Cancel and, once checked, Save. The element is
// registered by the chat panel's module, fetched when the panel first opens.
import { html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Meeting } from '../../core/index.js';
import { files } from '../../core/features/files.js';
import type { FileTransfer } from '../../core/features/file-events.js';
import type { FileTransferCancelEvent } from '../file-transfer/file-transfer.js';
import { FeatureController, listen } from './feature.js';
import { failureReason } from '../secure-meeting/status.js';

export class FilesController extends FeatureController {
  /** Why the last file could not be sent; put in words when shown. */
  failure: { readonly error: unknown } | null = null;

  get transfers(): readonly FileTransfer[] {
    return this.meeting?.feature(files).transfers ?? [];
  }

  send(list: FileList | null): void {
    const api = this.meeting?.feature(files);
    if (!api || !list) return;
    try {
      for (const file of list) api.send(file);
      this.failure = null;
    } catch (error) {
      this.failure = { error };
    }
    this.host.requestUpdate();
  }

  cancel(id: string): void {
    this.meeting?.feature(files).cancel(id);
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    const again = () => this.host.requestUpdate();
    return (['fileoffer', 'fileprogress', 'filedone', 'filecancel', 'fileerror'] as const).map((type) => listen(meeting, type, again));
  }
}

/** What goes into the chat panel's `composer-extra` slot: the Send file button and the transfers. */
export function filesInChat(c: FilesController) {
  const t = c.i18n.t;
  const picked = (e: Event) => {
    const input = e.target as HTMLInputElement;
    c.send(input.files);
    input.value = ''; // the same file can be picked again
  };
  const pick = (e: Event) => ((e.target as Element).parentElement?.querySelector('input[type=file]') as HTMLInputElement | null)?.click();
  return html`<div slot="composer-extra" part="files">
    <input type="file" multiple hidden @change=${picked} />
    <button part="button send-file" type="button" @click=${pick}>${t.fileSend}</button>
    ${c.failure ? html`<p part="files-problem" role="alert">${t.fileNotSent(failureReason(c.failure.error, t))}</p>` : nothing}
    ${repeat(c.transfers, (f) => f.id, (f) => html`<file-transfer part="file" exportparts=${FILE_PARTS} .transfer=${f}
      @file-transfer-cancel=${(e: FileTransferCancelEvent) => c.cancel(e.id)}></file-transfer>`)}
  </div>`;
}

const FILE_PARTS = 'base:file-base, name:file-name, size:file-size, progress:file-progress, status:file-status, cancel:file-cancel, save:file-save';
