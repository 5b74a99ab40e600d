/**
 * Devices end to end (issue 11): real Chromium with several fake cameras, the
 * demo page, our WebSocket relay, in the loopback-only namespace. Switching
 * camera in the settings panel keeps the other member decoding, without a
 * renegotiation; joining with the camera off sends no picture and is shown
 * as camera off, and that choice is remembered on the device.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { eventually, joinThroughGate, launchBrowser, openMember, receiveStats } from './browser.js';

let demo: DemoServer;
let browser: Browser;
before(async () => {
  demo = await startDemoServer({ port: 0 });
  // Chromium's second fake camera gives 16-bit depth frames, which WebRTC does not encode; the third is an ordinary one.
  browser = await launchBrowser({ fakeCameras: 3 });
}, { timeout: 60_000 });
after(async () => {
  await browser?.close();
  await demo?.close();
}, { timeout: 60_000 });

const PASSWORD = 'devices-e2e-pw';

/** The label of the camera track the page sends on each of its open connections, and each one's local SDP. */
const sending = (page: Page) => page.evaluate(() => (window as unknown as { smConnections: RTCPeerConnection[] }).smConnections
  .filter((pc) => pc.connectionState === 'connected')
  .map((pc) => ({ camera: pc.getSenders().find((s) => s.track?.kind === 'video')?.track?.label ?? null, sdp: pc.localDescription?.sdp ?? '' })));

const localCamera = (page: Page) => page.evaluate(() => {
  const m = (document.querySelector('secure-meeting') as unknown as { meeting: { localStream: MediaStream | null } }).meeting;
  const track = m.localStream?.getVideoTracks()[0];
  return track ? { label: track.label, enabled: track.enabled, live: track.readyState === 'live' } : null;
});

test('switching camera in the settings panel keeps the other member decoding, with no renegotiation', { timeout: 120_000 }, async () => {
  const [ada, bo] = [await openMember(browser, demo.url), await openMember(browser, demo.url)];
  await joinThroughGate(ada, { channel: 61, password: PASSWORD, name: 'Ada' });
  await joinThroughGate(bo, { channel: 61, password: PASSWORD, name: 'Bo' });
  await eventually('Bo to decode Ada', async () => ((await receiveStats(bo))['Ada']?.framesDecoded ?? 0) > 5, 30_000);
  const [before] = await sending(ada);
  assert.equal(before?.camera, 'fake_device_0');

  await ada.getByRole('button', { name: 'Settings' }).click();
  await ada.locator('[part~=settings] select#camera').selectOption({ label: 'fake_device_2' });
  await eventually('Ada to send the other camera', async () => (await sending(ada))[0]?.camera === 'fake_device_2', 15_000);
  const switchedAt = (await receiveStats(bo))['Ada']!.framesDecoded;
  await eventually('Bo to go on decoding Ada', async () => ((await receiveStats(bo))['Ada']?.framesDecoded ?? 0) > switchedAt + 20, 20_000);

  const [after] = await sending(ada);
  assert.equal(after?.sdp, before?.sdp, 'the same local description: replaceTrack, no renegotiation');
  assert.deepEqual(await localCamera(ada), { label: 'fake_device_2', enabled: true, live: true }, 'the local tile shows the new camera');
  await Promise.all([ada, bo].map((p) => p.context().close()));
});

test('joining with the camera off: the others see it off, the track is off from the start, and the choice is remembered', { timeout: 120_000 }, async () => {
  const [ada, cy] = [await openMember(browser, demo.url), await openMember(browser, demo.url)];
  await joinThroughGate(ada, { channel: 62, password: PASSWORD, name: 'Ada' });
  await cy.getByLabel('Join with camera off').check();
  await joinThroughGate(cy, { channel: 62, password: PASSWORD, name: 'Cy' });
  await eventually('Ada to see Cy with the camera off', () => ada.evaluate(() =>
    [...document.querySelector('secure-meeting')!.shadowRoot!.querySelectorAll('peer-tile:not([local])')]
      .some((t) => t.getAttribute('name') === 'Cy' && t.hasAttribute('camera-off'))), 30_000);
  assert.equal((await localCamera(cy))?.enabled, false, 'the camera track was off from the start');

  // Remembered on this device: the form comes back with the box ticked.
  await cy.reload();
  await cy.waitForFunction(() => customElements.get('secure-meeting') !== undefined);
  assert.equal(await cy.getByLabel('Join with camera off').isChecked(), true);
  await Promise.all([ada, cy].map((p) => p.context().close()));
});
