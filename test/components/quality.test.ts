import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { en } from '../../components/i18n/en.js';
import { qualityLabel, type PeerTile } from '../../components/peer-tile/peer-tile.js';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import '../../components/index.js';
import { deepActive, inShadow, joinThrough, MemoryRelay } from './helpers.js';

// Connection quality on the tiles and the upload warning in the meeting view.

const qualityPart = (el: PeerTile) => el.shadowRoot!.querySelector<HTMLElement>('[part~=quality]');

describe('<peer-tile>: connection quality', () => {
  it('shows no indicator without a level, and bars with a level: lit as the level is good, read out with the figures', async function () {
    this.timeout(15_000);
    const el = await fixture<PeerTile>(html`<peer-tile name="Bo" controls></peer-tile>`);
    expect(qualityPart(el)).to.equal(null);
    const lit = () => qualityPart(el)!.querySelectorAll('rect.lit').length;
    for (const [level, bars] of [['good', 4], ['fair', 3], ['poor', 2], ['bad', 1]] as const) {
      el.quality = level;
      await el.updateComplete;
      expect(lit(), level).to.equal(bars);
      expect(qualityPart(el)!.dataset['level']).to.equal(level);
    }
    el.setAttribute('quality-detail', 'rtt 420 ms, loss 6 %');
    await el.updateComplete;
    expect(qualityPart(el)!.getAttribute('role')).to.equal('img');
    expect(qualityPart(el)!.getAttribute('aria-label')).to.equal('Connection: bad (rtt 420 ms, loss 6 %)');
    expect(el.getAttribute('quality'), 'reflected').to.equal('bad');
    // A level the tile does not know shows nothing rather than a wrong one.
    el.setAttribute('quality', 'splendid');
    await el.updateComplete;
    expect(qualityPart(el)).to.equal(null);
    el.quality = 'poor';
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });

  it('is reached with Tab, and its text shows on focus and on hover', async function () {
    this.timeout(15_000);
    const el = await fixture<PeerTile>(html`<peer-tile name="Bo" quality="poor" quality-detail="rtt 420 ms, loss 6 %"></peer-tile>`);
    const text = el.shadowRoot!.querySelector<HTMLElement>('[part~=quality-text]')!;
    expect(getComputedStyle(text).display).to.equal('none');
    expect(text.textContent!.trim()).to.equal(qualityLabel('poor', 'rtt 420 ms, loss 6 %', en));
    const before = document.createElement('button');
    before.textContent = 'before';
    el.before(before);
    before.focus();
    await sendKeys({ press: 'Tab' });
    expect(deepActive()).to.equal(qualityPart(el));
    expect(getComputedStyle(text).display).to.equal('block');
    const focusRing = getComputedStyle(qualityPart(el)!).outlineStyle;
    expect(focusRing).to.equal('solid');
    before.remove();
  });
});

describe('<secure-meeting>: connection quality', () => {
  it('marks each remote tile with our connection to that member, and warns (politely, Dismiss by keyboard) when the upload cannot feed the meeting', async function () {
    this.timeout(90_000);
    // Loopback has bandwidth to spare; the upload is made to look slow where
    // the page reads it: congestion control's estimate on the pair in use.
    const native = RTCPeerConnection.prototype.getStats;
    RTCPeerConnection.prototype.getStats = async function (this: RTCPeerConnection, ...args: Parameters<typeof native>) {
      const report = await native.apply(this, args);
      const out = new Map<string, unknown>();
      report.forEach((s: { id: string; type: string }) => out.set(s.id, s.type === 'candidate-pair' ? { ...s, availableOutgoingBitrate: 40_000 } : s));
      return out as unknown as RTCStatsReport;
    };
    const relay = new MemoryRelay();
    const members: SecureMeeting[] = [];
    try {
      const ada = await joinThrough(relay, 'Ada');
      members.push(ada, await joinThrough(relay, 'Bob'));
      const tile = () => inShadow(ada, '[part=grid]')!.querySelector<PeerTile>('peer-tile:not([local])');
      await waitUntil(() => tile()?.quality, 'the remote tile never got a level', { timeout: 30_000 });
      const bars = tile()!.shadowRoot!.querySelector('[part~=quality]')!;
      expect(bars.getAttribute('aria-label')).to.match(/^Connection: (good|fair|poor|bad) \(rtt \d+ ms/);
      expect(inShadow(ada, 'peer-tile[local]')!.hasAttribute('quality'), 'none on our own tile').to.equal(false);

      const status = inShadow(ada, '[part~=uplink-text]')!;
      expect(status.getAttribute('role'), 'the live region is there before the warning').to.equal('status');
      await waitUntil(() => /upload may be too slow/.test(status.textContent ?? ''), 'no upload warning', { timeout: 30_000 });
      expect(status.textContent!.trim()).to.equal(
        'Your upload may be too slow to send to the other member (40 kbit/s measured, about 150 needed for each). Video may stall; turning your camera off helps.');
      await expect(ada).to.be.accessible();
      const dismiss = inShadow<HTMLButtonElement>(ada, '[part~=uplink-dismiss]')!;
      dismiss.focus();
      expect(deepActive()).to.equal(dismiss);
      await sendKeys({ press: 'Enter' });
      await ada.updateComplete;
      expect(inShadow(ada, '[part~=uplink-dismiss]')).to.equal(null);
      expect(status.textContent!.trim()).to.equal('');
    } finally {
      RTCPeerConnection.prototype.getStats = native;
      for (const m of members) await m.leave();
    }
  });
});
