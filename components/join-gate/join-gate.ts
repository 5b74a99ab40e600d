import { LitElement, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { theme } from '../theme.styles.js';
import { styles } from './join-gate.styles.js';
import { randomPassphrase } from './passphrase.js';
import { loadChoices, type DeviceChoices } from '../devices/choices.js';
import '../devices/device-check.js';
import type { DeviceCheck } from '../devices/device-check.js';
import { en } from '../i18n/en.js';
import { Localizer, type Messages } from '../i18n/i18n.js';

export const DEFAULT_MAX_CHANNEL = 1000;
export const NAME_MAX_LENGTH = 64;

export interface JoinFields {
  channel: number;
  password: string;
  name: string;
}

export type JoinField = keyof JoinFields;
export type JoinFieldErrors = Partial<Record<JoinField, string>>;
export type JoinCheck = { ok: true; value: JoinFields } | { ok: false; errors: JoinFieldErrors };

const FIELDS: readonly JoinField[] = ['channel', 'password', 'name'];
const DEVICE_PARTS = ['base', 'preview', 'preview-button', 'video', 'level', 'label', 'select', 'check', 'problem', 'button'].map((p) => `${p}:device-${p}`).join(', ');

/** A usable channel ceiling: a broken `max-channel` falls back to the default instead of locking everyone out. */
export function channelCeiling(max: unknown): number {
  return typeof max === 'number' && Number.isInteger(max) && max >= 1 ? max : DEFAULT_MAX_CHANNEL;
}

/**
 * The one set of rules for what a person may join with, shared by the form and
 * `<secure-meeting>.join()` so both paths accept exactly the same input.
 */
export function checkJoinFields(
  input: { channel: unknown; password: unknown; name: unknown },
  maxChannel: number = DEFAULT_MAX_CHANNEL,
  t: Messages = en,
): JoinCheck {
  const max = channelCeiling(maxChannel);
  const errors: JoinFieldErrors = {};

  let channel = Number.NaN;
  const rawChannel = typeof input.channel === 'string' ? input.channel.trim() : input.channel;
  if (rawChannel === '' || rawChannel === undefined || rawChannel === null) {
    errors.channel = t.gateChannelMissing;
  } else {
    // Digits only: Number() would also accept "1e3", "0x10" or " 12 ".
    if (typeof rawChannel === 'number') channel = rawChannel;
    else if (typeof rawChannel === 'string' && /^\d+$/.test(rawChannel)) channel = Number(rawChannel);
    if (!Number.isInteger(channel) || channel < 1 || channel > max) {
      errors.channel = t.gateChannelInvalid(max);
    }
  }

  const password = typeof input.password === 'string' ? input.password : '';
  if (password === '') errors.password = t.gatePasswordMissing;

  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '') errors.name = t.gateNameMissing;
  // UTF-16 units, as core and the wire protocol count them (an emoji counts as two):
  // the form must not accept a name the meeting will then refuse.
  else if (name.length > NAME_MAX_LENGTH) errors.name = t.gateNameTooLong(NAME_MAX_LENGTH);

  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: { channel, password, name } };
}

/**
 * Asks the host to join. It neither bubbles nor is composed, so the password
 * it carries never leaves the shadow tree that renders the gate: only a
 * listener on the `<join-gate>` element itself receives it.
 */
export class JoinRequestEvent extends Event {
  readonly channel: number;
  readonly password: string;
  readonly name: string;
  /** The camera, microphone and speaker picked, and whether to join with either off. */
  readonly devices: DeviceChoices;

  constructor(fields: JoinFields, devices: DeviceChoices = loadChoices()) {
    super('join-request', { bubbles: false, composed: false, cancelable: true });
    this.channel = fields.channel;
    this.password = fields.password;
    this.name = fields.name;
    this.devices = devices;
  }
}

/**
 * The channel and password have been still for a moment (`PREPARE_AFTER_MS`)
 * and are valid: the host may derive the keys now, so Join does not wait
 * for them. `fields` is null when they changed since the last one: whatever
 * was prepared for it is to be discarded. Does not bubble, not composed:
 * like `join-request`, it carries the password to the host element only.
 */
