/**
 * Connection quality end to end: three members in real Chromium with fake
 * devices, through the demo page and our WebSocket relay, in the
 * loopback-only namespace. Loss added to one pair's link (nftables, random
 * drops on that link's sockets only) lowers that pair's indicator on both
 * their tiles, while the tiles of the other pairs are not lowered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { NetCut } from '../support/netcut.js';
import { demoMeeting, eventually } from './browser.js';
import { linkBetween } from './links.js';

const LEVELS = ['good', 'fair', 'poor', 'bad'];
/**
 * Dropped on the wire, each way. The statistics count only what repairs
 * (NACK retransmission, audio redundancy) did not recover: 25 % dropped by
 * nftables (its counters said 456 of 1777) showed as 5–8 % lost here, past
 * the "fair" bound (2 %).
 */
const LOSS_PERCENT = 25;

/** The quality each remote tile shows, by member name: the level, and what it reads out. */
const tileQuality = (page: Page) => page.evaluate(() => {
  const tiles = [...document.querySelector('secure-meeting')!.shadowRoot!.querySelectorAll('peer-tile:not([local])')];
  return Object.fromEntries(tiles.map((t) => [t.getAttribute('name') ?? '', {
    level: t.getAttribute('quality') ?? '',
    label: t.shadowRoot?.querySelector('[part~=quality]')?.getAttribute('aria-label') ?? '',
  }]));
});

type Views = Record<string, Record<string, string>>;

/** Every member's levels for every other member ("Alice" → "Carol" → "good"). */
async function levels(members: Map<string, Page>): Promise<Views> {
  const out: Views = {};
  for (const [name, page] of members) {
    out[name] = Object.fromEntries(Object.entries(await tileQuality(page)).map(([n, q]) => [n, q.level]));
  }
  return out;
}

const everyTileHasALevel = (v: Views, names: string[]) =>
  names.every((n) => names.filter((o) => o !== n).every((o) => LEVELS.includes(v[n]?.[o] ?? '')));

test('loss on one pair\'s link lowers that pair\'s quality indicator; the other pairs\' are not lowered', { timeout: 300_000 }, async (t) => {
  const names = ['Alice', 'Bertrand', 'Carol'];
  const meeting = await demoMeeting(names, { channel: 613, password: 'quality-e2e-pw' });
  const cut = await NetCut.create();
  try {
    const { members } = meeting;
    // A level on every tile, and the same levels two samples later: the meeting has settled.
    let before: Views = {};
    await eventually('every tile to show a settled level', async () => {
      const first = await levels(members);
      if (!everyTileHasALevel(first, names)) return false;
      await new Promise((r) => setTimeout(r, 4500));
      const again = await levels(members);
      before = again;
      return JSON.stringify(first) === JSON.stringify(again);
    }, 90_000);
    assert.notEqual(before['Alice']!['Bertrand'], 'bad', `room to drop: ${JSON.stringify(before)}`);
    assert.notEqual(before['Bertrand']!['Alice'], 'bad', `room to drop: ${JSON.stringify(before)}`);

    const link = await linkBetween(members.get('Alice')!, members.get('Bertrand')!);
    assert.ok(link, 'Alice and Bertrand have a link');
    await cut.lose([...link.a.local, ...link.b.local], LOSS_PERCENT);

    const rank = (level: string | undefined) => LEVELS.indexOf(level ?? '');
    const others = [['Alice', 'Carol'], ['Carol', 'Alice'], ['Bertrand', 'Carol'], ['Carol', 'Bertrand']] as const;
    const seen: Views[] = [];
    // eventually() returns only a truthy value: the levels once dropped.
    const after = await eventually<Views | false>('Alice and Bertrand to show each other at least a level lower', async () => {
      const now = await levels(members);
      seen.push(now);
      const dropped = rank(now['Alice']!['Bertrand']) > rank(before['Alice']!['Bertrand']) &&
        rank(now['Bertrand']!['Alice']) > rank(before['Bertrand']!['Alice']);
      return dropped ? now : false;
    }, 60_000) as Views;
    // The other pairs are not lowered by it. One may come back up from a level the busy machine
    // gave it before (a CI run saw Carol's tile for Alice settle at "fair", then return to "good").
    for (const [viewer, other] of others) {
      assert.ok(rank(after[viewer]![other]) <= rank(before[viewer]![other]), `${viewer}'s tile for ${other} not lowered: ${JSON.stringify({ before, after })}`);
      assert.ok(seen.every((v) => rank(v[viewer]![other]) <= rank(before[viewer]![other])), `${viewer}'s tile for ${other} never lowered: ${JSON.stringify(seen)}`);
    }
    // What the lowered tile reads out says why.
    const label = (await tileQuality(members.get('Alice')!))['Bertrand']!.label;
    const loss = Number(/loss ([\d.]+) %/.exec(label)?.[1]);
    assert.ok(loss >= 5, `Alice's tile for Bertrand reports the loss: "${label}"`);
    t.diagnostic(`before ${JSON.stringify(before)}; after ${JSON.stringify(after)}; Alice reads out "${label}"; ${seen.length} polls`);
  } finally {
    await cut.close();
    await meeting.close();
  }
});
