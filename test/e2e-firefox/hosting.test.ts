/**
 * Hosting with Firefox members beside Chromium ones (Debian's firefox-esr
 * through puppeteer-core, Playwright's Chromium), over our ws relay, each
 * member driven through its own participants panel as a person would: a
 * Chromium host makes a Firefox member co-host and leaves, the role passes to
 * Firefox, and Firefox appoints a co-host of its own; what members may use,
 * taken and given back by a host in either browser; a Firefox member joining
 * through its form with the camera off, then asked to mute with everyone; a
 * Firefox host removes
 * a Firefox member, which is told, reads the new password from its notice,
 * and the old password then leads nowhere while the new one reaches
 * everyone. Each host action is signed in one browser and checked in the
 * other. Run by `npm run test:firefox` in test/hermetic-firefox.sh's
 * namespace.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Page as FirefoxPage } from 'puppeteer-core';
import {
  eventually, expectEveryoneSeesAndHearsEveryone, joinThroughGate, openMember, openParticipants, receiveStats, remoteTileNames, sameMembers, useRelay, type Evaluates,
} from '../e2e/browser.js';
import {
  bothBrowsersForFile, firefoxHasButton, inFirefox, inPage, joinFirefox, joinFirefoxThroughGate, openFirefoxMember, pressFirefox, type EvaluatesSource,
} from './firefox.js';

/** Each member's role as this page's participants panel shows it (the panel must be open): name → 'host', 'cohost' or 'member'; ours as "(me)". */
const rolesShown = (page: EvaluatesSource) => inPage<Record<string, string>>(page, `(deep) => {
  const panel = [...deep(document)].find((e) => e.tagName === 'PARTICIPANTS-PANEL');
  const rows = [...(panel?.shadowRoot?.querySelectorAll('[part~=member]') ?? [])];
  return Object.fromEntries(rows.map((row) => {
    const name = row.querySelector('[part~=name]').textContent.trim();
    const you = / \\(You\\)$/.test(name);
    return [you ? '(me)' : name, row.querySelector('[part~=role]')?.dataset.role ?? 'member'];
  }));
}`);

/** Opens the Firefox member's participants panel (unless open) and waits for its list. */
async function openFirefoxParticipants(page: FirefoxPage): Promise<void> {
  const open = await inFirefox<boolean>(page, `(deep) => [...deep(document)].some((e) => e.tagName === 'PARTICIPANTS-PANEL')`);
  if (!open) await pressFirefox(page, /^Participants/);
  await eventually('Firefox\'s participants panel to list the members', async () => Object.keys(await rolesShown(page)).length > 0, 20_000);
}

/** The channel's gate error line in this page, as a person reads it. */
const gateAlert = (page: EvaluatesSource) => inPage<string>(page, `(deep) => {
  const gate = [...deep(document)].find((e) => e.tagName === 'JOIN-GATE');
  return gate?.shadowRoot?.querySelector('[role=alert]')?.textContent?.trim() ?? '';
}`);

/** What this page's core meeting says now: its state and how many members it is connected to. */
const meetingNow = (page: Evaluates) => page.evaluate(() => {
  const m = (document.querySelector('secure-meeting') as unknown as { meeting: { state: string; relayState: string; peers: Map<string, unknown> } | null }).meeting;
  return { state: m?.state, relay: m?.relayState, peers: m?.peers.size ?? 0 };
});

