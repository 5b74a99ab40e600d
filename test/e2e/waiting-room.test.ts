/**
 * The waiting room end to end: real Chromium with fake devices, the demo
 * page and our WebSocket relay, in the loopback-only namespace; every page's
 * <secure-meeting> has `waiting-room`. The first member hosts; newcomers see
 * "Waiting for the host to let you in" and connect to no one until the host
 * presses Admit, then reach everyone (video decoding from each). A denied
 * newcomer's page says so, and it never connects to anyone: its own peers
 * stay empty and no other member ever sees it join.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { demoAndBrowserForFile, eventually, expectEveryoneSeesAndHearsEveryone, joinThroughGate, openMember } from './browser.js';

const FIELDS = { channel: 613, password: 'waiting-room-test-pw' };

/** The page's <secure-meeting> with the waiting room on, and every member it ever saw join written down. */
const prepare = (page: Page) => page.evaluate(() => {
  const el = document.querySelector('secure-meeting')! as HTMLElement & { waitingRoom: boolean };
  el.waitingRoom = true;
  const seen: string[] = [];
  Object.assign(window, { smSeen: seen });
  el.addEventListener('peer-join', (e) => void seen.push((e as unknown as { peer: { name: string } }).peer.name));
});

/** What the page shows: the waiting screen's message, the knock list's names, the members it has (any state), and whom it ever saw. */
const view = (page: Page) => page.evaluate(() => {
  const el = document.querySelector('secure-meeting') as unknown as { shadowRoot: ShadowRoot; meeting: { peers: Map<string, { name: string }> } | null };
  const root = el.shadowRoot;
  const list = root.querySelector('knock-list')?.shadowRoot;
  return {
    waiting: root.querySelector('[part~=waiting-message]')?.textContent?.trim() ?? '',
    knocks: [...(list?.querySelectorAll('[part~=name]') ?? [])].map((n) => n.textContent ?? ''),
    peers: [...(el.meeting?.peers.values() ?? [])].map((p) => p.name),
    seen: (window as unknown as { smSeen: string[] }).smSeen,
    toggle: root.querySelector('[part~=waiting-room]')?.getAttribute('aria-pressed') ?? null,
  };
});

async function arrive(page: Page, name: string): Promise<void> {
  await prepare(page);
  await joinThroughGate(page, { ...FIELDS, name });
}

/** `host` sees `name` knocking and presses Admit (or Deny) in the knock list. */
async function decide(host: Page, name: string, button: 'Admit' | 'Deny'): Promise<void> {
  await eventually(`the host to see ${name} knocking`, async () => (await view(host)).knocks.includes(name));
  await host.getByRole('region', { name: /^Waiting to join/ }).getByRole('button', { name: `${button} ${name}` }).click();
}

describe('the waiting room, end to end', () => {
  const shared = demoAndBrowserForFile();
  const members = new Map<string, Page>();

  test('newcomers wait, connected to no one, until the host admits them; then each reaches everyone', { timeout: 180_000 }, async () => {
    const alice = await openMember(shared.browser, shared.demo.url);
    await arrive(alice, 'Alice');
    members.set('Alice', alice);
    // Alone, she hosts (no one answered her hello): the hosts' toggle shows the room waits.
    await eventually('Alice to host', async () => (await view(alice)).toggle === 'true', 30_000);

    for (const name of ['Bertrand', 'Carol']) {
      const page = await openMember(shared.browser, shared.demo.url);
      await arrive(page, name);
      await eventually(`${name} to be told to wait`, async () => (await view(page)).waiting === 'Waiting for the host to let you in');
      assert.deepEqual((await view(page)).peers, [], `${name} is connected to no one while waiting`);
      for (const [other, p] of members) assert.ok(!(await view(p)).peers.includes(name), `${other} has not connected to ${name}`);
      if (name === 'Carol') {
        const bertrand = await view(members.get('Bertrand')!);
        assert.deepEqual([bertrand.knocks, bertrand.toggle], [[], null], 'Bertrand, no host, has no knock list and no toggle');
      }
      await decide(alice, name, 'Admit');
      members.set(name, page);
      await eventually(`${name}'s waiting screen to give way to the meeting`, async () => (await view(page)).waiting === '');
      await expectEveryoneSeesAndHearsEveryone(members);
    }
    assert.equal((await view(members.get('Carol')!)).toggle, null, 'Carol is no host');
  });

  test('a denied newcomer is told so and never connects to anyone', { timeout: 120_000 }, async () => {
    assert.equal(members.size, 3, 'the meeting of the first test');
    const dave = await openMember(shared.browser, shared.demo.url);
    await arrive(dave, 'Dave');
    await eventually('Dave to be told to wait', async () => (await view(dave)).waiting === 'Waiting for the host to let you in');
    await decide(members.get('Alice')!, 'Dave', 'Deny');
    await eventually('Dave\'s page to say he was not let in', async () => (await view(dave)).waiting === 'The host did not let you in.');
    assert.equal(await dave.getByRole('alert').filter({ hasText: 'The host did not let you in.' }).count(), 1, 'said as an alert');
    await eventually('the host\'s knock list to empty', async () => (await view(members.get('Alice')!)).knocks.length === 0);
    // Long enough for a hello again, an offer or a late admission to have shown.
    await new Promise((r) => setTimeout(r, 3000));
    const his = await view(dave);
    assert.deepEqual([his.peers, his.seen], [[], []], 'Dave never had a peer');
    assert.equal(await dave.evaluate(() => (document.querySelector('secure-meeting') as unknown as { meeting: { relayState: string } }).meeting.relayState), 'closed', 'he left the relay');
    for (const [name, page] of members) {
      const seen = await view(page);
      assert.ok(!seen.seen.includes('Dave') && !seen.peers.includes('Dave'), `${name} never saw Dave join`);
    }
  });
});
