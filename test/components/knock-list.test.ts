import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { Knock } from '../../core/features/waiting-room.js';
import type { KnockList } from '../../components/knock-list/knock-list.js';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import '../../components/knock-list/knock-list.js';
import '../../components/index.js';
import { aloneRelay, inShadow, once, submitGate } from './helpers.js';

const part = <T extends Element = HTMLElement>(root: Element, name: string): T[] => [...root.shadowRoot!.querySelectorAll<T>(`[part~=${name}]`)];
const text = (el: Element | undefined) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();

const KNOCKS: Knock[] = [
  { id: 'a'.repeat(16), name: 'Ada', since: Date.now() - 60_000 },
  { id: 'b'.repeat(16), name: '<img src=x onerror=alert(1)>', since: Date.now() - 1000 },
];

describe('<knock-list>', () => {
  it('lists who is knocking as text, with Admit and Deny named after each; says the newest arrival; accessible', async function () {
    this.timeout(15_000);
    const el = await fixture<KnockList>(html`<knock-list .knocks=${KNOCKS}></knock-list>`);
    expect(part(el, 'name').map((n) => text(n))).to.deep.equal(['Ada', '<img src=x onerror=alert(1)>']);
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect(text(el.shadowRoot!.querySelector('h2')!)).to.equal('Waiting to join (2)');
    expect(part(el, 'cue')[0]!.getAttribute('role')).to.equal('status');
    expect(text(part(el, 'cue')[0])).to.equal('<img src=x onerror=alert(1)> wants to join');
    expect(part(el, 'since')[0]!.textContent).to.match(/^since \d/);
    expect(part(el, 'admit').map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Admit Ada', 'Admit <img src=x onerror=alert(1)>']);
    expect(part(el, 'deny').map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Deny Ada', 'Deny <img src=x onerror=alert(1)>']);
    await expect(el).to.be.accessible();
  });

  it('Admit and Deny, by keyboard, ask for that member; buttons wait while a decision is on its way', async function () {
    this.timeout(15_000);
    const el = await fixture<KnockList>(html`<knock-list .knocks=${KNOCKS}></knock-list>`);
    part<HTMLButtonElement>(el, 'admit')[0]!.focus();
    const admitted = once(el, 'knock-admit');
    await sendKeys({ press: 'Enter' });
    const admit = await admitted;
    expect(admit.id).to.equal(KNOCKS[0]!.id);
    expect(admit.composed).to.equal(true);
    await sendKeys({ press: 'Tab' });
    expect(el.shadowRoot!.activeElement).to.equal(part(el, 'deny')[0]);
    const denied = once(el, 'knock-deny');
    await sendKeys({ press: ' ' });
    expect((await denied).id).to.equal(KNOCKS[0]!.id);

    el.busy = new Set([KNOCKS[1]!.id]);
    await el.updateComplete;
    const second = el.shadowRoot!.querySelector(`[data-id="${KNOCKS[1]!.id}"]`)!;
    expect([...second.querySelectorAll('button')].map((b) => b.disabled)).to.deep.equal([true, true]);
    expect([...el.shadowRoot!.querySelector(`[data-id="${KNOCKS[0]!.id}"]`)!.querySelectorAll('button')].map((b) => b.disabled)).to.deep.equal([false, false]);
  });
});

describe('<secure-meeting waiting-room>: the host\'s toggle', () => {
  it('the member alone becomes host and gets the Waiting room toggle, pressed; pressing it switches the waiting room off; accessible', async function () {
    this.timeout(40_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting waiting-room .relayAdapter=${aloneRelay}></secure-meeting>`);
    expect(el.waitingRoom).to.equal(true);
    const joined = once(el, 'meeting-join');
    await submitGate(el, { channel: '12', password: 'a long enough password', name: 'Ada' });
    await joined;
    // Host once no one answered the hello (roles' GENESIS_WAIT_MS).
    await waitUntil(() => inShadow(el, '[part~=toolbar] [part~=waiting-room]'), 'the host\'s toggle appears', { timeout: 10_000 });
    const toggle = inShadow<HTMLButtonElement>(el, '[part~=toolbar] [part~=waiting-room]')!;
    expect(text(toggle)).to.equal('Waiting room');
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    expect(el.meeting!.feature((await import('../../core/features/waiting-room.js')).waitingRoom).on).to.equal(true);
    await expect(el).to.be.accessible();
    toggle.click();
    await waitUntil(() => inShadow(el, '[part~=toolbar] [part~=waiting-room]')?.getAttribute('aria-pressed') === 'false', 'switched off');
    expect(inShadow(el, '[part~=knock-list]')).to.equal(null, 'no one is knocking');
    expect(inShadow(el, '[part=waiting]')).to.equal(null, 'the host never waits');
    await el.leave();
  });
});