export class JoinPrepareEvent extends Event {
  readonly fields: { readonly channel: number; readonly password: string } | null;

  constructor(fields: { channel: number; password: string } | null) {
    super('join-prepare', { bubbles: false, composed: false });
    this.fields = fields;
  }
}

/** How long channel and password stay unchanged before `join-prepare` (a typing pause, not a keystroke). */
export const PREPARE_AFTER_MS = 300;

/**
 * The password is read from its field only when the form is submitted, handed
 * over in the `join-request` event and the field is cleared at once; it is
 * never an attribute, a property or kept anywhere by the element.
 *
 * @summary The form in front of a meeting: channel, shared password and display name.
 *
 * @event {JoinPrepareEvent} join-prepare - Channel and password are valid and have been still for 300 ms (`event.fields`), or changed since (`fields` null): the host may derive the keys ahead. Does not bubble and is not composed.
 * @event {JoinRequestEvent} join-request - The form was submitted with valid fields (`channel`, `password`, `name`). Does not bubble and is not composed. Unless cancelled with `preventDefault()`, the gate turns `busy`; the host clears `busy` (and sets `error`) when joining fails.
 *
 * @csspart base - The form.
 * @csspart title - The legend, "Join a meeting".
 * @csspart label - Each field label.
 * @csspart input - Each text input.
 * @csspart button - Every button.
 * @csspart random - The "Random channel" button.
 * @csspart random-password - The "Random password" button: a 72-bit passphrase, shown so it can be shared.
 * @csspart devices - The camera, microphone and speaker choices, with preview and level meter (`<device-check>`; its parts are exported with a `device-` prefix).
 * @csspart submit - The "Join" button.
 * @csspart status - The polite live region showing progress while busy.
 * @csspart error - The alert region showing `error`.
 *
 * @cssproperty [--sm-accent=#4f7cff] - Join button and focus ring colour.
 * @cssproperty [--sm-accent-fg=#0b0d12] - Text on the accent colour.
 * @cssproperty [--sm-bg=#111318] - Background.
 * @cssproperty [--sm-fg=#f3f4f6] - Text colour.
 * @cssproperty [--sm-muted=#aab0bd] - Hint and status text colour.
 * @cssproperty [--sm-surface=#1c1f26] - Input and button background.
 * @cssproperty [--sm-border=#5b6270] - Input and button border.
 * @cssproperty [--sm-danger=#ff8a8a] - Validation and error text.
 * @cssproperty [--sm-radius=12px] - Corner radius.
 * @cssproperty [--sm-gap=12px] - Spacing between fields.
 */
@customElement('join-gate')
export class JoinGate extends LitElement {
  static override styles = [theme, styles];

  /** Prefills the channel field. */
  @property({ type: Number }) channel: number | undefined;

  /** Prefills the name field. */
  @property() name = '';

  /** Highest channel number accepted; "Random channel" picks from 1 to this. */
  @property({ type: Number, attribute: 'max-channel' }) maxChannel: number = DEFAULT_MAX_CHANNEL;

  /** Disables the form and shows `status` while the host works on a join request. */
  @property({ type: Boolean, reflect: true }) busy = false;

  /** Progress text shown while `busy` (e.g. "Deriving key…"); "Joining…" when empty. */
  @property() status = '';

  /** A message shown in an alert region, e.g. why the last join failed. */
  @property() error = '';

  @state() private channelText = '';
  @state() private nameText = '';
  @state() private errors: JoinFieldErrors = {};
  /** What the status line says when not busy, put into words at render. */
  @state() private announcement: ((t: Messages) => string) | null = null;
  /** Shown as text once "Random password" made it, so it can be read out and shared. */
  @state() private passwordShown = false;

  /** The pause before `join-prepare`, and whether one with fields went out since the last change. */
  private prepareTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly i18n = new Localizer(this);
  /** The language the field messages on show were worded in. */
  private errorsLang = '';
  private prepared = false;

  // Fields whose message is on show: after a submit attempt, or once the person left a filled-in field.
  private shown = new Set<JoinField>();

