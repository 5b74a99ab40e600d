/**
 * Chromium and Firefox members in one meeting: Debian's firefox-esr through
 * puppeteer-core (WebDriver BiDi) beside Playwright's Chromium, over our ws
 * relay and over a real Mosquitto, two members (Chromium, Firefox) and three
 * (Chromium, Firefox, Chromium). Each member decodes every other's video and
 * receives their audio; chat goes both ways. Hands go both ways, and a
 * screen share headless Firefox refuses is said in words. Run by `npm run test:firefox`
 * in test/hermetic-firefox.sh's namespace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Browser as Firefox } from 'puppeteer-core';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { chatTexts, eventually, expectEveryoneSeesAndHearsEveryone, launchBrowser, sendChat, toolbarControl, type Evaluates } from '../e2e/browser.js';
import { firefoxChatTexts, firefoxStatusTexts, launchFirefox, meetAcross, pressFirefox, sendFirefoxChat, type Relay } from './firefox.js';

/** Whose hands are up, as the member's tiles show them. */
const raisedHands = (page: Evaluates): Promise<string[]> =>
  page.evaluate(() =>
    [...document.querySelector('secure-meeting')!.shadowRoot!.querySelectorAll('peer-tile[hand-raised]')].map((t) => t.getAttribute('name') ?? ''));

describe('Chromium and Firefox members meet', () => {
  let demo: DemoServer;
  let chromium: Browser;
  let firefox: Firefox;
  let mosquitto: Mosquitto;
  const relays: Record<string, () => Relay> = {};

  before(async () => {
    demo = await startDemoServer({ port: 0 });
    mosquitto = await startMosquitto();
    chromium = await launchBrowser();
    firefox = await launchFirefox();
    relays['our ws relay'] = () => ({ adapter: 'ws', url: `${demo.url.replace(/^http/, 'ws').replace(/\/$/, '')}/relay/[TOPIC]` });
    relays['Mosquitto'] = () => ({ adapter: 'mqtt', url: mosquitto.url });
  }, { timeout: 90_000 });

  after(async () => {
    await firefox?.close();
    await chromium?.close();
    await mosquitto?.close();
    await demo?.close();
  }, { timeout: 60_000 });

  const meet = (relay: Relay, channel: number, lineup: Array<['chromium' | 'firefox', string]>) =>
    meetAcross({ chromium, firefox }, demo.url, relay, channel, lineup);

  test('in Firefox: a raised hand reaches Chromium and back; a screen share the browser refuses is said in words, and the meeting goes on', { timeout: 120_000 }, async () => {
    const meeting = await meet(relays['our ws relay']!(), 781, [['chromium', 'Chromium A'], ['firefox', 'Firefox F']]);
    try {
      const [a] = meeting.chromiumPages;
      const [f] = meeting.firefoxPages;
      await pressFirefox(f!, /Raise hand/);
      await eventually('Chromium to see Firefox’s hand', async () => (await raisedHands(a!)).includes('Firefox F'));
      await (await toolbarControl(a!, 'Raise hand')).click();
      await eventually('Firefox to see Chromium’s hand', async () => (await raisedHands(f! as unknown as Evaluates)).includes('Chromium A'));
      // Headless Firefox refuses getDisplayMedia: the kit says so rather than breaking.
      await pressFirefox(f!, /^Share screen/);
      const said = await eventually('Firefox to say the screen was not shared', async () =>
        (await firefoxStatusTexts(f!)).find((t) => t.includes('the screen was not shared')), 20_000);
      assert.equal(said, 'the screen was not shared: the browser refused, or the choice was cancelled');
      await expectEveryoneSeesAndHearsEveryone(new Map<string, Evaluates>([['Chromium A', a!], ['Firefox F', f! as unknown as Evaluates]]));
    } finally {
      await meeting.close();
    }
  });

  for (const [index, relayName] of ['our ws relay', 'Mosquitto'].entries()) {
    test(`${relayName}: Chromium and Firefox see and hear each other and chat both ways`, { timeout: 120_000 }, async () => {
      const meeting = await meet(relays[relayName]!(), 761 + index, [['chromium', 'Chromium A'], ['firefox', 'Firefox F']]);
      try {
        const [a] = meeting.chromiumPages;
        const [f] = meeting.firefoxPages;
        await sendChat(a!, 'from Chromium');
        await eventually('Firefox to show the message', async () => (await firefoxChatTexts(f!)).includes('from Chromium'), 30_000);
        await sendFirefoxChat(f!, 'from Firefox');
        await eventually('Chromium to show the message', async () => (await chatTexts(a!)).includes('from Firefox'), 30_000);
        assert.deepEqual(await chatTexts(a!), ['from Chromium', 'from Firefox']);
      } finally {
        await meeting.close();
      }
    });

    test(`${relayName}: Chromium, Firefox and Chromium, each decoding and hearing the two others`, { timeout: 150_000 }, async () => {
      const meeting = await meet(relays[relayName]!(), 771 + index, [['chromium', 'Chromium A'], ['firefox', 'Firefox F'], ['chromium', 'Chromium C']]);
      await meeting.close();
    });
  }
});
