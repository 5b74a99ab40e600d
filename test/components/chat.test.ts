import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { ChatPanel } from '../../components/chat-panel/chat-panel.js';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import '../../components/index.js';
import { chat, ChatEvent, type ChatMessage } from '../../core/features/chat.js';
import { aloneRelay, gateOf, inShadow, once, submitGate } from './helpers.js';

const part = <T extends Element = HTMLElement>(root: Element, name: string): T[] => [...root.shadowRoot!.querySelectorAll<T>(`[part~=${name}]`)];
const text = (el: Element | undefined) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
const XSS = '<img src=x onerror=alert(1)>';

const MESSAGES: ChatMessage[] = [
  { id: 'a'.repeat(32), from: 'b'.repeat(16), name: 'Bo', at: Date.UTC(2026, 0, 1, 9, 30), text: 'Good morning' },
  { id: 'b'.repeat(32), from: 'c'.repeat(16), name: '<b>Cy</b>', at: Date.UTC(2026, 0, 1, 9, 31), text: XSS },
  { id: 'c'.repeat(32), from: 'a'.repeat(16), name: 'Ada', at: Date.UTC(2026, 0, 1, 9, 32), text: 'two\nlines' },
];

/** The element that has focus, through shadow roots. */
const deepActive = (): Element | null => {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a;
};

describe('<chat-panel>', () => {
  it('shows each message with sender, time and text, as text only, ours marked; accessible', async function () {
    this.timeout(15_000);
    await import('../../components/chat-panel/chat-panel.js');
    const el = await fixture<ChatPanel>(html`<chat-panel .messages=${MESSAGES} .selfId=${'a'.repeat(16)}></chat-panel>`);
    const rows = part(el, 'message');
    expect(rows.map((r) => text(r.querySelector('[part~=sender]')!))).to.deep.equal(['Bo', '<b>Cy</b>', 'Ada (You)']);
    expect(rows.map((r) => r.querySelector('[part~=text]')!.textContent)).to.deep.equal(['Good morning', XSS, 'two\nlines']);
    expect(el.shadowRoot!.querySelector('img, b')).to.equal(null);
    expect(rows[2]!.hasAttribute('data-self')).to.equal(true);
    expect(rows[0]!.querySelector('time')!.getAttribute('datetime')).to.equal('2026-01-01T09:30:00.000Z');
    expect(part(el, 'log')[0]!.getAttribute('role')).to.equal('log');
    expect(el.shadowRoot!.querySelector('slot[name=composer-extra]')).to.not.equal(null);
    await expect(el).to.be.accessible();
  });

  it('with no messages says so; accessible', async function () {
    this.timeout(15_000);
    await import('../../components/chat-panel/chat-panel.js');
    const el = await fixture<ChatPanel>(html`<chat-panel></chat-panel>`);
    expect(text(part(el, 'empty')[0])).to.equal('No messages yet.');
    await expect(el).to.be.accessible();
  });

  it('Enter sends and clears the box, Shift+Enter does not, a cancelled send keeps the text; Escape and Close ask to close', async function () {
    this.timeout(15_000);
    await import('../../components/chat-panel/chat-panel.js');
    const el = await fixture<ChatPanel>(html`<chat-panel></chat-panel>`);
    const box = part<HTMLTextAreaElement>(el, 'input')[0]!;
    expect(el.shadowRoot!.activeElement).to.equal(box, 'the box has focus when the panel appears');
    const sent: string[] = [];
    el.addEventListener('chat-send', (e) => sent.push(e.text));
    await sendKeys({ type: 'hello' });
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    expect(sent).to.deep.equal([]);
    await sendKeys({ type: 'there' });
    await sendKeys({ press: 'Enter' });
    expect(sent).to.deep.equal(['hello\nthere']);
    expect(box.value).to.equal('');
    el.addEventListener('chat-send', (e) => e.preventDefault(), { once: true });
    await sendKeys({ type: 'kept' });
    part<HTMLButtonElement>(el, 'send')[0]!.click();
    expect(box.value).to.equal('kept');
    const escaped = once(el, 'chat-close');
    await sendKeys({ press: 'Escape' });
    expect((await escaped).composed).to.equal(true);
    const closed = once(el, 'chat-close');
    part<HTMLButtonElement>(el, 'close')[0]!.click();
    await closed;
  });
});

