// Removal's part of the meeting view: after a removal, hosts and co-hosts see
// the meeting's new password in a <new-passphrase> notice, to give to people
// still to come. The element is fetched with import() the first time there
// is one to show. (The participants panel's Remove calls
// `meeting.feature(removal).remove(id)`; the removed member's page says why
// it is back at the form through the meeting's 'left' reason.)
import { html, nothing } from 'lit';
import type { Meeting } from '../../core/index.js';
import { removal } from '../../core/features/removal.js';
import { FeatureController, listen } from './feature.js';

export class RemovalController extends FeatureController {
  /** The epoch whose notice was closed: a later removal shows the next one. */
  private dismissed = 0;
  private loaded = false;
  #loading: Promise<unknown> | null = null;

  /** The new password to show now: for hosts and co-hosts, after a removal, until closed. */
  get passphrase(): string | null {
    const api = this.meeting?.feature(removal);
    if (!api || !this.loaded || api.epoch <= this.dismissed) return null;
    return api.passphrase;
  }

  /** Removes a member (hosts and co-hosts). */
  remove(id: string): Promise<void> {
    return this.meeting?.feature(removal).remove(id) ?? Promise.resolve();
  }

  dismiss(): void {
    this.dismissed = this.meeting?.feature(removal).epoch ?? 0;
    this.host.requestUpdate();
  }

  override detach(): void {
    this.dismissed = 0;
    super.detach();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    const again = () => {
      if (meeting.feature(removal).passphrase !== null && !this.loaded) {
        this.#loading ??= import('../new-passphrase/new-passphrase.js').then(() => {
          this.loaded = true;
          this.host.requestUpdate();
        });
      }
      this.host.requestUpdate();
    };
    // A co-host appointed after a removal sees the password too.
    return [listen(meeting, 'epoch', again), listen(meeting, 'roles', again)];
  }
}

/** The notice while there is a new password to give out. */
export function newPassphraseNotice(c: RemovalController) {
  const passphrase = c.passphrase;
  if (passphrase === null) return nothing;
  return html`<new-passphrase part="new-passphrase" exportparts=${NOTICE_PARTS} .passphrase=${passphrase}
    @new-passphrase-dismiss=${() => c.dismiss()}></new-passphrase>`;
}

const NOTICE_PARTS = 'base:new-passphrase-base, message:new-passphrase-message, passphrase:new-passphrase-text, ' +
  'show:new-passphrase-show, copy:new-passphrase-copy, status:new-passphrase-status, close:new-passphrase-close';
