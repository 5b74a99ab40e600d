// Devices during the meeting: the toolbar's "Settings" opens the same camera,
// microphone and speaker choices as the join form. A camera or microphone
// change is sent to everyone with replaceTrack (no renegotiation); a speaker
// change applies to every member's tile on this device.
import { html, nothing } from 'lit';
import type { Meeting } from '../../core/index.js';
import type { InputKind } from '../../core/media/local.js';
import { loadChoices } from '../devices/choices.js';
import type { DeviceChangeEvent } from '../devices/device-check.js';
import '../devices/device-check.js';
import { FeatureController } from './feature.js';
import { failureReason } from '../secure-meeting/status.js';

export class DevicesController extends FeatureController {
  open = false;
  /** The speaker every member's tile plays through ('' for the default). */
  speaker = loadChoices().speaker;
  /** Why the last switch failed, if it did; put in words when shown. */
  failure: { readonly error: unknown } | null = null;

  toggle(): void {
    this.open = !this.open;
    this.failure = null;
    this.host.requestUpdate();
  }

  close(): void {
    this.open = false;
    this.host.requestUpdate();
  }

  override attach(meeting: Meeting): void {
    super.attach(meeting);
    this.speaker = loadChoices().speaker;
  }

  /** A choice in the panel changed: switch the device now. */
  async change(e: DeviceChangeEvent): Promise<void> {
    const m = this.meeting;
    if (!m) return;
    if (e.changed === 'speaker') {
      this.speaker = e.choices.speaker;
      return this.host.requestUpdate();
    }
    const kind: InputKind | null = e.changed === 'camera' ? 'videoinput' : e.changed === 'microphone' ? 'audioinput' : null;
    if (!kind) return;
    try {
      const id = e.choices[e.changed as 'camera' | 'microphone'] || (await defaultDevice(kind));
      if (id) await m.setDevice(kind, id);
      this.failure = null;
    } catch (error) {
      this.failure = { error };
    }
    this.host.requestUpdate();
  }
}

/** The browser's default device of a kind: the first listed. */
async function defaultDevice(kind: InputKind): Promise<string | undefined> {
  return (await navigator.mediaDevices.enumerateDevices()).find((d) => d.kind === kind)?.deviceId;
}

/** The toolbar's "Settings" toggle. */
export function settingsButton(c: DevicesController) {
  const t = c.i18n.t;
  return html`<button part="button settings" type="button" aria-expanded=${c.open ? 'true' : 'false'} aria-controls="settings" @click=${() => c.toggle()}>
    ${t.settingsButton}
  </button>`;
}

/** The settings panel, while open. */
export function settingsPanel(c: DevicesController) {
  if (!c.open) return nothing;
  const t = c.i18n.t;
  return html`
    <section part="settings" id="settings" role="region" aria-label=${t.settingsPanel} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && c.close()}>
      <device-check mode="meeting" exportparts="label:settings-label, select:settings-select" @device-change=${(e: DeviceChangeEvent) => void c.change(e)}></device-check>
      <p part="settings-problem" role="alert">${c.failure ? t.settingsNotSwitched(failureReason(c.failure.error, t)) : ''}</p>
      <button part="button" type="button" @click=${() => c.close()}>${t.settingsClose}</button>
    </section>
  `;
}
