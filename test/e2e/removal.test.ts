/**
 * Removal and the new epoch, end to end: real Chromium with fake devices,
 * the demo page and our WebSocket relay, in the loopback-only namespace. The
 * host removes a member (through the removal API the single-file bundle
 * exports, as a page's own controls would); the removed member's page says
 * so; the host reads the new password from its notice; the removed member
 * rejoins with the old password while joining is open and reaches no one,
 * while a newcomer with the new password reaches everyone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { demoAndBrowserForFile, eventually, expectEveryoneSeesAndHearsEveryone, joinThroughGate, meetThroughGate, openMember, remoteTileNames, sameMembers } from './browser.js';

const CHANNEL = 614;
const OLD_PASSWORD = 'removal-test-old-pw';

const shared = demoAndBrowserForFile();

interface PageMeeting {
  id: string;
  state: string;
  relayState: string;
  peers: Map<string, { name: string }>;
  joinWindow: { open: boolean };
  feature(f: unknown): { remove(id: string): Promise<void>; epoch: number; passphrase: string | null };
}
/** What this page's core meeting says now: its state, its relay's, how many members it has. */
const meetingNow = (page: Page) => page.evaluate(() => {
  const m = (document.querySelector('secure-meeting') as unknown as { meeting: PageMeeting | null }).meeting;
  return { state: m?.state, relay: m?.relayState, peers: m?.peers.size ?? 0 };
});

/** `host` removes the member it knows by `name`, once it holds the host role (retried until then). */
const removeByName = (host: Page, name: string) => eventually(`the host to remove ${name}`, () => host.evaluate(async (who) => {
  const { removal } = await import('/dist/secure-meeting.bundle.js' as string);
  const meeting = (document.querySelector('secure-meeting') as unknown as { meeting: PageMeeting }).meeting;
  const id = [...meeting.peers].find(([, p]) => p.name === who)?.[0];
  if (!id) return false;
  try {
    await meeting.feature(removal).remove(id);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'forbidden') return false; // not host yet
    throw error;
  }
}, name));

/** The gate's error line, as a person reads it. */
const gateAlert = (page: Page) => page.evaluate(() =>
  document.querySelector('secure-meeting')?.shadowRoot?.querySelector('join-gate')?.shadowRoot?.querySelector('[role=alert]')?.textContent?.trim() ?? '');

/** The new password in the host's notice, after pressing Show the way a person does. */
async function shownPassphrase(page: Page): Promise<string> {
  const notice = page.getByRole('region', { name: /the meeting has a new password/ });
  await notice.waitFor({ timeout: 20_000 });
  await notice.getByRole('button', { name: 'Show' }).click();
  return (await notice.getByLabel('New password', { exact: true }).innerText()).trim();
}

test('a removed member is told; its rejoin with the old password reaches no one; a newcomer with the new one reaches everyone', { timeout: 240_000 }, async () => {
  const members = await meetThroughGate(shared.browser, shared.demo.url, ['Ada', 'Bo', 'Cy'], { channel: CHANNEL, password: OLD_PASSWORD });
  const [ada, bo, cy] = ['Ada', 'Bo', 'Cy'].map((n) => members.get(n)!) as [Page, Page, Page];

  await removeByName(ada, 'Bo');
  const told = await eventually('Bo\'s page to say it was removed', async () => (await gateAlert(bo)) || null);
  assert.equal(told, 'You were removed from the meeting by Ada.');
  for (const [name, page, other] of [['Ada', ada, 'Cy'], ['Cy', cy, 'Ada']] as const) {
    await eventually(`${name} to see only ${other}`, async () => sameMembers(await remoteTileNames(page), [other]));
  }

  const passphrase = await shownPassphrase(ada);
  assert.match(passphrase, /^(?:[a-z]{6}-){3}[a-z]{6}$/, 'a fresh random passphrase');
  assert.notEqual(passphrase, OLD_PASSWORD);
  assert.equal(await cy.getByRole('region', { name: /the meeting has a new password/ }).count(), 0, 'a member who is not host sees no notice');
  const epochsNow = () => Promise.all([ada, cy].map((p) => p.evaluate(async () => {
    const { removal } = await import('/dist/secure-meeting.bundle.js' as string);
    const m = (document.querySelector('secure-meeting') as unknown as { meeting: PageMeeting }).meeting;
    return { epoch: m.feature(removal).epoch, joining: m.joinWindow.open };
  })));
  // Ada's notice comes with her own move; Cy hears of it a moment later, from her.
  const epochs = await eventually('Cy to move to the new epoch too', async () => {
    const now = await epochsNow();
    return now.every((e) => e.epoch === 1) ? now : null;
  });
  assert.deepEqual(epochs, [{ epoch: 1, joining: true }, { epoch: 1, joining: true }], 'both moved to the new epoch; joining is still open');
  await eventually('Ada and Cy to be back on the relay, on the new topic', async () =>
    (await Promise.all([ada, cy].map(meetingNow))).every((s) => s.relay === 'open'));

  // Bo comes back with the password it knows, while joining is open.
  await joinThroughGate(bo, { channel: CHANNEL, password: OLD_PASSWORD, name: 'Bo' });
  await eventually('Bo to be on the relay again', async () => (await meetingNow(bo)).state === 'joined');

  // Dee comes with the new password, from the host.
  const dee = await openMember(shared.browser, shared.demo.url);
  await joinThroughGate(dee, { channel: CHANNEL, password: passphrase, name: 'Dee' });
  await expectEveryoneSeesAndHearsEveryone(new Map([['Ada', ada], ['Cy', cy], ['Dee', dee]]));

  // By now Bo's hello was out long ago, and every member answers a hello at once: no one heard it.
  assert.deepEqual(await remoteTileNames(bo), [], 'Bo reached no one');
  assert.equal((await meetingNow(bo)).peers, 0);
  for (const [name, page] of [['Ada', ada], ['Cy', cy], ['Dee', dee]] as const) {
    assert.ok(!(await remoteTileNames(page)).includes('Bo'), `${name} has no tile for Bo`);
  }
  for (const page of [ada, bo, cy, dee]) await page.context().close();
});
