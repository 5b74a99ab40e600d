import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import '../../components/index.js';
import { PASSWORD, aloneRelay, gateOf, inShadow, once, submitGate } from './helpers.js';

const PAGE = location.href;
const channelField = (el: SecureMeeting) => inShadow<HTMLInputElement>(gateOf(el)!, '#channel')!;
const text = (el: Element | null) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();

/** Opens the page at `hash` (as following an invite link does), then the element. */
async function openedWith(hash: string, markup = html`<secure-meeting .relayAdapter=${aloneRelay}></secure-meeting>`) {
  history.replaceState(null, '', hash);
  const el = await fixture<SecureMeeting>(markup);
  await gateOf(el)!.updateComplete;
  return el;
}

async function joinAlone(channel: string): Promise<SecureMeeting> {
  const el = await fixture<SecureMeeting>(html`<secure-meeting .relayAdapter=${aloneRelay}></secure-meeting>`);
  const joined = once(el, 'meeting-join');
  await submitGate(el, { channel, password: PASSWORD, name: 'Ada' });
  await joined;
  await waitUntil(() => inShadow(el, '[part~=toolbar] [part~=invite]'), 'the toolbar shows Invite', { timeout: 20_000 });
  return el;
}

describe('<secure-meeting> opened with an invite link', () => {
  afterEach(() => history.replaceState(null, '', PAGE));

  it('prefills the channel from the link, only a valid one and only for its namespace', async function () {
    this.timeout(20_000);
    expect(channelField(await openedWith('#sm-channel=42')).value).to.equal('42');
    for (const hostile of ['#sm-channel=0', '#sm-channel=1001', '#sm-channel=1e3', '#sm-channel=%3Cb%3E', '#sm-channel=%E0%A4%A']) {
      expect(channelField(await openedWith(hostile)).value, hostile).to.equal('');
    }
    const capped = html`<secure-meeting max-channel="50" .relayAdapter=${aloneRelay}></secure-meeting>`;
    expect(channelField(await openedWith('#sm-channel=51', capped)).value).to.equal('');
    // Two meetings on one page: each reads the key of its own namespace.
    const sales = html`<secure-meeting namespace="sales" .relayAdapter=${aloneRelay}></secure-meeting>`;
    expect(channelField(await openedWith('#sm-channel=42', sales)).value).to.equal('');
    expect(channelField(await openedWith('#sm-channel=42&sm-channel.sales=8', sales)).value).to.equal('8');
    // The page's own `channel` attribute wins over the link.
    const fixed = html`<secure-meeting channel="3" .relayAdapter=${aloneRelay}></secure-meeting>`;
    expect(channelField(await openedWith('#sm-channel=42', fixed)).value).to.equal('3');
  });
});

