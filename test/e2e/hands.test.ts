/**
 * Raise hand, the participants panel and the active speaker, end to end:
 * real Chromium with fake devices, the demo page and our WebSocket relay, in
 * the loopback-only namespace. One member's microphone is a loud, steady
 * tone (a WebAudio oscillator at full gain, lent to <secure-meeting> as its
 * media); the others keep Chromium's fake microphone, a short beep twice a
 * second.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { lendLoudMicrophone } from './audio.js';
import { eventually, launchBrowser, meetThroughGate } from './browser.js';

const NAMES = ['Alice', 'Bertrand', 'Carol'];

/** What this member's screen shows of each member's tile: hand raised, speaking. By name; ours as "(you)". */
const tiles = (page: Page) => page.evaluate(() => {
  const root = document.querySelector('secure-meeting')!.shadowRoot!;
  return [...root.querySelectorAll('peer-tile')].map((t) => ({
    name: t.hasAttribute('local') ? '(you)' : t.getAttribute('name'),
    hand: t.hasAttribute('hand-raised') && /Hand raised/.test(t.shadowRoot?.textContent ?? ''),
    speaking: t.hasAttribute('speaking') && t.getAttribute('part')!.split(' ').includes('speaking-tile'),
  }));
});

/** The participants panel's rows as a person reads them (opening it if needed). */
async function participantRows(page: Page): Promise<string[]> {
  const toggle = page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name: /^Participants/ });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  return page.getByRole('region', { name: /^Participants/ }).getByRole('listitem').allInnerTexts()
    .then((rows) => rows.map((r) => r.replace(/\s+/g, ' ').trim()));
}

describe('raise hand, participants and active speaker, end to end', () => {
  let demo: DemoServer;
  let browser: Browser;
  let members: Map<string, Page>;

  before(async () => {
    demo = await startDemoServer({ port: 0 });
    browser = await launchBrowser();
    members = await meetThroughGate(browser, demo.url, NAMES, { channel: 611, password: 'hands-test-pw' },
      (name, page) => (name === 'Alice' ? lendLoudMicrophone(page) : Promise.resolve()));
  }, { timeout: 120_000 });

  after(async () => {
    await browser?.close();
    await demo?.close();
  }, { timeout: 60_000 });

  test('a raised hand is seen by all three members, on the tile and in the participants panel, and lowered again', { timeout: 60_000 }, async () => {
    const bertrand = members.get('Bertrand')!;
    const hand = bertrand.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name: 'Raise hand' });
    await hand.click();
    assert.equal(await hand.getAttribute('aria-pressed'), 'true');
    for (const [name, page] of members) {
      const bertrandsTile = name === 'Bertrand' ? '(you)' : 'Bertrand';
      await eventually(`${name} to see Bertrand's hand on his tile`, async () => {
        const seen = await tiles(page);
        return seen.every((t) => t.hand === (t.name === bertrandsTile)) && seen.length === 3;
      });
      const rows = await participantRows(page);
      assert.equal(rows.length, 3, `${name}: ${rows.join(' | ')}`);
      // Alice hosts (the first to join): her rows end with host controls, Lower hand among them.
      assert.match(rows[0]!, name === 'Bertrand' ? /^Bertrand \(You\) ✋ Hand raised \(1\)/ : /^Bertrand ✋ Hand raised \(1\) .*Connected( Mute Lower hand .*)?$/, `${name} lists Bertrand first, hand up`);
      assert.equal(rows.filter((r) => r.includes('Hand raised')).length, 1, `${name}: ${rows.join(' | ')}`);
      assert.ok(rows.some((r) => r.startsWith(`${name} (You)`)), `${name} sees themself as You`);
    }
    await hand.click();
    for (const [name, page] of members) {
      await eventually(`${name} to see Bertrand's hand lowered`, async () => (await tiles(page)).every((t) => !t.hand));
      await eventually(`${name}'s panel to show no hands`, async () => (await participantRows(page)).every((r) => !r.includes('Hand raised')));
    }
  });

  test('the whole meeting view, with chat and participants open, passes an axe check (shadow roots included)', { timeout: 60_000 }, async () => {
    const carol = members.get('Carol')!;
    const controls = carol.getByRole('group', { name: 'Meeting controls' });
    await participantRows(carol); // opens the panel
    const chat = controls.getByRole('button', { name: /^Chat/ });
    if ((await chat.getAttribute('aria-expanded')) !== 'true') await chat.click();
    await carol.getByRole('log', { name: 'Messages' }).waitFor({ timeout: 10_000 });
    await carol.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
    const result = await carol.evaluate(async () => {
      const { axe } = window as unknown as { axe: { run(ctx: unknown, o: object): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[]; passes: unknown[] }> } };
      // WCAG 2.1 A and AA; what a person meets, not best-practice advice.
      const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      // That it sees into the shadow roots: a nameless button put in one is found.
      const planted = document.createElement('button');
      document.querySelector('secure-meeting')!.shadowRoot!.append(planted);
      const seen = await axe.run(document, { runOnly: { type: 'rule', values: ['button-name'] } });
      planted.remove();
      return {
        violations: r.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`),
        passes: r.passes.length,
        planted: seen.violations.map((v) => v.id),
      };
    });
    assert.deepEqual(result.violations, []);
    assert.ok(result.passes > 10, `axe checked the view (${result.passes} rules passed)`);
    assert.deepEqual(result.planted, ['button-name'], 'axe finds a nameless button inside the shadow root');
  });

  test('the member whose microphone is loud becomes the active speaker on the others\' screens', { timeout: 60_000 }, async () => {
    for (const name of ['Bertrand', 'Carol']) {
      const page = members.get(name)!;
      const seen = await eventually(`${name} to see Alice as the one speaking`, async () => {
        const now = await tiles(page);
        return now.filter((t) => t.speaking).map((t) => t.name).join() === 'Alice' ? now : null;
      });
      assert.equal(seen?.length, 3);
      // Steady, not a flicker: still Alice a few samples later.
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual((await tiles(page)).filter((t) => t.speaking).map((t) => t.name), ['Alice'], `${name} still sees Alice speaking`);
    }
  });
});
