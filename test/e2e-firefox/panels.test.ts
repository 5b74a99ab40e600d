/**
 * Settings, the active speaker and the invite panel with a Firefox member
 * (Debian's firefox-esr through puppeteer-core) beside a Chromium one
 * (Playwright), over our ws relay: a device chosen in Firefox's Settings goes
 * to Chromium with replaceTrack, no renegotiation; whichever browser speaks
 * becomes the active speaker on the other's screen, from each browser's own
 * statistics; Firefox's invite panel, by keyboard, copies the invite and
 * offers a calendar file ical.js reads. Headless Firefox lists one fake
 * camera and one fake microphone, so Settings switches to each by its id: a
 * new track from the device, through the same path a second camera takes.
 * Run by `npm run test:firefox` in test/hermetic-firefox.sh's namespace.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import ICAL from 'ical.js';
import type { Page as FirefoxPage } from 'puppeteer-core';
import { lendLoudMicrophone } from '../e2e/audio.js';
import { eventually, receiveStats, toolbarControl, type Evaluates } from '../e2e/browser.js';
import { bothBrowsersForFile, inFirefox, inPage, joinFirefox, meetAcross, openFirefoxMember, pressFirefox, type EvaluatesSource } from './firefox.js';

/** What Firefox sends on its one open connection: each kind's track id, and its local SDP. */
const firefoxSends = (page: FirefoxPage) => page.evaluate(() => {
  const pc = (window as unknown as { smConnections: RTCPeerConnection[] }).smConnections.find((c) => c.connectionState === 'connected');
  const track = (kind: string) => pc?.getSenders().find((s) => s.track?.kind === kind)?.track ?? null;
  const local = (document.querySelector('secure-meeting') as unknown as { meeting: { localStream: MediaStream | null } }).meeting.localStream;
  return {
    video: track('video')?.id ?? null,
    audio: track('audio')?.id ?? null,
    sdp: pc?.localDescription?.sdp ?? '',
    // The local tile's stream holds the tracks sent, live.
    local: local?.getTracks().filter((t) => t.readyState === 'live').map((t) => t.id).sort() ?? [],
  };
});

/** Names of the remote members this page's tiles show speaking. */
const speakingShown = (page: EvaluatesSource) => inPage<string[]>(page, `() =>
  [...document.querySelector('secure-meeting').shadowRoot.querySelectorAll('peer-tile:not([local])')]
    .filter((t) => t.hasAttribute('speaking') && t.getAttribute('part').split(' ').includes('speaking-tile'))
    .map((t) => t.getAttribute('name'))`);

