/**
 * What a Firefox member (Debian's firefox-esr through puppeteer-core) hears
 * and keeps, beside Chromium members (Playwright), over our ws relay: its
 * live region announces hands, chat messages, joins and leaves; its name is
 * remembered on the device; and its chat history comes back after a reload
 * from Firefox's own IndexedDB, sealed there (no plaintext), while joining is
 * closed so no one else could hand it over. Run by `npm run test:firefox` in
 * test/hermetic-firefox.sh's namespace.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dumpIndexedDb, eventually, joinThroughGate, openMember, sendChat, toolbarControl, useRelay, type Evaluates } from '../e2e/browser.js';
import { bothBrowsersForFile, firefoxChatTexts, firefoxHasButton, inFirefox, joinFirefox, meetAcross, sendFirefoxChat } from './firefox.js';

describe('Firefox announces what happens, remembers its name and keeps its chat history', () => {
  const both = bothBrowsersForFile();

  test('announced in Firefox: a hand raised and lowered, a message, a join and a leave; after a reload its name and history are back', { timeout: 180_000 }, async () => {
    const channel = 841;
    const meeting = await meetAcross(both, both.demo.url, both.relay, channel, [['chromium', 'Chromium A'], ['firefox', 'Firefox F']]);
    const password = meeting.password;
    try {
      const [a] = meeting.chromiumPages;
      const [f] = meeting.firefoxPages;
      // Everything the live region says from now on, in order.
      await inFirefox(f!, `() => {
        const region = document.querySelector('secure-meeting').shadowRoot.querySelector('[part~=announcer]');
        const heard = (window.smHeard = []);
        new MutationObserver(() => { const t = region.textContent.trim(); if (t && t !== heard.at(-1)) heard.push(t); })
          .observe(region, { childList: true, characterData: true, subtree: true });
      }`);
      const heard = () => f!.evaluate(() => (window as unknown as { smHeard: string[] }).smHeard);
      const hear = (what: string) => eventually(`Firefox to announce "${what}"`, async () => (await heard()).includes(what), 30_000);

      await (await toolbarControl(a!, 'Raise hand')).click();
      await hear('Chromium A raised a hand');
      await (await toolbarControl(a!, 'Raise hand')).click();
      await hear('Chromium A lowered their hand');
      // Firefox's chat panel is closed: the message is announced.
      await sendChat(a!, 'hello from Chromium');
      await hear('Chromium A says: hello from Chromium');
      const b = await openMember(both.chromium, both.demo.url);
      await useRelay(b, both.relay.adapter, both.relay.url);
      await joinThroughGate(b, { channel, password, name: 'Chromium B' });
      await hear('Chromium B joined');
      await b.getByRole('button', { name: 'Leave' }).click();
      await hear('Chromium B left');
      await b.context().close();
      assert.deepEqual(await heard(), ['Chromium A raised a hand', 'Chromium A lowered their hand', 'Chromium A says: hello from Chromium', 'Chromium B joined', 'Chromium B left']);

      // Firefox writes two messages; then joining closes, so whatever Firefox shows after its reload is its own.
      const sent = ['hello from Chromium', 'first from Firefox', 'second from Firefox'];
      await sendFirefoxChat(f!, sent[1]!);
      await sendFirefoxChat(f!, sent[2]!);
      await eventually('Firefox to show all three messages', async () => (await firefoxChatTexts(f!)).join('\n') === sent.join('\n'), 30_000);
      await (await toolbarControl(a!, 'Lock now')).click();
      await eventually('joining to close for Firefox', () => firefoxHasButton(f!, /^Allow joining$/), 30_000);

      await f!.reload();
      await f!.waitForFunction(() => customElements.get('secure-meeting') !== undefined);
      const name = await eventually('Firefox\'s form to be back', () => inFirefox<string | null>(f!, `(deep) =>
        [...deep(document)].find((e) => e.tagName === 'INPUT' && e.id === 'name')?.value ?? null`), 20_000);
      assert.equal(name, 'Firefox F', 'the name is remembered');
      await joinFirefox(f!, both.relay, { channel, password, name: 'Firefox F' });
      await eventually('Firefox to show its history again', async () => (await firefoxChatTexts(f!)).join('\n') === sent.join('\n'), 30_000);
      assert.equal(await f!.evaluate(() => (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, unknown> } }).meeting.peers.size), 0,
        'alone: no one handed it over');
      const { dump, records } = await dumpIndexedDb(f as unknown as Evaluates);
      assert.ok(records >= sent.length, `${records} records in Firefox's IndexedDB`);
      for (const plain of [...sent, 'Chromium A', 'Firefox F', password]) {
        assert.ok(!dump.includes(plain), `Firefox's IndexedDB holds "${plain}" in the clear`);
      }
    } finally {
      await meeting.close();
    }
  });
});
