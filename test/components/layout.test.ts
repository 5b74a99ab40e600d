import { expect, waitUntil } from '@open-wc/testing';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import '../../components/index.js';
import { inShadow, meetingIn } from './helpers.js';

const active = (el: SecureMeeting) => el.shadowRoot!.activeElement;
const key = (target: Element, k: string) => target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, composed: true }));

describe('<secure-meeting>: layout', () => {
  it('the grid fills the element: one tile as large as fits at 16:9, marked "(You)"', async function () {
    this.timeout(40_000);
    const el = await meetingIn(1000, 700);
    const grid = inShadow(el, '[part=grid]')!;
    await waitUntil(() => grid.style.getPropertyValue('--_columns') === '1', 'the grid was never measured');
    const tile = inShadow(el, 'peer-tile[local]')!;
    await waitUntil(() => tile.getBoundingClientRect().width > 0.9 * Math.min(grid.clientWidth, grid.clientHeight * 16 / 9), 'the tile does not fill the grid');
    const { width, height } = tile.getBoundingClientRect();
    expect(Math.abs(width / height - 16 / 9)).to.be.below(0.02);
    expect(grid.getBoundingClientRect().bottom).to.be.below(inShadow(el, '[part~=toolbar]')!.getBoundingClientRect().top + 1);
    expect(tile.shadowRoot!.querySelector('[part~=you]')!.textContent).to.equal('(You)');
    await el.leave();
  });

  it('on a narrow element the less-used controls move into "More": keyboard-usable, Escape returns focus, accessible', async function () {
    this.timeout(40_000);
    const el = await meetingIn(390, 800);
    const more = () => inShadow<HTMLButtonElement>(el, '[part~=toolbar] [part~=more]');
    await waitUntil(() => more() !== null, '"More" never appeared');
    const menu = inShadow(el, '#more-controls')!;
    expect(more()!.getAttribute('aria-expanded')).to.equal('false');
    expect(more()!.getAttribute('aria-controls')).to.equal('more-controls');
    expect(menu.hidden).to.equal(true);
    // Pinned controls stay out of it; the least used go in.
    expect(menu.querySelector('[part~=leave], [part~=microphone]')).to.equal(null);
    expect(menu.querySelector('[part~=lock]')).to.not.equal(null);
    const leave = inShadow(el, '[part~=leave]')!.getBoundingClientRect();
    expect(leave.bottom).to.be.at.most(800);

    more()!.focus();
    more()!.click(); // Enter or Space on a button
    await waitUntil(() => !menu.hidden && menu.contains(active(el)), 'focus did not move into the menu');
    expect(more()!.getAttribute('aria-expanded')).to.equal('true');
    const controls = [...menu.querySelectorAll<HTMLButtonElement>('button:not(:disabled)')];
    expect(active(el)).to.equal(controls[0]);
    key(active(el)!, 'ArrowDown');
    expect(active(el)).to.equal(controls[1]);
    key(active(el)!, 'End');
    expect(active(el)).to.equal(controls.at(-1));
    key(active(el)!, 'ArrowDown');
    expect(active(el)).to.equal(controls[0], 'wraps round');
    await expect(el).to.be.accessible();

    key(active(el)!, 'Escape');
    await el.updateComplete;
    await waitUntil(() => active(el) === more(), 'focus did not return to "More"');
    expect(menu.hidden).to.equal(true);
    expect(more()!.getAttribute('aria-expanded')).to.equal('false');
    // ArrowDown on the button opens it too.
    key(more()!, 'ArrowDown');
    await waitUntil(() => !menu.hidden, 'ArrowDown did not open it');
    key(active(el)!, 'Escape');
    await el.leave();
  });

  it('the toolbar is laid out from observed sizes: updates that change none of it force no layout, and narrowing the element fills "More"', async function () {
    this.timeout(40_000);
    const el = await meetingIn(1000, 700);
    const more = () => inShadow(el, '[part~=toolbar] [part~=more]');
    await waitUntil(() => inShadow(el, '[part~=toolbar] [data-tool]') !== null, 'no toolbar');
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    expect(more()).to.equal(null);
    // A meeting updates many times a second while members join; none of those may read the toolbar's layout.
    const native = Element.prototype.getBoundingClientRect;
    let reads = 0;
    Element.prototype.getBoundingClientRect = function (this: Element) {
      if (this.matches('[data-tool], [data-more]')) reads++;
      return native.call(this);
    };
    try {
      for (let i = 0; i < 5; i++) {
        el.requestUpdate();
        await el.updateComplete;
      }
    } finally {
      Element.prototype.getBoundingClientRect = native;
    }
    expect(reads).to.equal(0);
    el.parentElement!.style.width = '390px';
    await waitUntil(() => more() !== null, '"More" never appeared after the element narrowed');
    el.parentElement!.style.width = '1000px';
    await waitUntil(() => more() === null, '"More" stayed after the element widened again');
    await el.leave();
  });

  it('"Share screen" shows the screen in the spotlight with the tiles as a strip, and stopping restores the grid', async function () {
    this.timeout(40_000);
    const el = await meetingIn(1000, 700);
    const share = inShadow<HTMLButtonElement>(el, '[part~=toolbar] [part~=share-screen]')!;
    expect(share.getAttribute('aria-pressed')).to.equal('false');
    share.click(); // Chromium's fake display capture: no picker under test
    await waitUntil(() => inShadow(el, '[part~=spotlight]'), 'the spotlight never showed', { timeout: 10_000 });
    expect(share.getAttribute('aria-pressed')).to.equal('true');
    expect(inShadow(el, '[part~=presenter]')!.textContent!.trim()).to.equal('You are presenting');
    const video = inShadow<HTMLVideoElement>(el, '[part~=screen]')!;
    expect((video.srcObject as MediaStream).getVideoTracks()).to.have.length(1);
    expect(video.getAttribute('aria-label')).to.equal('Your screen');
    expect(inShadow(el, '[part=grid]')!.classList.contains('strip')).to.equal(true);
    // The playing screen is not clipped to the frame's rounded shape: its corners are painted in --sm-tile-corner.
    el.style.setProperty('--sm-tile-corner', 'rgb(4, 5, 6)');
    const frame = inShadow(el, '[part~=screen-frame]')!;
    expect([getComputedStyle(frame).overflow, getComputedStyle(frame).clipPath, getComputedStyle(video).clipPath]).to.deep.equal(['visible', 'none', 'none']);
    const pieces = [...frame.querySelectorAll('.corners')].flatMap((c) => ['::before', '::after'].map((p) => getComputedStyle(c, p)));
    expect(pieces).to.have.length(4);
    for (const piece of pieces) expect(piece.backgroundImage).to.contain('rgb(4, 5, 6)');
    await expect(el).to.be.accessible();

    share.click();
    await el.updateComplete;
    expect(inShadow(el, '[part~=spotlight]')).to.equal(null);
    expect(inShadow(el, '[part=grid]')!.classList.contains('strip')).to.equal(false);
    expect(share.getAttribute('aria-pressed')).to.equal('false');
    await el.leave();
  });
});
