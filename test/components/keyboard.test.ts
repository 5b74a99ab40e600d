import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/index.js';
import { deepActive, joinThrough, meetingIn, MemoryRelay } from './helpers.js';

/** Presses Tab from the start of the page until every one of `controls` had focus (40 presses at most): those never reached, and those focused without a ring. */
async function tabThrough(controls: HTMLButtonElement[]): Promise<{ missed: string[]; unringed: string[] }> {
  (document.activeElement as HTMLElement | null)?.blur();
  const reached = new Set<Element>();
  const unringed: string[] = [];
  for (let i = 0; i < 40 && reached.size < controls.length; i++) {
    await sendKeys({ press: 'Tab' });
    const active = deepActive();
    if (!active || !controls.includes(active as HTMLButtonElement)) continue;
    reached.add(active);
    const style = getComputedStyle(active);
    if (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2) unringed.push(active.getAttribute('part') ?? active.textContent!.trim());
  }
  return { missed: controls.filter((c) => !reached.has(c)).map((c) => c.getAttribute('part') ?? ''), unringed };
}

describe('<secure-meeting>: keyboard', () => {
  it('Tab reaches every control of the meeting view, each with a visible focus ring', async function () {
    this.timeout(40_000);
    const el = await meetingIn(1100, 700);
    const controls = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~=toolbar] button')].filter((b) => !b.disabled && b.offsetParent !== null);
    expect(controls.length).to.be.above(5, 'the toolbar has its controls');
    const { missed, unringed } = await tabThrough(controls);
    expect(missed, 'controls Tab never reached').to.deep.equal([]);
    expect(unringed, 'controls focused without a visible ring').to.deep.equal([]);
    await el.leave();
  });

  it('Tab reaches each control on another member\'s tile (silence, hide video, verify, disconnect), each with a visible focus ring', async function () {
    this.timeout(60_000);
    const relay = new MemoryRelay();
    const ada = await joinThrough(relay, 'Ada');
    const bo = await joinThrough(relay, 'Bo');
    await waitUntil(() => ada.shadowRoot!.querySelector('peer-tile:not([local])')?.shadowRoot?.querySelector('[part~=controls] button'), 'Bo\'s tile never showed its controls', { timeout: 20_000 });
    const tile = ada.shadowRoot!.querySelector('peer-tile:not([local])')!;
    const controls = [...tile.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~=controls] button')].filter((b) => !b.disabled);
    expect(controls.length).to.be.at.least(3);
    // From the start of the page: Ada's element comes first, and in it the grid's tiles before the toolbar.
    const { missed, unringed } = await tabThrough(controls);
    expect(missed, 'tile controls Tab never reached').to.deep.equal([]);
    expect(unringed, 'tile controls focused without a visible ring').to.deep.equal([]);
    await Promise.all([bo.leave(), ada.leave()]);
  });
});