describe('Firefox members use Settings, the active speaker and the invite panel', () => {
  const both = bothBrowsersForFile();

  test('a camera and a microphone chosen in Firefox\'s Settings reach Chromium with replaceTrack, no renegotiation', { timeout: 150_000 }, async () => {
    const meeting = await meetAcross(both, both.demo.url, both.relay, 821, [['chromium', 'Chromium A'], ['firefox', 'Firefox F']]);
    try {
      const [a] = meeting.chromiumPages;
      const [f] = meeting.firefoxPages;
      const before = await firefoxSends(f!);
      assert.ok(before.video && before.audio && before.sdp, 'Firefox sends a camera and a microphone');

      await pressFirefox(f!, /^Settings$/);
      const choose = (select: string) => inFirefox<string | null>(f!, `(deep) => {
        const s = [...deep(document)].find((e) => e.tagName === 'SELECT' && e.id === ${JSON.stringify(select)});
        const device = [...(s?.options ?? [])].find((o) => o.value !== '');
        if (!device) return null;
        s.value = device.value;
        s.dispatchEvent(new Event('change', { bubbles: true }));
        return device.textContent.trim();
      }`);
      const camera = await eventually('Firefox\'s Settings to list its camera', () => choose('camera'), 20_000);
      assert.equal(camera, 'Default Video Device');
      const switched = await eventually('Firefox to send the camera\'s new track', async () => {
        const now = await firefoxSends(f!);
        return now.video !== null && now.video !== before.video ? now : null;
      }, 20_000);
      const at = (await receiveStats(a!))['Firefox F']!.framesDecoded;
      await eventually('Chromium to go on decoding Firefox', async () => ((await receiveStats(a!))['Firefox F']?.framesDecoded ?? 0) > at + 20, 30_000);

      assert.equal(await choose('microphone'), 'Default Audio Device');
      const after = await eventually('Firefox to send the microphone\'s new track', async () => {
        const now = await firefoxSends(f!);
        return now.audio !== null && now.audio !== before.audio ? now : null;
      }, 20_000);
      const heard = (await receiveStats(a!))['Firefox F']!.audioPacketsReceived;
      await eventually('Chromium to go on receiving Firefox\'s audio', async () => ((await receiveStats(a!))['Firefox F']?.audioPacketsReceived ?? 0) > heard + 50, 30_000);

      assert.equal(after!.sdp, before.sdp, 'the same local description: replaceTrack, no renegotiation');
      assert.equal(switched!.video, after!.video);
      assert.deepEqual(after!.local, [after!.audio, after!.video].sort(), 'the local tile shows the new tracks, and only them');
      assert.equal(await inFirefox<string>(f!, `(deep) => [...deep(document)].find((e) => (e.getAttribute('part') ?? '').split(' ').includes('settings-problem'))?.textContent.trim() ?? 'none'`), '',
        'Settings reports no problem');
    } finally {
      await meeting.close();
    }
  });

  test('whoever speaks, in either browser, becomes the active speaker on the other\'s screen', { timeout: 150_000 }, async () => {
    // Both microphones are a steady tone: Chromium's lent (its own fake one only beeps), Firefox's own fake one (headless
    // Firefox here has no audio device, so an AudioContext there never starts). Each is switched off in turn.
    const meeting = await meetAcross(both, both.demo.url, both.relay, 822, [['chromium', 'Chromium A'], ['firefox', 'Firefox F']],
      (name, page) => (name === 'Chromium A' ? lendLoudMicrophone(page) : Promise.resolve()));
    try {
      const [a] = meeting.chromiumPages;
      const [f] = meeting.firefoxPages;
      const microphone = (on: boolean) => `(deep) => {
        const b = [...deep(document)].find((e) => (e.getAttribute('part') ?? '').split(' ').includes('microphone') && e.tagName === 'BUTTON');
        if (b.getAttribute('aria-pressed') !== ${JSON.stringify(String(on))}) b.click();
        return b.getAttribute('aria-pressed');
      }`;

      // Firefox falls silent: Firefox's statistics name Chromium the speaker; Chromium's name no one.
      await inFirefox(f!, microphone(false));
      await eventually('Firefox to show Chromium A speaking', async () => (await speakingShown(f!)).join() === 'Chromium A', 30_000);
      await eventually('Chromium to show no one speaking', async () => (await speakingShown(a!)).length === 0, 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(await speakingShown(f!), ['Chromium A'], 'steady, not a flicker');

      // Now the other way round.
      await inFirefox(f!, microphone(true));
      await (await toolbarControl(a!, /^Microphone/)).click();
      await eventually('Chromium to show Firefox F speaking', async () => (await speakingShown(a!)).join() === 'Firefox F', 30_000);
      await eventually('Firefox to show no one speaking', async () => (await speakingShown(f!)).length === 0, 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(await speakingShown(a!), ['Firefox F'], 'steady, not a flicker');
    } finally {
      await meeting.close();
    }
  });

  test('Firefox\'s invite panel by keyboard: copies the invite, offers a calendar file, closes on Escape; the join window counts down', { timeout: 120_000 }, async () => {
    const f = await openFirefoxMember(both.firefox, `${both.demo.url}#/agenda`);
    try {
      await joinFirefox(f, both.relay, { channel: 823, password: 'firefox-invite-pw', name: 'Firefox F' });
      // The countdown, formatted by Firefox's Intl.
      const joinStatus = () => inFirefox<string>(f, `() => document.querySelector('secure-meeting').shadowRoot.querySelector('[part~=join-status]')?.textContent.trim() ?? ''`);
      await eventually('Firefox to count the join window down as m:ss', async () => /^Joining open · \d{1,2}:\d\d$/.test(await joinStatus()), 20_000);

      // Keyboard only: the Invite button focused, Enter pressed (a real key press, which clipboard writes need).
      const focusedPart = () => inFirefox<string>(f, `() => document.querySelector('secure-meeting').shadowRoot.activeElement?.getAttribute('part') ?? ''`);
      await eventually('the toolbar to show Invite', () => inFirefox<boolean>(f, `() => {
        const b = document.querySelector('secure-meeting').shadowRoot.querySelector('[part~=toolbar] [part~=invite]');
        b?.focus();
        return b !== null;
      }`), 20_000);
      assert.ok((await focusedPart()).split(' ').includes('invite'), 'Invite has the focus');
      await f.evaluate(() => {
        const copied: string[] = [];
        const write = navigator.clipboard.writeText.bind(navigator.clipboard);
        navigator.clipboard.writeText = (t: string) => (copied.push(t), write(t));
        Object.assign(window, { smCopied: copied });
      });
      await f.keyboard.press('Enter');
      await eventually('focus to move to Copy invite', async () => (await focusedPart()).split(' ').includes('invite-copy'), 20_000);
      await f.keyboard.press('Enter');
      const part = (name: string) => inFirefox<string | null>(f, `() => document.querySelector('secure-meeting').shadowRoot.querySelector('[part~=${name}]')?.textContent.trim() ?? null`);
      await eventually('Firefox to say Copied', async () => (await part('invite-status')) === 'Copied', 20_000);
      const link = `${both.demo.url}#/agenda&sm-channel=823`;
      assert.deepEqual(await f.evaluate(() => (window as unknown as { smCopied: string[] }).smCopied),
        [`Join channel 823 at ${link}. The password is shared separately: never send it with this link.`]);
      assert.equal(await part('invite-text'), null, 'no field to copy by hand');

      // Add to calendar: a blob of the .ics, read back as a calendar would.
      const download = await inFirefox<{ name: string; ics: string }>(f, `async () => {
        const a = document.querySelector('secure-meeting').shadowRoot.querySelector('[part~=invite-download]');
        return { name: a.download, ics: await (await fetch(a.href)).text() };
      }`);
      assert.equal(download.name, 'meeting-channel-823.ics');
      const event = new ICAL.Event(new ICAL.Component(ICAL.parse(download.ics)).getFirstSubcomponent('vevent')!);
      assert.equal(event.summary, 'Meeting on channel 823');
      assert.equal(event.duration.toSeconds(), 3600);
      assert.equal(event.component.getFirstPropertyValue('url'), link);
      const start = event.startDate.toJSDate().getTime();
      assert.ok(start > Date.now() && start <= Date.now() + 30 * 60_000, 'starts at the next half hour');
      assert.equal(event.component.getFirstSubcomponent('valarm')?.getFirstPropertyValue('trigger')?.toString(), '-PT15M');
      assert.ok(!download.ics.includes('firefox-invite-pw'), 'the calendar file holds no password');

      await f.keyboard.press('Escape');
      await eventually('Escape to close the panel', async () => (await part('invite-copy')) === null, 20_000);
      assert.ok((await focusedPart()).split(' ').includes('invite'), 'focus returns to Invite');
    } finally {
      await f.browserContext().close();
    }
  });
});