describe('<secure-meeting>: chat', () => {
  beforeEach(() => localStorage.clear());

  it('keyboard only: open the panel from the toolbar, type, send, close, back on the button; unread count in its name; accessible', async function () {
    this.timeout(40_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting no-persist .relayAdapter=${aloneRelay}></secure-meeting>`);
    const joined = once(el, 'meeting-join');
    await submitGate(el, { channel: '14', password: 'a long enough password', name: 'Ada' });
    await joined;
    await el.updateComplete;
    const button = inShadow<HTMLButtonElement>(el, '[part~=toolbar] [part~=chat]')!;
    expect(text(button)).to.equal('Chat');
    // From wherever focus is in the toolbar, Tab along it to Chat.
    inShadow<HTMLButtonElement>(el, '[part~=toolbar] button')!.focus();
    for (let i = 0; i < 20 && deepActive() !== button; i++) await sendKeys({ press: 'Tab' });
    expect(deepActive()).to.equal(button);
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => inShadow(el, 'chat-panel') !== null, 'the panel opens');
    const panel = inShadow<ChatPanel>(el, 'chat-panel')!;
    await panel.updateComplete;
    expect(button.getAttribute('aria-expanded')).to.equal('true');
    expect(deepActive()).to.equal(part(panel, 'input')[0]);
    await sendKeys({ type: XSS });
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => part(panel, 'message').length === 1, 'our message is shown');
    expect(part(panel, 'text')[0]!.textContent).to.equal(XSS);
    expect(text(part(panel, 'sender')[0])).to.equal('Ada (You)');
    expect(el.meeting!.feature(chat).messages.map((m) => m.text)).to.deep.equal([XSS]);
    expect(panel.shadowRoot!.querySelector('img')).to.equal(null);
    await expect(el).to.be.accessible();
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    expect(inShadow(el, 'chat-panel')).to.equal(null);
    expect(deepActive()).to.equal(button);

    // Messages from others while the panel is shut are counted on the button, and read out with it.
    const m = el.meeting!;
    m.dispatchEvent(new ChatEvent('received', [{ ...MESSAGES[0]! }, { ...MESSAGES[1]! }]));
    await el.updateComplete;
    expect(text(button)).to.equal('Chat 2 unread');
    expect(text(part(el, 'chat-unread')[0])).to.equal('2 unread');
    await expect(el).to.be.accessible();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => inShadow(el, 'chat-panel') !== null);
    expect(text(button)).to.equal('Chat');
    await el.leave();
  });

  it('remembers the display name on the device for the next join form, unless no-persist', async function () {
    this.timeout(40_000);
    const first = await fixture<SecureMeeting>(html`<secure-meeting .relayAdapter=${aloneRelay}></secure-meeting>`);
    const joined = once(first, 'meeting-join');
    await submitGate(first, { channel: '15', password: 'a long enough password', name: 'Ada Lovelace' });
    await joined;
    await first.leave();
    expect(localStorage.getItem('secure-meeting:name')).to.equal('Ada Lovelace');
    expect(JSON.stringify({ ...localStorage })).to.not.include('a long enough password');
    const next = await fixture<SecureMeeting>(html`<secure-meeting></secure-meeting>`);
    await gateOf(next)!.updateComplete;
    expect(inShadow<HTMLInputElement>(gateOf(next)!, '#name')!.value).to.equal('Ada Lovelace');
    const off = await fixture<SecureMeeting>(html`<secure-meeting no-persist></secure-meeting>`);
    await gateOf(off)!.updateComplete;
    expect(inShadow<HTMLInputElement>(gateOf(off)!, '#name')!.value).to.equal('');

    localStorage.clear();
    const ephemeral = await fixture<SecureMeeting>(html`<secure-meeting no-persist .relayAdapter=${aloneRelay}></secure-meeting>`);
    const in2 = once(ephemeral, 'meeting-join');
    await submitGate(ephemeral, { channel: '15', password: 'a long enough password', name: 'Bo' });
    await in2;
    await ephemeral.leave();
    expect(localStorage.getItem('secure-meeting:name')).to.equal(null);
  });
});
