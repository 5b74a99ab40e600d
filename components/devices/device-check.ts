import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { theme } from '../theme.styles.js';
import { loadChoices, mediaFor, saveChoices, type DeviceChoices } from './choices.js';
import { Localizer, type Messages } from '../i18n/i18n.js';

type DeviceKey = 'camera' | 'microphone' | 'speaker';
const KINDS: Record<DeviceKey, { kind: MediaDeviceKind; label: (t: Messages) => string }> = {
  camera: { kind: 'videoinput', label: (t) => t.devicesCamera },
  microphone: { kind: 'audioinput', label: (t) => t.devicesMicrophone },
  speaker: { kind: 'audiooutput', label: (t) => t.devicesSpeaker },
};
/** Chromium lists its default devices a second time under these ids; our "Default" entry stands for them. */
const ALIASES = new Set(['default', 'communications']);

/** A choice changed; `choices` holds all of them, `changed` says which. */
export class DeviceChangeEvent extends Event {
  constructor(readonly choices: DeviceChoices, readonly changed: keyof DeviceChoices) {
    super('device-change', { bubbles: true, composed: true });
  }
}

/**
 * Choices are remembered on this device (localStorage) and read back the
 * next time. The preview opens the camera and microphone only when asked
 * ("Check camera and microphone"), and closes them when the element leaves
 * the page or `stop()` is called.
 *
 * @summary Camera, microphone and speaker choices, with a camera preview and a microphone level meter.
 *
 * @event {DeviceChangeEvent} device-change - A choice changed: `choices` (all of them), `changed` (which). Bubbles, composed.
 *
 * @csspart base - The group of choices.
 * @csspart preview - The preview area (gate mode).
 * @csspart preview-button - "Check camera and microphone".
 * @csspart video - The camera preview, mirrored like the local tile.
 * @csspart level - The microphone level meter.
 * @csspart label - Each label.
 * @csspart select - Each device select.
 * @csspart check - Each "join with … off" checkbox.
 * @csspart problem - Why the devices could not be opened, when they could not.
 */
@customElement('device-check')
export class DeviceCheck extends LitElement {
  static override styles = [
    theme,
    css`
      [part~='base'] { display: grid; gap: var(--sm-gap, 12px); }
      [part~='video'] { width: 100%; max-width: 320px; aspect-ratio: 16 / 9; background: #000; border-radius: var(--sm-radius, 12px); transform: scaleX(-1); object-fit: cover; }
      [part~='level'] { width: 100%; max-width: 320px; }
      .choice { display: grid; gap: 4px; }
      select { font: inherit; color: var(--sm-fg, #f3f4f6); background: var(--sm-surface, #1c1f26); border: 1px solid var(--sm-border, #5b6270); border-radius: 8px; padding: 6px 8px; }
      select:focus-visible, input:focus-visible, button:focus-visible { outline: 2px solid var(--sm-accent, #4f7cff); outline-offset: 2px; }
      [part~='problem']:empty { display: none; }
      [part~='problem'] { color: var(--sm-danger, #ff8a8a); margin: 0; }
    `,
  ];

  /** 'gate': preview, level meter and the "join with … off" choices; 'meeting': the device choices only. */
  @property() mode: 'gate' | 'meeting' = 'gate';

  /** The current choices; read from this device's storage by default. */
  @property({ attribute: false }) choices: DeviceChoices = loadChoices();

  @state() private devices: MediaDeviceInfo[] = [];
  @state() private previewing = false;
  @state() private level = 0;
  /** Why the devices could not be opened: put into words at render. */
  @state() private problem: 'denied' | 'failed' | null = null;
  private readonly i18n = new Localizer(this);
  private stream: MediaStream | null = null;
  private audio: AudioContext | null = null;
  private meter: ReturnType<typeof setInterval> | undefined;
  private readonly onDeviceChange = () => void this.listDevices();

  override connectedCallback(): void {
    super.connectedCallback();
    navigator.mediaDevices?.addEventListener('devicechange', this.onDeviceChange);
    void this.listDevices();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    navigator.mediaDevices?.removeEventListener('devicechange', this.onDeviceChange);
    this.stop();
  }

  /** Opens the chosen camera and microphone for the preview and the meter (again, after a change). */
  async startPreview(): Promise<void> {
    this.stop();
    try {
      this.stream = await navigator.mediaDevices.getUserMedia(mediaFor(this.choices));
    } catch (error) {
      this.problem = error instanceof DOMException && error.name === 'NotAllowedError' ? 'denied' : 'failed';
      return;
    }
    this.problem = null;
    this.previewing = true;
    this.watchLevel(this.stream);
    // Labels are only listed once the page may use the devices.
    await this.listDevices();
  }

