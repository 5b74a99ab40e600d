import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import type { DeviceCheck } from '../../components/devices/device-check.js';
import '../../components/devices/device-check.js';
import type { JoinGate, JoinRequestEvent } from '../../components/join-gate/join-gate.js';
import '../../components/join-gate/join-gate.js';
import '../../components/index.js';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import type { RelayAdapter, RelayState } from '../../core/relay.js';
import { PASSWORD, submitGate } from './helpers.js';

// Chromium runs with a fake camera and microphone (web-test-runner.config.mjs).

const $ = <T extends Element = HTMLElement>(el: Element, selector: string): T => {
  const found = el.shadowRoot!.querySelector<T>(selector);
  if (!found) throw new Error(`nothing matches ${selector}`);
  return found;
};

const KEY = 'secure-meeting:devices';

describe('<device-check>', () => {
  beforeEach(() => localStorage.removeItem(KEY));
  afterEach(() => localStorage.removeItem(KEY));

  it('has labelled camera, microphone and speaker selects and the "join with … off" choices, and passes axe', async function () {
    this.timeout(10_000);
    const el = await fixture<DeviceCheck>(html`<device-check></device-check>`);
    for (const [id, label] of [['camera', 'Camera'], ['microphone', 'Microphone'], ['speaker', 'Speaker']] as const) {
      expect($(el, `label[for=${id}]`).textContent!.trim()).to.equal(label);
      expect($(el, `#${id}`).tagName).to.equal('SELECT');
    }
    const checks = [...el.shadowRoot!.querySelectorAll('[part~=check]')].map((c) => c.parentElement!.textContent!.trim());
    expect(checks).to.deep.equal(['Join with camera off', 'Join with microphone off']);
    expect(el.shadowRoot!.querySelector('video'), 'no camera is opened before asked').to.equal(null);
    await expect(el).to.be.accessible();
  });

  it('previews the camera and meters the microphone once asked, lists the devices by name, and lets go of them when stopped', async function () {
    this.timeout(15_000);
    const el = await fixture<DeviceCheck>(html`<device-check></device-check>`);
    $<HTMLButtonElement>(el, '[part~=preview-button]').click();
    await waitUntil(() => el.shadowRoot!.querySelector('video')?.srcObject, 'the preview shows a stream', { timeout: 10_000 });
    const video = $<HTMLVideoElement>(el, 'video');
    const stream = video.srcObject as MediaStream;
    expect(stream.getVideoTracks()[0]!.readyState).to.equal('live');
    await waitUntil(() => video.videoWidth > 0, 'the preview plays', { timeout: 10_000 });
    // Chromium's fake microphone beeps: the meter moves.
    await waitUntil(() => $<HTMLMeterElement>(el, 'meter').value > 0, 'the level meter moves', { timeout: 10_000 });
    expect($(el, 'label[for=level]').textContent!.trim()).to.equal('Microphone level');
    const cameras = [...$<HTMLSelectElement>(el, '#camera').options].map((o) => o.textContent!.trim());
    expect(cameras[0]).to.equal('Default');
    expect(cameras).to.include('fake_device_0');
    await expect(el).to.be.accessible();
    el.stop();
    expect(stream.getTracks().every((t) => t.readyState === 'ended'), 'camera and microphone released').to.equal(true);
  });

  it('remembers a choice on this device and tells the page', async function () {
    this.timeout(10_000);
    const el = await fixture<DeviceCheck>(html`<device-check></device-check>`);
    const box = el.shadowRoot!.querySelectorAll<HTMLInputElement>('[part~=check]')[0]!;
    const changed = oneEvent(el, 'device-change');
    box.click();
    const event = (await changed) as unknown as { choices: { cameraOff: boolean }; changed: string };
    expect(event.changed).to.equal('cameraOff');
    expect(event.choices.cameraOff).to.equal(true);
    expect(JSON.parse(localStorage.getItem(KEY)!).cameraOff).to.equal(true);
    const again = await fixture<DeviceCheck>(html`<device-check></device-check>`);
    expect(again.shadowRoot!.querySelectorAll<HTMLInputElement>('[part~=check]')[0]!.checked, 'read back next time').to.equal(true);
  });

  it('in the join form: the request carries the choices, and the preview lets go of the devices on Join', async function () {
    this.timeout(15_000);
    const gate = await fixture<JoinGate>(html`<join-gate></join-gate>`);
    const check = $<DeviceCheck>(gate, 'device-check');
    await check.updateComplete;
    check.shadowRoot!.querySelectorAll<HTMLInputElement>('[part~=check]')[1]!.click();
    await check.startPreview();
    const stream = $<HTMLVideoElement>(check, 'video').srcObject as MediaStream;
    for (const [id, value] of [['channel', '7'], ['password', 'pw'], ['name', 'Ada']]) {
      const input = $<HTMLInputElement>(gate, `#${id}`);
      input.value = value!;
      input.dispatchEvent(new Event('input'));
    }
    const request = oneEvent(gate, 'join-request') as unknown as Promise<JoinRequestEvent>;
    $<HTMLButtonElement>(gate, 'button[type=submit]').click();
    const { devices } = await request;
    expect(devices.microphoneOff).to.equal(true);
    expect(devices.cameraOff).to.equal(false);
    expect(stream.getTracks().every((t) => t.readyState === 'ended')).to.equal(true);
  });
});