describe('<secure-meeting>: the invite panel', () => {
  afterEach(() => history.replaceState(null, '', PAGE));

  it('keyboard only: opens, copies the invite, offers the .ics, passes axe; Escape closes it and focus returns', async function () {
    this.timeout(40_000);
    history.replaceState(null, '', `${location.pathname}?lang=fr#/agenda`);
    const el = await joinAlone('12');
    const open = inShadow<HTMLButtonElement>(el, '[part~=toolbar] [part~=invite]')!;
    expect(open.getAttribute('aria-expanded')).to.equal('false');
    open.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => inShadow(el, '[part~=invite-panel]'), 'the panel never opened', { timeout: 10_000 });
    expect(open.getAttribute('aria-expanded')).to.equal('true');
    const copy = inShadow<HTMLButtonElement>(el, '[part~=invite-copy]')!;
    await waitUntil(() => el.shadowRoot!.activeElement === copy, 'focus did not move to Copy invite');
    await expect(el).to.be.accessible();

    // The real clipboard: a key press is the user activation writeText needs.
    const copied: string[] = [];
    const write = navigator.clipboard.writeText.bind(navigator.clipboard);
    navigator.clipboard.writeText = (t: string) => (copied.push(t), write(t));
    try {
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => text(inShadow(el, '[part~=invite-status]')) !== '', 'no status after Copy', { timeout: 10_000 });
    } finally {
      delete (navigator.clipboard as { writeText?: unknown }).writeText;
    }
    expect(text(inShadow(el, '[part~=invite-status]'))).to.equal('Copied');
    const link = `${location.origin}${location.pathname}?lang=fr#/agenda&sm-channel=12`;
    expect(copied).to.deep.equal([`Join channel 12 at ${link}. The password is shared separately: never send it with this link.`]);
    expect(inShadow(el, '[part~=invite-text]')).to.equal(null);

    // Add to calendar: a real download link to a blob holding the .ics.
    const download = inShadow<HTMLAnchorElement>(el, '[part~=invite-download]')!;
    expect(download.download).to.equal('meeting-channel-12.ics');
    expect(download.href).to.match(/^blob:/);
    const first = download.href;
    const ics = await (await fetch(first)).text();
    const start = new Date(inShadow<HTMLInputElement>(el, '#invite-start')!.value);
    expect(start.getMinutes() % 30).to.equal(0);
    expect(start.getTime()).to.be.greaterThan(Date.now()).and.at.most(Date.now() + 30 * 60_000);
    expect(ics).to.include(`DTSTART:${start.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}\r\n`);
    expect(ics).to.include('DURATION:PT60M\r\n').and.include('TRIGGER:-PT15M\r\n').and.include('BEGIN:VALARM\r\n');
    expect(ics.replace(/\r\n /g, '')).to.include(`URL:${link}\r\n`);
    expect(ics).not.to.include(PASSWORD);
    expect(ics.toLowerCase()).not.to.include('horse');

    // A new length makes a new file; the old object URL is let go.
    const minutes = inShadow<HTMLInputElement>(el, '#invite-minutes')!;
    minutes.value = '30';
    minutes.dispatchEvent(new Event('change'));
    await el.updateComplete;
    const again = inShadow<HTMLAnchorElement>(el, '[part~=invite-download]')!;
    expect(again.href).not.to.equal(first);
    expect(await (await fetch(again.href)).text()).to.include('DURATION:PT30M\r\n');
    let revoked = false;
    await fetch(first).catch(() => (revoked = true));
    expect(revoked).to.equal(true);
    minutes.value = '0';
    minutes.dispatchEvent(new Event('change'));
    await el.updateComplete;
    expect(inShadow(el, '[part~=invite-download]')).to.equal(null);
    expect(text(inShadow(el, '[part~=invite-problem]'))).to.equal('Enter a length from 1 to 1440 minutes.');

    minutes.focus();
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    expect(inShadow(el, '[part~=invite-panel]')).to.equal(null);
    expect(el.shadowRoot!.activeElement).to.equal(open);
    expect(open.getAttribute('aria-expanded')).to.equal('false');
    await el.leave();
  });

  it('when the browser refuses the clipboard, shows the invite selected in a read-only field', async function () {
    this.timeout(40_000);
    const el = await joinAlone('9');
    inShadow<HTMLButtonElement>(el, '[part~=toolbar] [part~=invite]')!.click();
    await waitUntil(() => inShadow(el, '[part~=invite-copy]'), 'the panel never opened', { timeout: 10_000 });
    // Refused as a browser does without permission (the fault is injected; the rest is the real element).
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'));
    try {
      inShadow<HTMLButtonElement>(el, '[part~=invite-copy]')!.click();
      await waitUntil(() => inShadow(el, '[part~=invite-text]'), 'no field to copy by hand', { timeout: 10_000 });
    } finally {
      delete (navigator.clipboard as { writeText?: unknown }).writeText;
    }
    const field = inShadow<HTMLTextAreaElement>(el, '[part~=invite-text]')!;
    await waitUntil(() => el.shadowRoot!.activeElement === field, 'the field did not take focus');
    expect(field.readOnly).to.equal(true);
    expect(field.value).to.match(/^Join channel 9 at .*#sm-channel=9\. The password is shared separately: never send it with this link\.$/);
    expect([field.selectionStart, field.selectionEnd]).to.deep.equal([0, field.value.length]);
    expect(text(inShadow(el, '[part~=invite-status]'))).to.match(/did not allow copying/);
    await expect(el).to.be.accessible();
    inShadow<HTMLButtonElement>(el, '[part~=invite-close]')!.click();
    await el.updateComplete;
    expect(inShadow(el, '[part~=invite-panel]')).to.equal(null);
    await el.leave();
  });
});
