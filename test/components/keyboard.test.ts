import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/index.js';
import { deepActive, joinThrough, meetingIn, MemoryRelay } from './helpers.js';

const nameOf = (control: Element): string =>
  control.getAttribute('part') ?? control.getAttribute('aria-label') ?? control.id ?? control.textContent!.trim();

/** Presses Tab from the start of the page until every one of `controls` had focus (`presses` at most): those never reached, and those focused without a ring. */
async function tabThrough(controls: HTMLElement[], presses = 40): Promise<{ missed: string[]; unringed: string[] }> {
  (document.activeElement as HTMLElement | null)?.blur();
  const reached = new Set<Element>();
  const unringed: string[] = [];
  for (let i = 0; i < presses && reached.size < controls.length; i++) {
    await sendKeys({ press: 'Tab' });
    const active = deepActive();
    if (!active || !controls.includes(active as HTMLElement)) continue;
    reached.add(active);
    const style = getComputedStyle(active);
    if (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2) unringed.push(nameOf(active));
  }
  return { missed: controls.filter((c) => !reached.has(c)).map(nameOf), unringed };
}

/** The controls a person can operate in a shadow root: enabled, shown, not taken out of the tab order. */
const operable = (root: ShadowRoot): HTMLElement[] =>
  [...root.querySelectorAll<HTMLElement>('button, input, textarea, select, [tabindex="0"]')].filter(
    (c) => !(c as HTMLButtonElement).disabled && c.offsetParent !== null && c.getAttribute('type') !== 'file',
  );

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

  it('Tab reaches every control inside the open chat and participants panels, each with a visible focus ring', async function () {
    this.timeout(60_000);
    const relay = new MemoryRelay();
    const ada = await joinThrough(relay, 'Ada');
    const bo = await joinThrough(relay, 'Bo');
    const toolbar = () => [...ada.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~=toolbar] button')];
    for (const name of [/^Chat/, /^Participants/]) toolbar().find((b) => name.test(b.getAttribute('aria-label') ?? b.textContent!.trim()))!.click();
    const panel = (tag: string) => ada.shadowRoot!.querySelector(tag)?.shadowRoot ?? null;
    await waitUntil(() => panel('chat-panel')?.querySelector('textarea, input') && panel('participants-panel')?.querySelector('button'),
      'the panels never opened', { timeout: 20_000 });
    const controls = [...operable(panel('chat-panel')!), ...operable(panel('participants-panel')!)];
    expect(controls.length).to.be.at.least(6, 'the panels have their controls: chat close, log, box, send, forget; participants close');
    const { missed, unringed } = await tabThrough(controls, 80);
    expect(missed, 'panel controls Tab never reached').to.deep.equal([]);
    expect(unringed, 'panel controls focused without a visible ring').to.deep.equal([]);
    await Promise.all([bo.leave(), ada.leave()]);
  });
});
