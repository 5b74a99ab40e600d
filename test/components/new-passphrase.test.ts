import { expect, fixture, html } from '@open-wc/testing';
import '../../components/new-passphrase/new-passphrase.js';
import type { NewPassphrase } from '../../components/new-passphrase/new-passphrase.js';
import { once } from './helpers.js';

const SECRET = 'kabefo-rimuta-sedovi-nupalo';
const part = <T extends Element = HTMLElement>(el: Element, name: string) => el.shadowRoot!.querySelector<T>(`[part~=${name}]`);
const text = (el: Element | null) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
const show = (passphrase: string | null) => fixture<NewPassphrase>(html`<new-passphrase .passphrase=${passphrase}></new-passphrase>`);

/** Runs `body` with navigator.clipboard.writeText replaced. */
async function withClipboard(write: (text: string) => Promise<void>, body: () => Promise<void>) {
  const original = Object.getOwnPropertyDescriptor(Navigator.prototype, 'clipboard');
  Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: write } });
  try {
    await body();
  } finally {
    delete (navigator as { clipboard?: unknown }).clipboard;
    if (original) Object.defineProperty(Navigator.prototype, 'clipboard', original);
  }
}

describe('<new-passphrase>', () => {
  it('hides the password until Show, never as an attribute; accessible', async function () {
    this.timeout(15_000);
    const el = await show(SECRET);
    expect(text(part(el, 'passphrase'))).to.equal('••••••-••••••-••••••-••••••');
    expect(el.shadowRoot!.innerHTML).not.to.contain(SECRET);
    expect(el.outerHTML).not.to.contain(SECRET);
    expect([...el.attributes].map((a) => a.value).join(' ')).not.to.contain(SECRET);
    await expect(el).to.be.accessible();

    const toggle = part<HTMLButtonElement>(el, 'show')!;
    expect(toggle.getAttribute('aria-pressed')).to.equal('false');
    toggle.click();
    await el.updateComplete;
    expect(text(part(el, 'passphrase'))).to.equal(SECRET);
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    await expect(el).to.be.accessible();

    el.passphrase = 'gihalo-mesapi-tovaku-dirone';
    await el.updateComplete;
    expect(text(part(el, 'passphrase'))).to.equal('••••••-••••••-••••••-••••••', 'a newer one is hidden again');
  });

  it('Copy puts the password on the clipboard, or shows it selected when the browser refuses; Close asks to close', async function () {
    this.timeout(15_000);
    const el = await show(SECRET);
    const copied: string[] = [];
    await withClipboard(async (t) => void copied.push(t), async () => {
      part<HTMLButtonElement>(el, 'copy')!.click();
      await new Promise((r) => setTimeout(r, 0));
      await el.updateComplete;
    });
    expect(copied).to.deep.equal([SECRET]);
    expect(text(part(el, 'status'))).to.equal('Copied');
    expect(text(part(el, 'passphrase'))).not.to.contain('kabefo', 'copying does not show it');

    await withClipboard(() => Promise.reject(new DOMException('no', 'NotAllowedError')), async () => {
      part<HTMLButtonElement>(el, 'copy')!.click();
      await new Promise((r) => setTimeout(r, 0));
      await el.updateComplete;
      await el.updateComplete;
    });
    expect(text(part(el, 'passphrase'))).to.equal(SECRET);
    expect(text(part(el, 'status'))).to.contain('did not allow copying');
    expect(getSelection()?.toString()).to.equal(SECRET);

    const closed = once(el, 'new-passphrase-dismiss');
    part<HTMLButtonElement>(el, 'close')!.click();
    const event = await closed;
    expect([event.bubbles, event.composed]).to.deep.equal([true, true]);
  });

  it('the controls are buttons in reading order, reachable with Tab; nothing without a password', async function () {
    this.timeout(15_000);
    const el = await show(SECRET);
    const buttons = [...el.shadowRoot!.querySelectorAll('button')].map((b) => b.textContent!.trim());
    expect(buttons).to.deep.equal(['Show', 'Copy', 'Close']);
    expect([...el.shadowRoot!.querySelectorAll('button')].every((b) => b.tabIndex === 0)).to.equal(true);
    const empty = await show(null);
    expect(empty.shadowRoot!.querySelector('[part~=base]')).to.equal(null);
  });
});