  @query('#channel') private channelInput!: HTMLInputElement;
  @query('#password') private passwordInput!: HTMLInputElement;
  @query('#name') private nameInput!: HTMLInputElement;
  @query('device-check') private deviceCheck!: DeviceCheck | null;

  /** Focuses the first field with a problem, else the first empty one (the password after a failed join). */
  override focus(options?: FocusOptions): void {
    const first = FIELDS.find((f) => this.errors[f]) ?? FIELDS.find((f) => this.inputFor(f)?.value === '') ?? 'channel';
    this.inputFor(first)?.focus(options);
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('channel')) {
      this.channelText = typeof this.channel === 'number' && Number.isFinite(this.channel) ? String(this.channel) : '';
    }
    if (changed.has('name')) this.nameText = this.name ?? '';
    if (changed.has('busy') && this.busy) this.announcement = null;
    // `lang` changed: the messages on show, in the new language.
    if (this.errorsLang !== this.i18n.lang && this.hasUpdated && Object.keys(this.errors).length > 0) this.revalidate();
  }

  protected override render() {
    const max = channelCeiling(this.maxChannel);
    const t = this.i18n.t;
    const statusText = this.busy ? this.status || t.statusJoining : this.announcement?.(t) ?? '';
    return html`
      <form part="base" novalidate @submit=${this.onSubmit}>
        <fieldset ?disabled=${this.busy}>
          <legend part="title">${t.gateTitle}</legend>

          <div class="field">
            <label part="label" for="channel">${t.gateChannel}</label>
            <div class="row">
              <input
                part="input"
                id="channel"
                type="number"
                inputmode="numeric"
                min="1"
                max=${max}
                step="1"
                required
                autocomplete="off"
                .value=${live(this.channelText)}
                aria-invalid=${this.errors.channel ? 'true' : 'false'}
                aria-describedby=${this.errors.channel ? 'channel-hint channel-error' : 'channel-hint'}
                @input=${this.onChannelInput}
                @blur=${this.onBlur}
              />
              <button part="button random" type="button" @click=${this.pickRandomChannel}>${t.gateRandomChannel}</button>
            </div>
            <p class="hint" id="channel-hint">${t.gateChannelHint(max)}</p>
            <p class="field-error" id="channel-error">${this.errors.channel ?? ''}</p>
          </div>

          <div class="field">
            <label part="label" for="password">${t.gatePassword}</label>
            <div class="row">
              <input
                part="input"
                id="password"
                type=${this.passwordShown ? 'text' : 'password'}
                required
                autocomplete="new-password"
                aria-invalid=${this.errors.password ? 'true' : 'false'}
                aria-describedby=${this.errors.password ? 'password-hint password-error' : 'password-hint'}
                @input=${this.onPasswordInput}
                @blur=${this.onBlur}
              />
              <button part="button random-password" type="button" @click=${this.pickRandomPassword}>${t.gateRandomPassword}</button>
            </div>
            <p class="hint" id="password-hint">${t.gatePasswordHint}</p>
            <p class="field-error" id="password-error">${this.errors.password ?? ''}</p>
          </div>

          <div class="field">
            <label part="label" for="name">${t.gateName}</label>
            <input
              part="input"
              id="name"
              type="text"
              required
              autocomplete="nickname"
              spellcheck="false"
              .value=${live(this.nameText)}
              aria-invalid=${this.errors.name ? 'true' : 'false'}
              aria-describedby=${this.errors.name ? 'name-error' : nothing}
              @input=${this.onNameInput}
              @blur=${this.onBlur}
            />
            <p class="field-error" id="name-error">${this.errors.name ?? ''}</p>
          </div>

          <device-check part="devices" mode="gate" exportparts=${DEVICE_PARTS}></device-check>

          <button part="button submit" type="submit">${t.gateJoin}</button>
        </fieldset>
        <p part="status" role="status">${statusText}</p>
        <p part="error" role="alert">${this.error}</p>
      </form>
    `;
  }

  private inputFor(field: JoinField): HTMLInputElement | null {
    return this.renderRoot.querySelector<HTMLInputElement>(`#${field}`);
  }

  private check(): JoinCheck {
    return checkJoinFields(
      { channel: this.channelInput.value, password: this.passwordInput.value, name: this.nameInput.value },
      this.maxChannel,
      this.i18n.t,
    );
  }

  /** Recomputes messages, showing only those for fields the person has had a chance to fill in. */
  private revalidate(): JoinCheck {
    const result = this.check();
    const errors: JoinFieldErrors = {};
    if (!result.ok) {
      for (const f of FIELDS) {
        const message = result.errors[f];
        if (message && this.shown.has(f)) errors[f] = message;
      }
    }
    this.errors = errors;
    this.errorsLang = this.i18n.lang;
    return result;
  }

  private onChannelInput(e: Event): void {
    this.channelText = (e.target as HTMLInputElement).value;
    this.revalidate();
    this.keysChanged();
  }

  private onPasswordInput(): void {
    this.revalidate();
    this.keysChanged();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.prepareTimer);
  }

  /** Channel or password changed: what was prepared is stale; prepare again once they are still. */
  private keysChanged(): void {
    clearTimeout(this.prepareTimer);
    if (this.prepared) {
      this.prepared = false;
      this.announcePrepare(null);
    }
    this.prepareTimer = setTimeout(() => {
      const result = checkJoinFields({ channel: this.channelInput.value, password: this.passwordInput.value, name: 'x' }, this.maxChannel);
      if (!result.ok || this.busy) return;
      this.prepared = true;
      this.announcePrepare({ channel: result.value.channel, password: result.value.password });
    }, PREPARE_AFTER_MS);
  }

  /** Sent as a variable, like join-request: the manifest lists the event once, from the JSDoc above. */
  private announcePrepare(fields: JoinPrepareEvent['fields']): void {
    const prepare = new JoinPrepareEvent(fields);
    this.dispatchEvent(prepare);
  }

  private onNameInput(e: Event): void {
    this.nameText = (e.target as HTMLInputElement).value;
    this.revalidate();
  }

  private onBlur(e: FocusEvent): void {
    const input = e.target as HTMLInputElement;
    // An empty field someone merely tabbed through is not an error yet.
    if (input.value !== '' || input.validity.badInput) this.shown.add(input.id as JoinField);
    this.revalidate();
  }

  private pickRandomChannel(): void {
    const max = channelCeiling(this.maxChannel);
    const [n = 0] = crypto.getRandomValues(new Uint32Array(1));
    this.channelText = String((n % max) + 1);
    this.channelInput.value = this.channelText;
    this.shown.add('channel');
    this.revalidate();
    this.keysChanged();
    const picked = this.channelText;
    this.announcement = (t) => t.gateChannelPicked(picked);
  }

  private pickRandomPassword(): void {
    this.passwordInput.value = randomPassphrase();
    this.passwordShown = true;
    this.shown.add('password');
    this.revalidate();
    this.keysChanged();
    this.announcement = (t) => t.gatePasswordMade;
  }

  private onSubmit(e: SubmitEvent): void {
    e.preventDefault();
    if (this.busy) return;
    for (const f of FIELDS) this.shown.add(f);
    const result = this.revalidate();
    if (!result.ok) {
      this.announcement = null;
      void this.updateComplete.then(() => this.focus());
      return;
    }
    // Cleared before anyone else runs: the only copy left is the one in the event.
    clearTimeout(this.prepareTimer);
    this.prepared = false;
    this.passwordInput.value = '';
    this.passwordShown = false;
    this.shown.clear();
    this.errors = {};
    this.error = '';
    // The meeting opens the devices itself: the preview lets go of them first.
    const devices = this.deviceCheck?.choices ?? loadChoices();
    this.deviceCheck?.stop();
    const request = new JoinRequestEvent(result.value, devices);
    if (this.dispatchEvent(request)) this.busy = true;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'join-gate': JoinGate;
  }
  interface GlobalEventHandlersEventMap {
    'join-request': JoinRequestEvent;
    'join-prepare': JoinPrepareEvent;
  }
}
