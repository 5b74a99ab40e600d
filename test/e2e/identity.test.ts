/**
 * Member identity end to end (issue 10): real Chromium, the demo page, our
 * WebSocket relay, in the loopback-only namespace. Someone who knows the
 * password but not a member's identity key cannot make the others drop that
 * member; and two members see the same safety code for their pair.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { deriveRoomKeys } from '../../core/crypto.js';
import { EnvelopeCodec } from '../../core/envelope.js';
import { createIdentity } from '../../core/identity.js';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { eventually, expectEveryoneSeesAndHearsEveryone, joinThroughGate, launchBrowser, openMember, remoteTileNames, sameMembers } from './browser.js';

const CHANNEL = 733;
const PASSWORD = 'identity-check-pw';
const NAMES = ['Alice', 'Bertrand', 'Carol'];

type Win = { meeting: { peers: Map<string, { name: string }>; dropped: Record<string, number> } };
const meetingOf = (page: Page) => page.evaluate(() => {
  const { meeting } = document.querySelector('secure-meeting') as unknown as Win;
  return { ids: Object.fromEntries([...meeting.peers.values()].map((p) => [p.name, (p as unknown as { id: string }).id])), forged: meeting.dropped['forged'] ?? 0 };
});

/** The codes on this member's "Safety codes" panel, by row label. */
async function shownCodes(page: Page): Promise<Record<string, string>> {
  const toolbar = page.getByRole('group', { name: 'Meeting controls' });
  await toolbar.getByRole('button', { name: 'Safety codes' }).click();
  const panel = page.getByRole('region', { name: 'Safety codes' });
  await eventually('codes for everyone', async () => (await panel.locator('dd').allTextContents()).every((t) => /^\d{5} \d{5} \d{5} \d{5}$/.test(t.trim())));
  const rows = await panel.locator('[part~=safety-pair]').evaluateAll((els) => els.map((el) => [el.querySelector('dt')!.textContent!.trim(), el.querySelector('dd')!.textContent!.trim()]));
  return Object.fromEntries(rows);
}

describe('member identity, end to end', () => {
  let demo: DemoServer;
  let browser: Browser;
  const members = new Map<string, Page>();

  before(async () => {
    demo = await startDemoServer({ port: 0 });
    browser = await launchBrowser();
    for (const name of NAMES) {
      const page = await openMember(browser, demo.url);
      await joinThroughGate(page, { channel: CHANNEL, password: PASSWORD, name });
      members.set(name, page);
    }
    await expectEveryoneSeesAndHearsEveryone(members);
  }, { timeout: 90_000 });

  after(async () => {
    await browser?.close();
    await demo?.close();
  }, { timeout: 60_000 });

  test('a bye sealed with the password "from" Alice by someone else: Alice stays in every grid, and the forgery is counted', { timeout: 60_000 }, async () => {
    const bertrand = members.get('Bertrand')!;
    const alice = (await meetingOf(bertrand)).ids['Alice'];
    assert.ok(alice, 'Bertrand knows Alice');
    // Mallory knows the password and the channel, so she derives the room key and topic, but she holds only her own identity key.
    const keys = await deriveRoomKeys({ password: PASSWORD, channel: CHANNEL });
    const mallory = await createIdentity();
    const forged = await new EnvelopeCodec(keys, { ...mallory, id: alice }).seal({ type: 'bye', body: {} });
    const socket = new WebSocket(`${demo.url.replace('http', 'ws')}relay/${keys.topic}`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(forged);
    await eventually('Bertrand and Carol to count the forgery', async () =>
      (await meetingOf(bertrand)).forged >= 1 && (await meetingOf(members.get('Carol')!)).forged >= 1);
    socket.close();
    // Liveness would drop a member wrongly closed within seconds; give it that long.
    await new Promise((r) => setTimeout(r, 3000));
    for (const [name, page] of members) {
      const others = NAMES.filter((n) => n !== name);
      assert.ok(sameMembers(await remoteTileNames(page), others), `${name} still sees ${others.join(' and ')}`);
    }
    await expectEveryoneSeesAndHearsEveryone(members);
  });

  test('two members see the same safety code for their pair, and everyone the same room code', { timeout: 60_000 }, async () => {
    const codes = new Map<string, Record<string, string>>();
    for (const [name, page] of members) codes.set(name, await shownCodes(page));
    for (const a of NAMES) {
      for (const b of NAMES) if (a !== b) assert.equal(codes.get(a)![b], codes.get(b)![a], `${a} and ${b} see the same code`);
    }
    assert.notEqual(codes.get('Alice')!['Bertrand'], codes.get('Alice')!['Carol'], 'each pair has its own code');
    const rooms = new Set(NAMES.map((n) => codes.get(n)!['Everyone (room code)']));
    assert.equal(rooms.size, 1, 'one room code');
  });
});