  /** Closes the preview's camera and microphone. */
  stop(): void {
    clearInterval(this.meter);
    void this.audio?.close().catch(() => {});
    this.audio = null;
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.previewing = false;
    this.level = 0;
  }

  protected override updated(): void {
    const video = this.renderRoot.querySelector('video');
    if (video && video.srcObject !== this.stream) video.srcObject = this.stream;
  }

  protected override render() {
    const gate = this.mode === 'gate';
    const t = this.i18n.t;
    const speakers = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
    return html`
      <div part="base" role="group" aria-label=${t.devicesGroup}>
        ${gate ? this.renderPreview() : nothing}
        ${this.renderSelect('camera')} ${this.renderSelect('microphone')} ${speakers ? this.renderSelect('speaker') : nothing}
        ${gate
          ? html`${this.renderCheck('cameraOff', t.devicesJoinCameraOff)} ${this.renderCheck('microphoneOff', t.devicesJoinMicrophoneOff)}`
          : nothing}
        <p part="problem" role="alert">${this.problem === 'denied' ? t.devicesDenied : this.problem === 'failed' ? t.devicesFailed : ''}</p>
      </div>
    `;
  }

  private renderPreview() {
    const t = this.i18n.t;
    if (!this.previewing) {
      return html`<div part="preview">
        <button part="button preview-button" type="button" @click=${() => void this.startPreview()}>${t.devicesCheck}</button>
      </div>`;
    }
    return html`<div part="preview">
      <video part="video" autoplay muted playsinline aria-label=${t.devicesPreview}></video>
      <div class="choice">
        <label part="label" for="level">${t.devicesLevel}</label>
        <meter part="level" id="level" min="0" max="1" low="0.05" .value=${this.level}></meter>
      </div>
      <button part="button preview-button" type="button" @click=${() => this.stop()}>${t.devicesStopPreview}</button>
    </div>`;
  }

  private renderSelect(key: DeviceKey) {
    const t = this.i18n.t;
    const kind = KINDS[key].kind;
    const label = KINDS[key].label(t);
    const options = this.devices.filter((d) => d.kind === kind && !ALIASES.has(d.deviceId));
    return html`<div class="choice">
      <label part="label" for=${key}>${label}</label>
      <select part="select" id=${key} @change=${(e: Event) => this.choose(key, (e.target as HTMLSelectElement).value)}>
        <option value="" ?selected=${this.choices[key] === ''}>${t.devicesDefault}</option>
        ${options.map((d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === this.choices[key]}>${d.label || t.devicesUnnamed(label, i + 1)}</option>`)}
      </select>
    </div>`;
  }

  private renderCheck(key: 'cameraOff' | 'microphoneOff', label: string) {
    return html`<label part="label">
      <input part="check" type="checkbox" .checked=${this.choices[key]} @change=${(e: Event) => this.set(key, (e.target as HTMLInputElement).checked)} />
      ${label}
    </label>`;
  }

  private choose(key: DeviceKey, deviceId: string): void {
    this.set(key, deviceId);
    if (this.previewing && key !== 'speaker') void this.startPreview();
  }

  private set<K extends keyof DeviceChoices>(key: K, value: DeviceChoices[K]): void {
    this.choices = { ...this.choices, [key]: value };
    saveChoices(this.choices);
    // Built apart: the manifest analyser would list `new …` inside dispatchEvent as a nameless event.
    const change = new DeviceChangeEvent(this.choices, key);
    this.dispatchEvent(change);
  }

  private async listDevices(): Promise<void> {
    try {
      this.devices = (await navigator.mediaDevices?.enumerateDevices()) ?? [];
    } catch {
      this.devices = [];
    }
  }

  /** The microphone's loudness, ten times a second, for the meter. */
  private watchLevel(stream: MediaStream): void {
    if (stream.getAudioTracks().length === 0 || typeof AudioContext === 'undefined') return;
    const audio = (this.audio = new AudioContext());
    const analyser = audio.createAnalyser();
    analyser.fftSize = 1024;
    audio.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    this.meter = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      this.level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
    }, 100);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'device-check': DeviceCheck;
  }
  interface GlobalEventHandlersEventMap {
    'device-change': DeviceChangeEvent;
  }
}
