/**
 * A cut link between a Firefox member (Debian's firefox-esr through
 * puppeteer-core) and a Chromium one (Playwright): nftables drops every
 * packet of that pair's sockets inside test/hermetic-firefox.sh's namespace
 * (NetCut). ICE restarts across the two browsers, on new sockets, while no
 * one leaves: through the relay while joining is open, twice, with each
 * browser as the one that restarts (a Chromium restart once wedged on
 * Firefox's answer: core/mesh/dtls-role.ts); and through a third member's
 * control channel when joining is closed and no one is on the relay. Run by
 * `npm run test:firefox`.
 *
 * The packets are dropped on arrival (NetCut's input hook), lost in transit
 * as on a network. A drop on the way out fails the sender's send() at once,
 * and Firefox then fails its ICE within half a second, before any restart;
 * its data channel closes with it, which the kit reads as the member gone
 * (the README's "When the network misbehaves" says so).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deriveRoomKeys } from '../../core/crypto.js';
import { eventually, toolbarControl, type Evaluates } from '../e2e/browser.js';
import { expectCutLinkRepaired, type LinkedPage } from '../e2e/links.js';
import { bothBrowsersForFile, meetAcross, type CrossMeeting } from './firefox.js';

describe('a cut link between Firefox and Chromium is restored', () => {
  const both = bothBrowsersForFile();

  /**
   * A meeting of a Chromium and a Firefox member in which `restarter`'s browser restarts ICE: of a pair, the member
   * with the greater id does (mesh.ts: the lower id is polite). Ids are drawn at join, so it meets again until so.
   * The restarter joins second, so it answered the first offer and holds the DTLS client role: the case in which
   * the answer to its restart must keep roles (dtls-role.ts).
   */
  async function meetWithRestarter(restarter: 'chromium' | 'firefox', channel: number): Promise<CrossMeeting> {
    const lineup: Array<['chromium' | 'firefox', string]> = [['chromium', 'Chromium A'], ['firefox', 'Firefox F']];
    if (restarter === 'chromium') lineup.reverse();
    for (let attempt = 0; ; attempt++) {
      const meeting = await meetAcross(both, both.demo.url, both.relay, channel + attempt, lineup);
      const idOf = (page: Evaluates) => page.evaluate(() => (document.querySelector('secure-meeting') as unknown as { meeting: { id: string } }).meeting.id);
      const [a, f] = [await idOf(meeting.members.get('Chromium A')!), await idOf(meeting.members.get('Firefox F')!)];
      if ((restarter === 'chromium') === a > f) return meeting;
      await meeting.close();
      if (attempt === 7) throw new Error(`no meeting in 8 in which ${restarter} restarts`);
    }
  }

  for (const [restarter, channel] of [['chromium', 851], ['firefox', 861]] as const) {
    test(`joining open, ${restarter === 'chromium' ? 'Chromium' : 'Firefox'} restarting ICE: restored through the relay, twice, on new sockets, no one leaving`, { timeout: 180_000 }, async () => {
      const meeting = await meetWithRestarter(restarter, channel);
      try {
        const members = meeting.members as unknown as ReadonlyMap<string, LinkedPage>;
        // Twice: the first restart's negotiation must leave the connection ready for the next.
        await expectCutLinkRepaired(members, 'Chromium A', 'Firefox F', { hook: 'input' });
        await expectCutLinkRepaired(members, 'Firefox F', 'Chromium A', { hook: 'input' });
      } finally {
        await meeting.close();
      }
    });
  }

  test('joining closed: a cut link between Chromium and Firefox is restored through the third member, with no one on the relay', { timeout: 180_000 }, async () => {
    const channel = 871;
    const meeting = await meetAcross(both, both.demo.url, both.relay, channel, [['chromium', 'Chromium A'], ['firefox', 'Firefox F'], ['chromium', 'Chromium B']]);
    try {
      const topic = (await deriveRoomKeys({ password: meeting.password, channel })).topic;
      await (await toolbarControl(meeting.chromiumPages[1]!, 'Lock now')).click();
      await eventually('the relay to be empty', async () => both.demo.relay.connections(topic) === 0, 30_000);
      await expectCutLinkRepaired(meeting.members as unknown as ReadonlyMap<string, LinkedPage>, 'Firefox F', 'Chromium A', { hook: 'input' });
      assert.equal(both.demo.relay.connections(topic), 0, 'restored through Chromium B, without the relay');
    } finally {
      await meeting.close();
    }
  });
});
