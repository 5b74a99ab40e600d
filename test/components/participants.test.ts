import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { ParticipantRow, ParticipantsPanel } from '../../components/participants-panel/participants-panel.js';
import type { PeerTile } from '../../components/peer-tile/peer-tile.js';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import '../../components/index.js';
import { aloneRelay, inShadow, once, submitGate } from './helpers.js';

const part = <T extends Element = HTMLElement>(root: Element, name: string): T[] => [...root.shadowRoot!.querySelectorAll<T>(`[part~=${name}]`)];
const text = (el: Element | undefined) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();

const ALL = { microphone: true, camera: true, screen: true };
const ROWS: ParticipantRow[] = [
  { id: 'b', name: 'Bo', you: false, audio: true, video: false, hand: 1, connection: 'connected', role: 'host', allow: ALL },
  { id: 'a', name: 'Ada', you: true, audio: false, video: true, hand: 2, connection: null, role: 'member', allow: ALL },
  { id: 'c', name: '<img src=x onerror=alert(1)>', you: false, audio: true, video: true, hand: null, connection: 'failed', role: 'cohost', allow: ALL },
  { id: 'd', name: 'Dee', you: false, audio: true, video: true, hand: null, connection: 'connecting', role: 'member', allow: { ...ALL, camera: false } },
];

describe('<participants-panel>', () => {
  it('lists each member with their state, hand and connection, as text; accessible', async function () {
    this.timeout(15_000);
    await import('../../components/participants-panel/participants-panel.js');
    const el = await fixture<ParticipantsPanel>(html`<participants-panel .members=${ROWS}></participants-panel>`);
    const rows = part(el, 'member');
    expect(rows.map((r) => text(r.querySelector('[part~=name]')!))).to.deep.equal(['Bo', 'Ada (You)', '<img src=x onerror=alert(1)>', 'Dee']);
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect(part(el, 'hand').map((h) => text(h))).to.deep.equal(['✋ Hand raised (1)', '✋ Hand raised (2)']);
    expect(text(rows[0]!.querySelector('[part~=state]')!)).to.equal('Microphone on, camera off');
    expect(part(el, 'connection').map((c) => text(c))).to.deep.equal(['Connected', 'Could not connect', 'Connecting…']);
    expect(text(el.shadowRoot!.querySelector('h2')!)).to.equal('Participants (4)');
    await expect(el).to.be.accessible();
  });

  it('takes focus when shown; Escape and Close ask to close it', async function () {
    this.timeout(15_000);
    await import('../../components/participants-panel/participants-panel.js');
    const el = await fixture<ParticipantsPanel>(html`<participants-panel .members=${ROWS}></participants-panel>`);
    expect(el.shadowRoot!.activeElement).to.equal(part(el, 'close')[0]);
    const escaped = once(el, 'participants-close');
    part(el, 'member')[1]!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    expect((await escaped).composed).to.equal(true);
    const closed = once(el, 'participants-close');
    part<HTMLButtonElement>(el, 'close')[0]!.click();
    await closed;
  });
});

describe('<secure-meeting>: raise hand and the participants panel', () => {
  it('the toolbar toggle raises and lowers our hand, on our tile and in the panel; keyboard-usable and accessible', async function () {
    this.timeout(40_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting .relayAdapter=${aloneRelay}></secure-meeting>`);
    const joined = once(el, 'meeting-join');
    await submitGate(el, { channel: '12', password: 'a long enough password', name: 'Ada' });
    await joined;
    // Alone, Ada becomes host a moment after joining: wait, so the panel is the same however slow the machine.
    const { roles } = await import('../../core/features/roles.js');
    await waitUntil(() => el.meeting!.feature(roles).host === el.meeting!.id, 'Ada never became host', { timeout: 15_000 });
    await el.updateComplete;
    const toggle = inShadow<HTMLButtonElement>(el, '[part~=toolbar] [part~=hand]')!;
    const ownTile = inShadow<PeerTile>(el, 'peer-tile[local]')!;
    expect(text(toggle)).to.equal('✋Raise hand');
    expect(toggle.getAttribute('aria-pressed')).to.equal('false');
    expect(ownTile.handRaised).to.equal(false);

    toggle.click();
    await el.updateComplete;
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    expect(ownTile.hasAttribute('hand-raised')).to.equal(true);
    await ownTile.updateComplete;
    expect(text(part(ownTile, 'hand')[0])).to.equal('✋Hand raised');
    expect(el.meeting!.feature((await import('../../core/features/hands.js')).hands).raised).to.deep.equal([el.meeting!.id]);

    // Open the panel with the keyboard's Enter (a button's click), get focus into it, Escape back out.
    const open = inShadow<HTMLButtonElement>(el, '[part~=toolbar] [part~=participants]')!;
    expect(open.getAttribute('aria-expanded')).to.equal('false');
    open.focus();
    open.click();
    await waitUntil(() => inShadow(el, 'participants-panel'), 'the panel never opened', { timeout: 10_000 });
    const panel = inShadow<ParticipantsPanel>(el, 'participants-panel')!;
    await panel.updateComplete;
    expect(open.getAttribute('aria-expanded')).to.equal('true');
    expect(part(panel, 'member').map((r) => text(r))).to.deep.equal(['Ada (You) Host ✋ Hand raised (1) Microphone on, camera on']);
    await waitUntil(() => el.shadowRoot!.activeElement === panel, 'focus did not move into the panel');
    await expect(el).to.be.accessible();

    toggle.click();
    await el.updateComplete;
    await panel.updateComplete;
    expect(part(panel, 'hand')).to.have.length(0);
    expect(ownTile.hasAttribute('hand-raised')).to.equal(false);

    panel.shadowRoot!.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await el.updateComplete;
    expect(inShadow(el, 'participants-panel')).to.equal(null);
    expect(el.shadowRoot!.activeElement).to.equal(open);
    expect(open.getAttribute('aria-expanded')).to.equal('false');
    await el.leave();
  });
});
