import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import '../../components/index.js';
import { defineLanguage } from '../../components/index.js';
import { en } from '../../components/i18n/en.js';
import de from '../../components/i18n/de.js';
import es from '../../components/i18n/es.js';
import { aloneRelay, gateOf, inShadow, joinThrough, MemoryRelay, submitGate, once } from './helpers.js';

const gateText = (el: SecureMeeting, selector: string) => inShadow(gateOf(el)!, selector)?.textContent?.trim() ?? '';
const toolText = (el: SecureMeeting, part: string) => inShadow(el, `[part~=toolbar] [part~=${part}]`)?.textContent?.trim() ?? '';
const statusOf = (el: SecureMeeting) => inShadow(el, '[part=status]')!.textContent!.trim();
const panel = (el: SecureMeeting, tag: string) => el.shadowRoot!.querySelector(tag)?.shadowRoot ?? null;

describe('<secure-meeting>: languages', () => {
  afterEach(() => {
    document.documentElement.lang = 'en';
    document.documentElement.removeAttribute('dir');
  });

  it('speaks the lang of the element, else of an ancestor, else of the page; "de-AT" is German and an unknown one English', async function () {
    this.timeout(10_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting lang="de"></secure-meeting>`);
    await waitUntil(() => gateText(el, '[part=title]') === de.gateTitle, `not German: ${gateText(el, '[part=title]')}`);
    expect(gateText(el, '[part~=submit]')).to.equal(de.gateJoin);
    expect(gateText(el, '#password-hint')).to.equal(de.gatePasswordHint);

    const wrapped = await fixture<HTMLDivElement>(html`<div lang="es-MX"><secure-meeting></secure-meeting></div>`);
    const inner = wrapped.querySelector('secure-meeting')!;
    await waitUntil(() => gateText(inner, '[part=title]') === es.gateTitle, `not Spanish from the ancestor: ${gateText(inner, '[part=title]')}`);
    // Two elements on one page, each in its own language.
    expect(gateText(el, '[part=title]')).to.equal(de.gateTitle);

    document.documentElement.lang = 'de-AT';
    const plain = await fixture<SecureMeeting>(html`<secure-meeting></secure-meeting>`);
    await waitUntil(() => gateText(plain, '[part=title]') === de.gateTitle, 'the page\'s de-AT is not German');
    const unknown = await fixture<SecureMeeting>(html`<secure-meeting lang="tlh"></secure-meeting>`);
    await unknown.updateComplete;
    expect(gateText(unknown, '[part=title]')).to.equal(en.gateTitle);
  });

  it('switching lang at run time re-renders the form, its field messages and the device choices', async function () {
    this.timeout(10_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting></secure-meeting>`);
    const gate = gateOf(el)!;
    await gate.updateComplete;
    expect(gateText(el, '[part=title]')).to.equal(en.gateTitle);
    // A field message on show, in English…
    gate.shadowRoot!.querySelector<HTMLButtonElement>('[part~=submit]')!.click();
    await waitUntil(() => gateText(el, '#channel-error') === en.gateChannelMissing, 'no field message');

    el.lang = 'es';
    await waitUntil(() => gateText(el, '[part=title]') === es.gateTitle, `did not switch to Spanish: ${gateText(el, '[part=title]')}`);
    expect(gateText(el, '#channel-error')).to.equal(es.gateChannelMissing);
    expect(gateText(el, '#password-error')).to.equal(es.gatePasswordMissing);
    const devices = gate.shadowRoot!.querySelector('device-check')!;
    await waitUntil(() => devices.shadowRoot!.querySelector('[part~=preview-button]')?.textContent?.trim() === es.devicesCheck, 'the device choices stayed English');

    // Removed: the page's language again, and a change of the page's lang is followed too.
    el.removeAttribute('lang');
    await waitUntil(() => gateText(el, '[part=title]') === en.gateTitle, 'did not return to the page\'s English');
    document.documentElement.lang = 'de';
    await waitUntil(() => gateText(el, '[part=title]') === de.gateTitle, 'did not follow the page\'s lang');
    expect(gateText(el, '#channel-error')).to.equal(de.gateChannelMissing);
  });

  it('a site adds a language of its own with defineLanguage(); what it leaves out stays English', async function () {
    this.timeout(10_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting lang="fr"></secure-meeting>`);
    await el.updateComplete;
    expect(gateText(el, '[part~=submit]')).to.equal(en.gateJoin);
    defineLanguage('fr', { gateJoin: 'Rejoindre', gateTitle: 'Rejoindre une réunion' });
    await waitUntil(() => gateText(el, '[part~=submit]') === 'Rejoindre', 'the defined language was not taken up');
    expect(gateText(el, '[part=title]')).to.equal('Rejoindre une réunion');
    expect(gateText(el, '#password-hint')).to.equal(en.gatePasswordHint);
  });

  it('in a meeting, switching lang re-renders the toolbar, the status line and the open panels, with Intl times and durations', async function () {
    this.timeout(60_000);
    const relay = new MemoryRelay();
    const ada = await joinThrough(relay, 'Ada');
    const bo = await joinThrough(relay, 'Bo');
    ada.lang = 'de';
    await waitUntil(() => toolText(ada, 'leave') === de.toolbarLeave, `toolbar not German: ${toolText(ada, 'leave')}`);
    await waitUntil(() => statusOf(ada) === de.statusWithOthers(1), `status not German: ${statusOf(ada)}`);
    // The join window counts down in German digits and words.
    await waitUntil(() => /^Beitreten offen · \d{1,2}:\d\d$/.test(inShadow(ada, '[part~=join-status]')?.textContent?.trim() ?? ''),
      `join window: ${inShadow(ada, '[part~=join-status]')?.textContent}`);

    // Chat and participants open: panels of their own, inside the element's shadow root.
    inShadow<HTMLButtonElement>(ada, '[part~=toolbar] [part~=chat]')!.click();
    inShadow<HTMLButtonElement>(ada, '[part~=toolbar] [part~=participants]')!.click();
    await waitUntil(() => panel(ada, 'chat-panel')?.querySelector('[part~=send]') && panel(ada, 'participants-panel')?.querySelector('[part~=close]'),
      'the panels never opened', { timeout: 20_000 });
    const chat = panel(ada, 'chat-panel')!;
    const participants = panel(ada, 'participants-panel')!;
    const send = () => chat.querySelector('[part~=send]')!.textContent!.trim();
    const close = () => participants.querySelector('[part~=close]')!.textContent!.trim();
    await waitUntil(() => send() === de.chatSend && close() === de.participantsClose, `panels not German: ${send()} / ${close()}`);

    ada.lang = 'es';
    await waitUntil(() => toolText(ada, 'leave') === es.toolbarLeave && send() === es.chatSend && close() === es.participantsClose,
      `not all Spanish: ${toolText(ada, 'leave')} / ${send()} / ${close()}`);
    expect(statusOf(ada)).to.equal(es.statusWithOthers(1));
    await Promise.all([bo.leave(), ada.leave()]);
  });

  it('times and sizes are formatted with Intl in the element\'s language, and follow a switch', async function () {
    this.timeout(15_000);
    await import('../../components/chat-panel/chat-panel.js');
    await import('../../components/file-transfer/file-transfer.js');
    const at = Date.UTC(2026, 0, 1, 15, 4);
    const message = { id: 'a'.repeat(32), from: 'b'.repeat(16), name: 'Bo', at, text: 'Hallo' };
    const box = await fixture<HTMLDivElement>(html`<div lang="de"><chat-panel .messages=${[message]}></chat-panel></div>`);
    const chat = box.querySelector('chat-panel')!;
    const time = () => chat.shadowRoot!.querySelector('[part~=time]')!.textContent!.trim();
    const clock = (lang: string) => new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(at);
    await waitUntil(() => time() === clock('de'), `not a German time: ${time()}`);
    box.lang = 'en-US';
    await waitUntil(() => time() === clock('en'), `did not follow to English: ${time()}`);
    expect(clock('en')).to.not.equal(clock('de'), 'the two languages write this time differently');
  });

  it('right to left (dir="rtl"): the toolbar and the panels are mirrored, and no control overlaps another or leaves the element', async function () {
    this.timeout(90_000);
    // Wide enough for side panels (below 900 px the chat takes the whole width).
    await setViewport({ width: 1100, height: 800 });
    defineLanguage('ar', { toolbarLeave: 'مغادرة', toolbarMore: 'المزيد', gateJoin: 'انضمام', chatSend: 'إرسال', chatClose: 'إغلاق', participantsClose: 'إغلاق' });
    /** A meeting of one in `dir`, chat and participants open: where each toolbar control and panel is, from the element's left edge. */
    const layout = async (dir: 'ltr' | 'rtl') => {
      const box = await fixture<HTMLDivElement>(html`<div lang=${dir === 'rtl' ? 'ar' : 'en'} dir=${dir} style="width:1000px;height:700px">
        <secure-meeting style="height:100%" .relayAdapter=${aloneRelay}></secure-meeting></div>`);
      const el = box.querySelector('secure-meeting')!;
      const joined = once(el, 'meeting-join');
      await submitGate(el, { channel: '21', password: 'a long enough password', name: 'Ada' });
      await joined;
      await waitUntil(() => toolText(el, 'leave') === (dir === 'rtl' ? 'مغادرة' : en.toolbarLeave), `not in the box's language (${dir})`);
      inShadow<HTMLButtonElement>(el, '[part~=toolbar] [part~=chat]')!.click();
      inShadow<HTMLButtonElement>(el, '[part~=toolbar] [part~=participants]')!.click();
      await waitUntil(() => panel(el, 'chat-panel')?.querySelector('[part~=send]') && panel(el, 'participants-panel')?.querySelector('[part~=close]'),
        'the panels never opened', { timeout: 20_000 });
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const outer = el.getBoundingClientRect();
      const at = (e: Element) => {
        const r = e.getBoundingClientRect();
        return { left: r.left - outer.left, right: r.right - outer.left, top: r.top - outer.top, bottom: r.bottom - outer.top, width: r.width };
      };
      const tools = [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part~=toolbar] > [data-tool], [part~=toolbar] > [data-more]')]
        .map((t) => ({ key: t.dataset['tool'] ?? 'more', ...at(t) }));
      const panels = Object.fromEntries(['chat-panel', 'participants-panel'].map((tag) => {
        const p = el.shadowRoot!.querySelector(tag)!;
        return [tag, { ...at(p), close: at(p.shadowRoot!.querySelector('[part~=close]')!), direction: getComputedStyle(p.shadowRoot!.querySelector('[part~=base]')!).direction }];
      }));
      const result = { width: outer.width, height: outer.height, tools, panels };
      if (dir === 'rtl') await expect(el).to.be.accessible();
      await el.leave();
      return result;
    };
    const ltr = await layout('ltr');
    const rtl = await layout('rtl');

    expect(rtl.tools.length).to.be.above(5);
    expect(rtl.tools.map((t) => t.key)).to.deep.equal(ltr.tools.map((t) => t.key), 'the same controls in the toolbar');
    const inside = (r: { left: number; right: number; top: number; bottom: number }) => r.left >= -1 && r.right <= rtl.width + 1 && r.top >= -1 && r.bottom <= rtl.height + 1;
    for (const [i, r] of rtl.tools.entries()) {
      expect(inside(r), `${r.key} leaves the element`).to.equal(true);
      for (const o of rtl.tools.slice(i + 1)) {
        const overlap = Math.min(r.right, o.right) - Math.max(r.left, o.left) > 1 && Math.min(r.bottom, o.bottom) - Math.max(r.top, o.top) > 1;
        expect(overlap, `${r.key} overlaps ${o.key}`).to.equal(false);
      }
    }
    // Mirrored: in each row the controls run from the right, in the order they run from the left in LTR.
    const rows = (tools: typeof rtl.tools) => [...new Set(tools.map((t) => Math.round(t.top)))].map((top) => tools.filter((t) => Math.round(t.top) === top));
    for (const row of rows(rtl.tools)) {
      const byX = [...row].sort((a, b) => b.left - a.left).map((t) => t.key);
      expect(byX, 'a row of the toolbar, right to left').to.deep.equal(row.map((t) => t.key));
    }
    expect(rtl.tools[0]!.right).to.be.above(rtl.width / 2, 'the first control starts at the right');

    // The panels: where they sit in LTR, mirrored; their text right to left; their Close button inside them.
    for (const tag of ['chat-panel', 'participants-panel'] as const) {
      const a = ltr.panels[tag]!;
      const b = rtl.panels[tag]!;
      expect(b.width, `${tag} has its width`).to.be.closeTo(a.width, 2);
      expect(b.left, `${tag} mirrored`).to.be.closeTo(ltr.width - a.right, 2);
      expect(inside(b), `${tag} leaves the element`).to.equal(true);
      expect(b.direction).to.equal('rtl');
      expect(a.direction).to.equal('ltr');
      expect(b.close.width > 0 && b.close.left >= b.left - 1 && b.close.right <= b.right + 1, `${tag}'s Close is cut off`).to.equal(true);
      // On the other side of the panel than in LTR (its text, so its width, differs).
      const half = (p: { left: number; width: number; close: { left: number; right: number } }) => ((p.close.left + p.close.right) / 2 < p.left + p.width / 2 ? 'left' : 'right');
      expect(half(b), `${tag}'s Close is mirrored`).to.equal(half(a) === 'left' ? 'right' : 'left');
    }
    expect(rtl.panels['chat-panel']!.left).to.be.below(rtl.width / 2, 'the chat opens on the left');
    await setViewport({ width: 800, height: 600 });
  });
});
