import { expect, fixture, html } from '@open-wc/testing';
import type { FileTransfer } from '../../core/features/file-events.js';
import type { RemotePeer } from '../../core/events.js';
import '../../components/file-transfer/file-transfer.js';
import type { FileTransferElement } from '../../components/file-transfer/file-transfer.js';
import { once } from './helpers.js';

const bo = { id: 'b'.repeat(16), name: 'Bo' } as RemotePeer;
const cy = { id: 'c'.repeat(16), name: 'Cy' } as RemotePeer;
const base: FileTransfer = {
  id: '0123456789abcdef', direction: 'receive', name: 'report <b>final</b>.pdf', size: 5 * 1024 * 1024, type: 'application/pdf',
  sha256: 'a'.repeat(64), from: bo, state: 'receiving', bytes: 1024 * 1024, total: 5 * 1024 * 1024, recipients: [],
  failure: null, cancelledBy: null, blob: null,
};
const part = <T extends Element = HTMLElement>(el: Element, name: string) => el.shadowRoot!.querySelector<T>(`[part~=${name}]`);
const text = (el: Element | null) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
const show = (transfer: FileTransfer) => fixture<FileTransferElement>(html`<file-transfer .transfer=${transfer}></file-transfer>`);

describe('<file-transfer>', () => {
  it('shows name (as text), size, a labelled progress bar and the state; Cancel asks to cancel; accessible', async function () {
    this.timeout(15_000);
    const el = await show(base);
    expect(text(part(el, 'name'))).to.equal('report <b>final</b>.pdf');
    expect(el.shadowRoot!.querySelector('b')).to.equal(null);
    expect(text(part(el, 'size'))).to.equal('5.0 MB');
    const bar = part<HTMLProgressElement>(el, 'progress')!;
    expect([bar.value, bar.max]).to.deep.equal([1024 * 1024, 5 * 1024 * 1024]);
    expect(bar.getAttribute('aria-labelledby')).to.equal('name');
    expect(text(part(el, 'status'))).to.equal('Receiving from Bo…');
    expect(part(el, 'save')).to.equal(null);
    await expect(el).to.be.accessible();

    const cancelled = once(el, 'file-transfer-cancel');
    part<HTMLButtonElement>(el, 'cancel')!.click();
    const event = await cancelled;
    expect([event.id, event.composed, event.bubbles]).to.deep.equal([base.id, true, true]);
  });

  it('a received file once checked: Save downloads it under its name from an object URL, then lets the URL go', async function () {
    this.timeout(15_000);
    const blob = new Blob(['hello, file'], { type: 'application/octet-stream' });
    const el = await show({ ...base, state: 'done', bytes: base.size, blob });
    expect(part(el, 'cancel')).to.equal(null);
    expect(text(part(el, 'status'))).to.equal('From Bo: ready to save');
    await expect(el).to.be.accessible();

    const clicked: { href: string; download: string }[] = [];
    const revoked: string[] = [];
    const [click, revoke] = [HTMLAnchorElement.prototype.click, URL.revokeObjectURL];
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      clicked.push({ href: this.href, download: this.download });
    };
    URL.revokeObjectURL = (url: string) => {
      revoked.push(url);
      revoke.call(URL, url);
    };
    try {
      part<HTMLButtonElement>(el, 'save')!.click();
      expect(clicked.length).to.equal(1);
      expect(clicked[0]!.download).to.equal('report <b>final</b>.pdf');
      expect(await (await fetch(clicked[0]!.href)).text()).to.equal('hello, file');
      await new Promise((r) => setTimeout(r, 10));
      expect(revoked).to.deep.equal([clicked[0]!.href]);
    } finally {
      HTMLAnchorElement.prototype.click = click;
      URL.revokeObjectURL = revoke;
    }
  });

  it('ours: progress over every recipient, then how many got it; cancelled and failed say why', async function () {
    this.timeout(15_000);
    const ours: FileTransfer = {
      ...base, direction: 'send', from: null, state: 'sending', bytes: 3 * 1024 * 1024, total: 10 * 1024 * 1024,
      recipients: [{ peer: bo, state: 'sending', bytes: 2 * 1024 * 1024, failure: null }, { peer: cy, state: 'sending', bytes: 1024 * 1024, failure: null }],
    };
    const el = await show(ours);
    expect(text(part(el, 'status'))).to.equal('Sending to 2 members…');
    expect(part<HTMLProgressElement>(el, 'progress')!.max).to.equal(10 * 1024 * 1024);
    el.transfer = { ...ours, state: 'done', recipients: [{ ...ours.recipients[0]!, state: 'done' }, { ...ours.recipients[1]!, state: 'cancelled' }] };
    await el.updateComplete;
    expect(text(part(el, 'status'))).to.equal('Sent to 1 of 2');
    expect(part(el, 'save')).to.equal(null);
    el.transfer = { ...base, state: 'cancelled', cancelledBy: 'them' };
    await el.updateComplete;
    expect(text(part(el, 'status'))).to.equal('Cancelled by Bo');
    el.transfer = { ...base, state: 'failed', failure: 'hash' };
    await el.updateComplete;
    expect(text(part(el, 'status'))).to.equal('Failed: the file arrived damaged (its hash did not match)');
    expect(part(el, 'cancel')).to.equal(null);
    await expect(el).to.be.accessible();
  });
});