/** A relay for one member alone: opens, and carries nothing anywhere. */
const aloneRelay: RelayAdapter = {
  kind: 'alone',
  connect: (_target, handlers) => {
    let state: RelayState = 'connecting';
    handlers.state(state);
    setTimeout(() => handlers.state((state = 'open')));
    return { get state() { return state; }, publish: () => state === 'open', close: () => void (state = 'closed') };
  },
};

describe('Settings in <secure-meeting>', () => {
  it('opens labelled device choices, switches the camera in place, passes axe, and closes with Escape', async function () {
    this.timeout(30_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting .relayAdapter=${aloneRelay}></secure-meeting>`);
    await submitGate(el, { channel: '5', password: PASSWORD, name: 'Ada' });
    await waitUntil(() => el.meeting?.localStream?.getVideoTracks().length, 'joined with a camera', { timeout: 20_000 });
    const before = el.meeting!.localStream!.getVideoTracks()[0]!;
    await waitUntil(() => el.shadowRoot!.querySelector('[part~=toolbar] [part~=settings]'), 'the toolbar shows Settings', { timeout: 20_000 });
    const settings = el.shadowRoot!.querySelector<HTMLButtonElement>('[part~=toolbar] [part~=settings]')!;
    expect(settings.getAttribute('aria-expanded')).to.equal('false');
    settings.click();
    await el.updateComplete;
    const panel = el.shadowRoot!.querySelector('[part~=settings]:not(button)')!;
    const check = panel.querySelector<DeviceCheck>('device-check')!;
    await check.updateComplete;
    expect($(check, 'label[for=camera]').textContent!.trim()).to.equal('Camera');
    expect(check.shadowRoot!.querySelector('[part~=check]'), 'no "join with … off" once joined').to.equal(null);
    await expect(el).to.be.accessible();

    const camera = $<HTMLSelectElement>(check, '#camera');
    await waitUntil(() => [...camera.options].some((o) => o.textContent!.trim() === 'fake_device_0'), 'cameras listed');
    camera.value = [...camera.options].find((o) => o.textContent!.trim() === 'fake_device_0')!.value;
    camera.dispatchEvent(new Event('change'));
    await waitUntil(() => el.meeting!.localStream!.getVideoTracks()[0] !== before, 'a new camera track', { timeout: 10_000 });
    expect(before.readyState, 'the old one is let go').to.equal('ended');
    expect(el.meeting!.localStream!.getVideoTracks()).to.have.length(1);

    panel.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('section[part~=settings]')).to.equal(null);
    await el.meeting!.leave();
  });
});
