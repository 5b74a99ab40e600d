import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import '../../components/index.js';
import { aloneRelay, deepActive, once, submitGate } from './helpers.js';

describe('<secure-meeting>: keyboard', () => {
  it('Tab reaches every control of the meeting view, each with a visible focus ring', async function () {
    this.timeout(40_000);
    const box = await fixture<HTMLDivElement>(html`<div style="width:1100px;height:700px">
      <secure-meeting style="height:100%" .relayAdapter=${aloneRelay}></secure-meeting></div>`);
    const el = box.querySelector('secure-meeting') as SecureMeeting;
    const joined = once(el, 'meeting-join');
    await submitGate(el, { channel: '23', password: 'a long enough password', name: 'Ada' });
    await joined;
    await el.updateComplete;
    const controls = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~=toolbar] button')].filter((b) => !b.disabled && b.offsetParent !== null);
    expect(controls.length).to.be.above(5, 'the toolbar has its controls');
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
    const missed = controls.filter((c) => !reached.has(c)).map((c) => c.getAttribute('part'));
    expect(missed, 'controls Tab never reached').to.deep.equal([]);
    expect(unringed, 'controls focused without a visible ring').to.deep.equal([]);
    await el.leave();
  });
});
