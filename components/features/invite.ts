// Invite: the toolbar's "Invite" opens a small panel with "Copy invite" (the
// link to this page carrying the channel, and the advice to share the
// password another way) and "Add to calendar" (an .ics download with a
// reminder). Neither ever holds the password: they are built from the
// channel and the page alone (components/invite/). What builds the text and
// the calendar file is fetched with import() the first time the panel opens.
import { html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { Messages } from '../i18n/i18n.js';
import type { Invite } from '../invite/invite.js';
import { FeatureController } from './feature.js';

/** What the invite is for: the channel last joined, and the element's namespace. */
type Builder = typeof import('../invite/invite.js');

export type InviteSource = () => { channel: number | undefined; namespace: string };

/** A Date as a `datetime-local` value, in local time: 2026-12-01T22:00. */
export function localInputValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export class InviteController extends FeatureController {
  open = false;
  /** The invite went onto the clipboard ("Copied"). */
  copied = false;
  /** The browser refused the clipboard: the text is shown, selected, to copy by hand (and the status says so). */
  manual = false;
  /** The calendar form's start (`datetime-local`, local time) and length. */
  start = '';
  minutes = 60;
  /** The .ics as an object URL for the download link; null while the form is invalid. */
  href: string | null = null;
  /** What is wrong with the calendar form, if anything: no valid start, or a length out of range. */
  problem: 'start' | 'length' | null = null;
  invite: Invite | null = null;
  /** The messages the invite was worded in: a language switch words it again. */
  #wordedIn: Messages | null = null;
  /** The invite builder, once loaded. */
  builder: Builder | null = null;
  #loading: Promise<Builder> | null = null;
  #opener: HTMLElement | null = null;
  // One UID per panel opening: downloading again after a change updates the calendar entry instead of adding one.
  #uid = '';

  constructor(host: ConstructorParameters<typeof FeatureController>[0], private readonly source: InviteSource) {
    super(host);
  }

  /** Opens the panel (focus moves to "Copy invite") or closes it (focus returns to `opener`). */
  async toggle(opener: HTMLElement | null = null): Promise<void> {
    if (this.open) return this.close();
    if (!this.meeting || this.source().channel === undefined) return;
    this.#loading ??= import('../invite/invite.js');
    this.builder = await this.#loading;
    if (!this.meeting) return;
    this.#opener = opener;
    this.open = true;
    this.copied = false;
    this.manual = false;
    this.start = localInputValue(this.builder.nextHalfHour(new Date()));
    this.minutes = 60;
    this.#uid = `${crypto.randomUUID()}@secure-meeting`;
    this.refresh();
    await this.host.updateComplete;
    (opener?.getRootNode() as ParentNode | undefined)?.querySelector<HTMLElement>('[part~=invite-copy]')?.focus();
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.revoke();
    this.host.requestUpdate();
    this.#opener?.focus();
  }

  override detach(): void {
    this.open = false;
    this.revoke();
    super.detach();
  }

  /** Copies the invite; when the browser refuses, shows it selected in a read-only field. */
  async copy(): Promise<void> {
    const text = this.invite?.text;
    if (!text) return;
    try {
      await navigator.clipboard.writeText(text);
      this.manual = false;
      this.copied = true;
    } catch {
      this.manual = true;
      this.copied = false;
    }
    this.host.requestUpdate();
    if (!this.manual) return;
    await this.host.updateComplete;
    const field = (this.#opener?.getRootNode() as ParentNode | undefined)?.querySelector<HTMLTextAreaElement>('[part~=invite-text]');
    field?.focus();
    field?.select();
  }

  /** The calendar form changed: make the file again. */
  edit(start: string, minutes: string): void {
    this.start = start;
    this.minutes = Number(minutes);
    this.refresh();
  }

  /** The invite in the element's language now: after a language switch, its text, file name and .ics are made again. */
  worded(): Invite | null {
    if (this.open && this.#wordedIn !== this.i18n.t) this.refresh();
    return this.invite;
  }

  private refresh(): void {
    this.revoke();
    const { channel, namespace } = this.source();
    const b = this.builder;
    if (channel === undefined || !b) return;
    const start = this.start ? new Date(this.start) : new Date(Number.NaN);
    const validLength = Number.isInteger(this.minutes) && this.minutes >= 1 && this.minutes <= b.MAX_MINUTES;
    this.problem = Number.isNaN(start.getTime()) ? 'start' : validLength ? null : 'length';
    const t = this.i18n.t;
    this.#wordedIn = t;
    this.invite = b.buildInvite({ channel, namespace }, {
      page: location.href, uid: this.#uid,
      start: this.problem ? new Date() : start, minutes: this.problem ? 60 : this.minutes,
    }, t);
    if (!this.problem) this.href = URL.createObjectURL(new Blob([this.invite.ics], { type: 'text/calendar' }));
    this.host.requestUpdate();
  }

  private revoke(): void {
    if (this.href) URL.revokeObjectURL(this.href);
    this.href = null;
  }
}

/** The toolbar's "Invite" toggle. */
export function inviteButton(c: InviteController) {
  const t = c.i18n.t;
  return html`<button part="button invite" type="button" aria-expanded=${c.open ? 'true' : 'false'} aria-controls="invite"
    @click=${(e: Event) => void c.toggle(e.currentTarget as HTMLElement)}>${t.inviteButton}</button>`;
}

/** The panel while open. Escape or Close shuts it and focus returns to the Invite button. */
export function invitePanel(c: InviteController) {
  const invite = c.worded();
  if (!c.open || !invite || !c.builder) return nothing;
  const t = c.i18n.t;
  const max = c.builder.MAX_MINUTES;
  const status = c.manual ? t.inviteCopyByHand : c.copied ? t.inviteCopied : '';
  const problem = c.problem === 'start' ? t.inviteNoStart : c.problem === 'length' ? t.inviteBadLength(max) : '';
  const edited = (e: Event) => {
    const form = (e.currentTarget as HTMLElement).closest('section')!;
    c.edit(form.querySelector<HTMLInputElement>('#invite-start')!.value, form.querySelector<HTMLInputElement>('#invite-minutes')!.value);
  };
  const escape = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    c.close();
  };
  return html`
    <section part="invite-panel" id="invite" role="region" aria-label=${t.invitePanel} @keydown=${escape}>
      <p part="invite-help">${t.inviteHelp}</p>
      <button part="button invite-copy" type="button" @click=${() => void c.copy()}>${t.inviteCopy}</button>
      <p part="invite-status" role="status">${status}</p>
      ${c.manual ? html`<label for="invite-text">${t.inviteToCopy}</label>
        <textarea id="invite-text" part="invite-text" readonly rows="4" .value=${invite.text}></textarea>` : nothing}
      <fieldset part="invite-calendar">
        <legend>${t.inviteCalendar}</legend>
        <label for="invite-start">${t.inviteStarts}</label>
        <input id="invite-start" part="invite-input" type="datetime-local" required .value=${live(c.start)} @change=${edited}>
        <label for="invite-minutes">${t.inviteLength}</label>
        <input id="invite-minutes" part="invite-input" type="number" min="1" max=${max} step="1" required
          .value=${live(String(c.minutes))} @change=${edited}>
        ${c.href ? html`<a part="button invite-download" href=${c.href} download=${invite.filename}>${t.inviteDownload}</a>` : nothing}
        <p part="invite-problem" role="alert">${problem}</p>
      </fieldset>
      <button part="button invite-close" type="button" @click=${() => c.close()}>${t.inviteClose}</button>
    </section>
  `;
}
