/**
 * Chat end to end: real Chromium with fake devices, the demo page and our
 * WebSocket relay, in the loopback-only namespace. Messages reach everyone,
 * markup shows as text and runs nothing, a late joiner gets the history, and
 * a member's history comes back from its own IndexedDB after a reload with
 * the right password (joining alone: the others have locked joining, so no
 * one can hand it over), and not with a wrong one. IndexedDB never holds a
 * message's text or a sender's name in the clear.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { chatTexts, dumpIndexedDb, eventually, joinThroughGate, launchBrowser, meetThroughGate, openChat, openMember, sendChat, toolbarControl } from './browser.js';

const CHANNEL = 612;
const PASSWORD = 'chat-test-pw';
const XSS = '<img src=x onerror=alert(1)>';

describe('chat, end to end', () => {
  let demo: DemoServer;
  let browser: Browser;
  let members: Map<string, Page>;
  const sent: string[] = [];

  before(async () => {
    demo = await startDemoServer({ port: 0 });
    browser = await launchBrowser();
    members = await meetThroughGate(browser, demo.url, ['Alice', 'Bertrand', 'Carol'], { channel: CHANNEL, password: PASSWORD }, async (_name, page) => {
      // Any alert() or dialog at all would be script we did not write.
      page.on('dialog', (d) => void d.dismiss());
      await page.evaluate(() => Object.assign(window, { alerted: 0, alert: () => void ((window as unknown as { alerted: number }).alerted += 1) }));
    });
  }, { timeout: 180_000 });

  after(async () => {
    await browser?.close();
    await demo?.close();
  }, { timeout: 60_000 });

  test('a message reaches all three members, shown once each, with the sender\'s name', { timeout: 60_000 }, async () => {
    const text = 'Hello from Alice, the agenda is in the doc';
    await sendChat(members.get('Alice')!, text);
    sent.push(text);
    for (const [name, page] of members) {
      await eventually(`${name} to show Alice's message`, async () => (await chatTexts(page)).join('\n') === text);
      const sender = await page.evaluate(() => document.querySelector('secure-meeting')!.shadowRoot!.querySelector('chat-panel')!.shadowRoot!.querySelector('[part~=sender]')!.textContent);
      assert.equal(sender, name === 'Alice' ? 'Alice (You)' : 'Alice');
    }
  });

  test('markup shows as text and runs nothing', { timeout: 60_000 }, async () => {
    await sendChat(members.get('Bertrand')!, XSS);
    sent.push(XSS);
    for (const [name, page] of members) {
      await eventually(`${name} to show the markup as text`, async () => (await chatTexts(page)).join('\n') === sent.join('\n'));
      const seen = await page.evaluate(() => ({
        images: document.querySelector('secure-meeting')!.shadowRoot!.querySelector('chat-panel')!.shadowRoot!.querySelectorAll('img').length,
        alerted: (window as unknown as { alerted: number }).alerted,
      }));
      assert.deepEqual(seen, { images: 0, alerted: 0 }, name);
    }
  });

  test('"Send file" in the chat panel: the others see the transfer reach "ready to save", and Save gives them the same bytes', { timeout: 90_000 }, async () => {
    const bytes = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31 + 7) % 251));
    const alice = members.get('Alice')!;
    await openChat(alice);
    const picking = alice.waitForEvent('filechooser', { timeout: 20_000 });
    await alice.getByRole('button', { name: 'Send file' }).click();
    await (await picking).setFiles({ name: 'agenda.bin', mimeType: 'application/octet-stream', buffer: bytes });
    for (const name of ['Bertrand', 'Carol']) {
      const page = members.get(name)!;
      await openChat(page);
      const save = page.locator('file-transfer').getByRole('button', { name: 'Save' });
      await save.waitFor({ timeout: 60_000 });
      const downloading = page.waitForEvent('download', { timeout: 20_000 });
      await save.click();
      const download = await downloading;
      assert.equal(download.suggestedFilename(), 'agenda.bin', name);
      const stream = await download.createReadStream();
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      assert.ok(Buffer.concat(chunks).equals(bytes), `${name} saved the same bytes`);
    }
  });

  test('a member who joins later gets the history, each message once', { timeout: 120_000 }, async () => {
    const dora = await openMember(browser, demo.url);
    await joinThroughGate(dora, { channel: CHANNEL, password: PASSWORD, name: 'Dora' });
    await eventually('Dora to show the history', async () => (await chatTexts(dora)).join('\n') === sent.join('\n'), 60_000);
    // Every member that was there hands it over; still once each.
    await eventually('Dora to be connected to all three', () => dora.evaluate(() => (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, unknown> } }).meeting.peers.size === 3), 60_000);
    assert.deepEqual(await chatTexts(dora), sent);
    await dora.context().close();
  });

  test('a reloaded member sees its history again with the right password, none with a wrong one; IndexedDB holds no plaintext', { timeout: 180_000 }, async () => {
    const alice = members.get('Alice')!;
    const carol = members.get('Carol')!;
    // Joining closed everywhere: whatever Carol shows after the reload comes from her own device.
    await (await toolbarControl(alice, 'Lock now')).click();
    for (const page of members.values()) await page.getByRole('button', { name: 'Allow joining' }).waitFor({ state: 'attached', timeout: 30_000 });

    await carol.reload();
    await carol.waitForFunction(() => customElements.get('secure-meeting') !== undefined);
    assert.equal(await carol.getByLabel('Your name').inputValue(), 'Carol', 'the name is remembered');
    await joinThroughGate(carol, { channel: CHANNEL, password: PASSWORD, name: 'Carol' });
    await eventually('Carol to show her history again', async () => (await chatTexts(carol)).join('\n') === sent.join('\n'), 60_000);
    assert.equal(await carol.evaluate(() => (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, unknown> } }).meeting.peers.size), 0, 'alone: no one handed it over');

    const before = await dumpIndexedDb(carol);
    await carol.reload();
    await carol.waitForFunction(() => customElements.get('secure-meeting') !== undefined);
    await joinThroughGate(carol, { channel: CHANNEL, password: 'not-the-password', name: 'Carol' });
    const note = 'a note in the wrong room';
    await sendChat(carol, note);
    // Stored once the store has been read: by then any history it found would be shown.
    await eventually('Carol\'s note to be stored', async () => (await dumpIndexedDb(carol)).records === before.records + 1, 60_000);
    assert.deepEqual(await chatTexts(carol), [note]);

    const { dump, records } = await dumpIndexedDb(carol);
    const names = await carol.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).join(' '));
    assert.ok(!names.includes(String(CHANNEL)), `database names: ${names}`);
    assert.ok(records >= sent.length + 1, `${records} records`);
    for (const plain of [...sent, note, 'agenda', 'onerror', 'Alice', 'Bertrand']) {
      assert.ok(!dump.includes(plain), `IndexedDB holds "${plain}" in the clear`);
    }
    for (const page of members.values()) assert.equal(await page.evaluate(() => (window as unknown as { alerted?: number }).alerted ?? 0), 0);
  });
});
