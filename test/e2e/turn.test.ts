/**
 * TURN with short-lived credentials, end to end: a real coturn on loopback
 * (`use-auth-secret`), the relay CLI issuing its credentials and carrying
 * the signaling, and real Chromium members told `ice-transport-policy="relay"`:
 * media flows only through coturn. An expired credential is refused by
 * coturn and the member is told so in words.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { readCli, type CliConfig } from '../../adapters/cli/options.js';
import { startRelay, type RunningRelay } from '../../adapters/cli/relay.js';
import { turnCredentials } from '../../adapters/cli/turn.js';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import { eventually, expectEveryoneSeesAndHearsEveryone, joinThroughGate, launchBrowser, openMember, selectedTypes, useRelay } from './browser.js';

const API_KEY = 'site-key-5120';

describe('TURN with short-lived credentials from the relay CLI', () => {
  let coturn: Coturn;
  let relay: RunningRelay;
  let base: string;
  let demo: DemoServer;
  let browser: Browser;

  before(async () => {
    coturn = await startCoturn();
    const config = readCli(['--port', '0', '--api-keys', API_KEY, '--turn-urls', coturn.url, '--turn-ttl', '600'], {
      SM_TURN_SECRET: coturn.secret,
    }) as CliConfig;
    relay = await startRelay(config, () => {});
    base = `http://127.0.0.1:${relay.address().port}`;
    demo = await startDemoServer({ port: 0 });
    browser = await launchBrowser();
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
    await demo?.close();
    await relay?.stop();
    await coturn?.stop();
  }, { timeout: 60_000 });

  async function member(name: string, channel: number, setUp: (page: Page) => Promise<void>): Promise<Page> {
    const page = await openMember(browser, demo.url);
    await useRelay(page, 'ws', `${base.replace('http', 'ws')}/relay/[TOPIC]?apiKey=[API_KEY]`, { apiKey: API_KEY });
    await page.evaluate(() => document.querySelector('secure-meeting')!.setAttribute('ice-transport-policy', 'relay'));
    await setUp(page);
    await joinThroughGate(page, { channel, password: `turn-only-${channel}`, name });
    return page;
  }

  test('relay-only: two members meet with fetched credentials, every media path goes through coturn', { timeout: 90_000 }, async () => {
    const fetched = (page: Page) => page.evaluate((url) => document.querySelector('secure-meeting')!.setAttribute('ice-credentials-url', url), `${base}/turn-credentials`);
    const members = new Map<string, Page>();
    for (const name of ['Alice', 'Bertrand']) members.set(name, await member(name, 811, fetched));
    await expectEveryoneSeesAndHearsEveryone(members);
    for (const [name, page] of members) {
      const types = await selectedTypes(page);
      assert.ok(types.length >= 1, `${name} has a connection in use`);
      for (const pair of types) assert.deepEqual(pair, { local: 'relay', remote: 'relay' }, `${name}'s path is through TURN only`);
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^secure_meeting_relay_turn_credentials_total\{outcome="issued"\} [2-9]\d*$/m);

    // A refreshed set reaches every open connection (setConfiguration in Chromium), for its next gathering.
    const fresh = turnCredentials(coturn.secret, [coturn.url], 600).iceServers;
    const usernames = await members.get('Alice')!.evaluate((servers) => {
      const el = document.querySelector('secure-meeting') as unknown as { meeting: { setIceServers(s: RTCIceServer[]): void } };
      el.meeting.setIceServers(servers);
      return (window as unknown as { smConnections: RTCPeerConnection[] }).smConnections
        .filter((pc) => pc.signalingState !== 'closed')
        .map((pc) => pc.getConfiguration().iceServers?.[0]?.username);
    }, fresh);
    assert.ok(usernames.length >= 1, 'Alice has open connections');
    assert.deepEqual(new Set(usernames), new Set([fresh[0]!.username]), 'every open connection has the new credential');
    for (const page of members.values()) await page.context().close();
  });

  test('an expired credential is refused by coturn and the member is told why', { timeout: 60_000 }, async () => {
    // Issued the way the CLI does, but two minutes past its expiry.
    const expired = turnCredentials(coturn.secret, [coturn.url], -120).iceServers;
    const given = (page: Page) =>
      page.evaluate((servers) => {
        const el = document.querySelector('secure-meeting')!;
        el.iceServers = servers;
        (window as unknown as { smErrors: string[] }).smErrors = [];
        el.addEventListener('meeting-error', (e) => (window as unknown as { smErrors: string[] }).smErrors.push((e as unknown as { error: Error }).error.message));
      }, expired);
    const pages = [await member('Carol', 812, given), await member('Dora', 812, given)];
    const said = await eventually('Carol to be told coturn refused the credentials', async () => {
      const errors = await pages[0]!.evaluate(() => (window as unknown as { smErrors: string[] }).smErrors);
      return errors.find((m) => m.includes('refused our credentials'));
    }, 30_000);
    assert.match(String(said), /^secure-meeting: the TURN server turn:127\.0\.0\.1:\d+\?transport=udp refused our credentials \(401[^)]*\); they may have expired$/);
    assert.deepEqual(await selectedTypes(pages[0]!), [], 'no media path without a TURN allocation');
    for (const page of pages) await page.context().close();
  });
});