describe('Firefox members host, hand over, and remove', () => {
  const both = bothBrowsersForFile();

  /** A Chromium member on the demo page, joined through the form over the ws relay. */
  async function chromiumMember(fields: { channel: number; password: string; name: string }): Promise<Page> {
    const page = await openMember(both.chromium, both.demo.url);
    await useRelay(page, both.relay.adapter, both.relay.url);
    await joinThroughGate(page, fields);
    return page;
  }

  test('a Chromium host makes Firefox co-host and leaves; Firefox takes the role and appoints a co-host Chromium accepts', { timeout: 180_000 }, async () => {
    const fields = { channel: 811, password: 'firefox-hand-over' };
    const a = await chromiumMember({ ...fields, name: 'Chromium A' });
    let f: FirefoxPage | null = null;
    let b: Page | null = null;
    try {
      await openParticipants(a);
      await eventually('Chromium A to host', async () => (await rolesShown(a))['(me)'] === 'host', 30_000);
      f = await openFirefoxMember(both.firefox, both.demo.url);
      await joinFirefox(f, both.relay, { ...fields, name: 'Firefox F' });
      b = await chromiumMember({ ...fields, name: 'Chromium B' });
      await expectEveryoneSeesAndHearsEveryone(new Map<string, Evaluates>([['Chromium A', a], ['Firefox F', f as unknown as Evaluates], ['Chromium B', b]]));

      // The host's Make co-host, pressed in Chromium: Firefox checks it and gains a co-host's controls (not the host's).
      await a.getByRole('button', { name: 'Make co-host: Firefox F', exact: true }).click();
      await openFirefoxParticipants(f);
      await eventually('Firefox to show itself co-host', async () => (await rolesShown(f!))['(me)'] === 'cohost', 30_000);
      await eventually('Chromium B to show Firefox co-host', async () => {
        await openParticipants(b!);
        return (await rolesShown(b!))['Firefox F'] === 'cohost';
      }, 30_000);
      assert.equal(await firefoxHasButton(f, /^Mute Chromium B$/), true, 'a co-host may ask a member to mute');
      assert.equal(await firefoxHasButton(f, /^Make co-host:/), false, 'only the host appoints co-hosts');

      // The host leaves: the role goes to its co-host, Firefox, not to Chromium B.
      await a.getByRole('button', { name: 'Leave' }).click();
      const handedOver = await eventually('Firefox and Chromium B to show Firefox hosting', async () => {
        const [fromF, fromB] = [await rolesShown(f!), await rolesShown(b!)];
        return fromF['(me)'] === 'host' && fromB['Firefox F'] === 'host' && !('Chromium A' in fromB) ? { fromF, fromB } : null;
      }, 30_000);
      assert.deepEqual(handedOver, { fromF: { '(me)': 'host', 'Chromium B': 'member' }, fromB: { '(me)': 'member', 'Firefox F': 'host' } });

      // Firefox, now host, appoints Chromium B: signed in Firefox, checked in Chromium.
      await eventually('Firefox to offer Make co-host for Chromium B', () => firefoxHasButton(f!, /^Make co-host: Chromium B$/), 20_000);
      await pressFirefox(f, /^Make co-host: Chromium B$/);
      await eventually('Chromium B to show itself co-host', async () => (await rolesShown(b!))['(me)'] === 'cohost', 30_000);
      await eventually('Firefox to show Chromium B co-host', async () => (await rolesShown(f!))['Chromium B'] === 'cohost', 30_000);
    } finally {
      await a.context().close();
      await b?.context().close();
      await f?.browserContext().close();
    }
  });

  test('what members may use, both ways: a Chromium host takes Firefox\'s camera and gives it back; a Firefox host takes Chromium\'s microphone', { timeout: 180_000 }, async () => {
    const camera = (page: FirefoxPage) => inFirefox<{ pressed: string | null; disabled: string | null; why: string }>(page, `(deep) => {
      const b = [...deep(document)].find((e) => e.tagName === 'BUTTON' && (e.getAttribute('part') ?? '').split(' ').includes('camera'));
      const why = b.getAttribute('aria-describedby');
      return { pressed: b.getAttribute('aria-pressed'), disabled: b.getAttribute('aria-disabled'), why: why ? b.getRootNode().getElementById(why)?.textContent.trim() ?? '' : '' };
    }`);
    const cameraOff = (page: Evaluates) => page.evaluate(() => Object.fromEntries(
      [...document.querySelector('secure-meeting')!.shadowRoot!.querySelectorAll('peer-tile:not([local])')].map((t) => [t.getAttribute('name'), t.hasAttribute('camera-off')])));

    // A Chromium host, a Firefox member.
    const first = { channel: 813, password: 'firefox-permissions-1' };
    const a = await chromiumMember({ ...first, name: 'Chromium A' });
    const f = await openFirefoxMember(both.firefox, both.demo.url);
    const pages: { close(): Promise<void> }[] = [a.context(), f.browserContext()];
    try {
      await openParticipants(a);
      await eventually('Chromium A to host', async () => (await rolesShown(a))['(me)'] === 'host', 30_000);
      await joinFirefox(f, both.relay, { ...first, name: 'Firefox F' });
      await expectEveryoneSeesAndHearsEveryone(new Map<string, Evaluates>([['Chromium A', a], ['Firefox F', f as unknown as Evaluates]]));
      const firefoxMayUse = a.getByRole('region', { name: /^Participants/ }).getByRole('group', { name: 'Firefox F may use' });
      await firefoxMayUse.getByRole('checkbox', { name: 'Camera' }).uncheck();
      const taken = await eventually('Firefox\'s camera toggle to say a host has not allowed it', async () => {
        const c = await camera(f);
        return c.disabled === 'true' ? c : null;
      }, 30_000);
      assert.deepEqual(taken, { pressed: 'false', disabled: 'true', why: 'A host has not allowed your camera' });
      await eventually('Chromium to show Firefox\'s camera off', async () => (await cameraOff(a))['Firefox F'] === true, 30_000);

      await firefoxMayUse.getByRole('checkbox', { name: 'Camera' }).check();
      await eventually('Firefox\'s camera toggle to be usable again', async () => (await camera(f)).disabled === null, 30_000);
      await pressFirefox(f, /^Camera$/);
      await eventually('Firefox\'s camera to be on again', async () => (await camera(f)).pressed === 'true', 20_000);
      const at = (await receiveStats(a))['Firefox F']?.framesDecoded ?? 0;
      await eventually('Chromium to decode Firefox\'s camera again', async () => ((await receiveStats(a))['Firefox F']?.framesDecoded ?? 0) > at + 20, 30_000);
      assert.equal((await cameraOff(a))['Firefox F'], false);

      // A Firefox host, a Chromium member: the host action signed in Firefox, obeyed in Chromium.
      const second = { channel: 814, password: 'firefox-permissions-2' };
      const h = await openFirefoxMember(both.firefox, both.demo.url);
      pages.push(h.browserContext());
      await joinFirefox(h, both.relay, { ...second, name: 'Firefox H' });
      await openFirefoxParticipants(h);
      await eventually('Firefox H to host', async () => (await rolesShown(h))['(me)'] === 'host', 30_000);
      const b = await chromiumMember({ ...second, name: 'Chromium B' });
      pages.push(b.context());
      await expectEveryoneSeesAndHearsEveryone(new Map<string, Evaluates>([['Firefox H', h as unknown as Evaluates], ['Chromium B', b]]));
      await eventually('Firefox H to take Chromium B\'s microphone', () => inFirefox<boolean>(h, `(deep) => {
        const group = [...deep(document)].find((e) => e.tagName === 'FIELDSET' && e.querySelector('legend')?.textContent.trim() === 'Chromium B may use');
        const box = group?.querySelector('input[data-permission=microphone]');
        if (!box) return false;
        if (box.checked) box.click();
        return !box.checked;
      }`), 20_000);
      const microphone = b.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name: 'Microphone', exact: true });
      await eventually('Chromium B\'s microphone toggle to say a host has not allowed it', async () => (await microphone.getAttribute('aria-disabled')) === 'true', 30_000);
      assert.equal(await microphone.getAttribute('aria-pressed'), 'false');
      await eventually('Firefox H to show Chromium B\'s microphone off', () => (h as unknown as Evaluates).evaluate(() =>
        document.querySelector('secure-meeting')!.shadowRoot!.querySelector('peer-tile[name="Chromium B"]')?.hasAttribute('audio-muted') === true), 30_000);
    } finally {
      for (const page of pages) await page.close();
    }
  });

  test('a Firefox member who joins through the form with its camera off is seen so, and remembers it; the host\'s Mute everyone mutes it', { timeout: 180_000 }, async () => {
    const fields = { channel: 815, password: 'firefox-camera-off' };
    const a = await chromiumMember({ ...fields, name: 'Chromium A' });
    const f = await openFirefoxMember(both.firefox, both.demo.url);
    try {
      await openParticipants(a);
      await eventually('Chromium A to host', async () => (await rolesShown(a))['(me)'] === 'host', 30_000);
      await joinFirefoxThroughGate(f, both.relay, { ...fields, name: 'Firefox F' }, ['Join with camera off']);
      await eventually('Chromium to see Firefox with its camera off', () => a.evaluate(() =>
        document.querySelector('secure-meeting')!.shadowRoot!.querySelector('peer-tile[name="Firefox F"]')?.hasAttribute('camera-off') === true), 30_000);
      const own = () => f.evaluate(() => {
        const m = (document.querySelector('secure-meeting') as unknown as { meeting: { localStream: MediaStream | null } }).meeting;
        return { camera: m.localStream?.getVideoTracks()[0]?.enabled ?? null, microphone: m.localStream?.getAudioTracks()[0]?.enabled ?? null };
      });
      assert.deepEqual(await own(), { camera: false, microphone: true }, 'Firefox\'s camera track is off from the start');

      // Mute everyone, pressed by the Chromium host: Firefox's microphone goes off, and it is told who asked.
      await eventually('Chromium to hear Firefox', async () => ((await receiveStats(a))['Firefox F']?.audioPacketsReceived ?? 0) > 20, 30_000);
      await a.getByRole('button', { name: 'Mute everyone', exact: true }).click();
      await eventually('Firefox\'s microphone to go off', async () => (await own()).microphone === false, 30_000);
      await eventually('Firefox to say who asked', async () => (await inFirefox<string | null>(f, `(deep) =>
        [...deep(document)].find((e) => (e.getAttribute('part') ?? '').split(' ').includes('host-request'))?.textContent.trim() ?? null`)) ===
        'Chromium A asked everyone to mute: your microphone is off', 20_000);

      // Remembered on this device: after a reload, Firefox's form has the box ticked.
      await f.reload();
      await f.waitForFunction(() => customElements.get('secure-meeting') !== undefined);
      assert.equal(await eventually('Firefox\'s form to be back', () => inFirefox<boolean | null>(f, `(deep) =>
        [...deep(document)].find((e) => e.tagName === 'LABEL' && e.textContent.trim() === 'Join with camera off')?.querySelector('input')?.checked ?? null`), 20_000), true);
    } finally {
      await a.context().close();
      await f.browserContext().close();
    }
  });

  test('a Firefox host removes a Firefox member: it is told, the host reads the new password, and only the new password reaches the meeting', { timeout: 240_000 }, async () => {
    const fields = { channel: 812, password: 'firefox-removal-old' };
    const f = await openFirefoxMember(both.firefox, both.demo.url);
    const pages: { close(): Promise<void> }[] = [f.browserContext()];
    try {
      await joinFirefox(f, both.relay, { ...fields, name: 'Firefox F' });
      await openFirefoxParticipants(f);
      await eventually('Firefox F to host', async () => (await rolesShown(f))['(me)'] === 'host', 30_000);
      const a = await chromiumMember({ ...fields, name: 'Chromium A' });
      pages.push(a.context());
      const g = await openFirefoxMember(both.firefox, both.demo.url);
      pages.push(g.browserContext());
      await joinFirefox(g, both.relay, { ...fields, name: 'Firefox G' });
      await expectEveryoneSeesAndHearsEveryone(new Map<string, Evaluates>([['Firefox F', f as unknown as Evaluates], ['Chromium A', a], ['Firefox G', g as unknown as Evaluates]]));

      // Remove, pressed in Firefox F's participants panel.
      await eventually('Firefox F to offer Remove for Firefox G', () => firefoxHasButton(f, /^Remove Firefox G$/), 20_000);
      await pressFirefox(f, /^Remove Firefox G$/);
      const told = await eventually('Firefox G\'s page to say it was removed', async () => (await gateAlert(g)) || null, 30_000);
      assert.equal(told, 'You were removed from the meeting by Firefox F.');
      for (const [name, page, other] of [['Firefox F', f, 'Chromium A'], ['Chromium A', a, 'Firefox F']] as const) {
        await eventually(`${name} to see only ${other}`, async () => sameMembers(await remoteTileNames(page as unknown as Evaluates), [other]), 30_000);
      }

      // The host's notice in Firefox, shown with its Show button; Chromium A, not a host, has none.
      const notice = () => inFirefox<{ message: string; text: string } | null>(f, `(deep) => {
        const n = [...deep(document)].find((e) => e.tagName === 'NEW-PASSPHRASE');
        const part = (p) => n?.shadowRoot?.querySelector('[part~=' + p + ']');
        return n ? { message: part('message')?.textContent.trim() ?? '', text: part('passphrase')?.textContent.trim() ?? '' } : null;
      }`);
      await eventually('Firefox F to show the new password notice', async () => (await notice()) !== null, 30_000);
      await pressFirefox(f, /^Show$/);
      const shown = await eventually('the new password to show', async () => {
        const n = await notice();
        return n && /^(?:[a-z]{6}-){3}[a-z]{6}$/.test(n.text) ? n : null;
      });
      const passphrase = shown!.text;
      assert.match(shown!.message, /the meeting has a new password/);
      assert.equal(await a.locator('new-passphrase').count(), 0, 'a member who is not host sees no notice');
      await eventually('Firefox F and Chromium A to be back on the relay, on the new topic', async () =>
        (await Promise.all([f as unknown as Evaluates, a].map(meetingNow))).every((s) => s.relay === 'open'), 30_000);

      // Firefox G comes back with the password it knows, while joining is open: it reaches no one.
      await joinFirefox(g, both.relay, { ...fields, name: 'Firefox G' });
      await eventually('Firefox G to be on the relay again', async () => (await meetingNow(g as unknown as Evaluates)).state === 'joined', 30_000);

      // A newcomer in Chromium with the new password, as the host read it out: reaches both.
      const c = await chromiumMember({ channel: fields.channel, password: passphrase, name: 'Chromium C' });
      pages.push(c.context());
      await expectEveryoneSeesAndHearsEveryone(new Map<string, Evaluates>([['Firefox F', f as unknown as Evaluates], ['Chromium A', a], ['Chromium C', c]]));
      // By now G's hello went out long ago, and every member answers a hello at once: no one heard it.
      assert.deepEqual(await remoteTileNames(g as unknown as Evaluates), [], 'Firefox G reached no one');
      assert.equal((await meetingNow(g as unknown as Evaluates)).peers, 0);
      for (const [name, page] of [['Firefox F', f as unknown as Evaluates], ['Chromium A', a], ['Chromium C', c]] as const) {
        assert.ok(!(await remoteTileNames(page)).includes('Firefox G'), `${name} has no tile for Firefox G`);
      }
    } finally {
      for (const page of pages) await page.close();
    }
  });
});
