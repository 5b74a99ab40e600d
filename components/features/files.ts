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

export class FilesController extends FeatureController {
  /** Why the last file could not be sent. */
  problem = '';

  get transfers(): readonly FileTransfer[] {
    return this.meeting?.feature(files).transfers ?? [];
  }

  send(list: FileList | null): void {
    const api = this.meeting?.feature(files);
    if (!api || !list) return;
    try {
      for (const file of list) api.send(file);
      this.problem = '';
    } catch (error) {
      this.problem = `Not sent: ${error instanceof Error ? error.message.replace(/^secure-meeting: /, '') : String(error)}.`;
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
  const picked = (e: Event) => {
    const input = e.target as HTMLInputElement;
    c.send(input.files);
    input.value = ''; // the same file can be picked again
  };
  const pick = (e: Event) => ((e.target as Element).parentElement?.querySelector('input[type=file]') as HTMLInputElement | null)?.click();
  return html`<div slot="composer-extra" part="files">
    <input type="file" multiple hidden @change=${picked} />
    <button part="button send-file" type="button" @click=${pick}>Send file</button>
    ${c.problem ? html`<p part="files-problem" role="alert">${c.problem}</p>` : nothing}
    ${repeat(c.transfers, (t) => t.id, (t) => html`<file-transfer part="file" exportparts=${FILE_PARTS} .transfer=${t}
      @file-transfer-cancel=${(e: FileTransferCancelEvent) => c.cancel(e.id)}></file-transfer>`)}
  </div>`;
}

const FILE_PARTS = 'base:file-base, name:file-name, size:file-size, progress:file-progress, status:file-status, cancel:file-cancel, save:file-save';
