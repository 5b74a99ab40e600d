import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { ParticipantAction, ParticipantRow, ParticipantsPanel } from '../../components/participants-panel/participants-panel.js';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import '../../components/index.js';
import { permissions } from '../../core/features/permissions.js';
import { roles } from '../../core/features/roles.js';
import { inShadow, joinThrough, MemoryRelay, once } from './helpers.js';

const part = <T extends Element = HTMLElement>(root: Element, name: string): T[] => [...root.shadowRoot!.querySelectorAll<T>(`[part~=${name}]`)];
const text = (el: Element | null | undefined) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
const deepActive = (): Element | null => {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a;
};

const ALL = { microphone: true, camera: true, screen: true };
const ROWS: ParticipantRow[] = [
  { id: 'a', name: 'Ada', you: true, audio: true, video: true, hand: null, connection: null, role: 'host', allow: ALL },
  { id: 'b', name: 'Bo', you: false, audio: true, video: true, hand: 1, connection: 'connected', role: 'member', allow: { ...ALL, camera: false } },
  { id: 'c', name: 'Cy', you: false, audio: false, video: true, hand: null, connection: 'connected', role: 'cohost', allow: ALL },
];

/** Collects the panel's participant-action events. */
const actions = (el: HTMLElement) => {
  const seen: ParticipantAction[] = [];
  el.addEventListener('participant-action', (e) => seen.push(e.action));
  return seen;
};
const rowOf = (el: ParticipantsPanel, id: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~=member][data-id=${id}]`)!;

describe('<participants-panel>: host controls', () => {
  it('shows roles to everyone, and host controls only with `moderate`, never on our own row', async function () {
    this.timeout(15_000);
    await import('../../components/participants-panel/participants-panel.js');
    const el = await fixture<ParticipantsPanel>(html`<participants-panel .members=${ROWS}></participants-panel>`);
    expect(part(el, 'role').map((r) => text(r))).to.deep.equal(['Host', 'Co-host']);
    expect(part(el, 'host-controls')).to.have.length(0);
    expect(part(el, 'meeting-controls')).to.have.length(0);

    el.moderate = true;
    await el.updateComplete;
    expect(rowOf(el, 'a').querySelector('[part~=host-controls]')).to.equal(null);
    expect(part(el, 'host-controls').map((g) => g.getAttribute('aria-label'))).to.deep.equal(['Bo: host controls', 'Cy: host controls']);
    // A co-host may use everything: no toggles; no Make co-host without `appoint`, no Remove without `removable`.
    expect(part(el, 'permissions')).to.have.length(1);
    expect(part(el, 'cohost')).to.have.length(0);
    expect(part(el, 'remove')).to.have.length(0);
    // Mute is there for whoever's microphone is on; Lower hand for a raised hand.
    expect(part<HTMLButtonElement>(el, 'mute').map((b) => [b.getAttribute('aria-label'), b.disabled])).to.deep.equal([['Mute Bo', false], ['Mute Cy', true]]);
    expect(part(el, 'lower-hand').map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Lower hand of Bo']);
    const boxes = [...rowOf(el, 'b').querySelectorAll<HTMLInputElement>('input[type=checkbox]')];
    expect(boxes.map((b) => [b.dataset['permission'], b.checked])).to.deep.equal([['microphone', true], ['camera', false], ['screen', true]]);
    expect(text(rowOf(el, 'b').querySelector('legend'))).to.equal('Bo may use');

    el.appoint = true;
    el.removable = true;
    await el.updateComplete;
    expect(part(el, 'cohost').map((b) => text(b))).to.deep.equal(['Make co-host', 'Remove co-host']);
    expect(part(el, 'remove').map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Remove Bo', 'Remove Cy']);
    await expect(el).to.be.accessible();
  });

  it('each control asks with a participant-action event; checkboxes and buttons work from the keyboard', async function () {
    this.timeout(15_000);
    await import('../../components/participants-panel/participants-panel.js');
    const el = await fixture<ParticipantsPanel>(html`<participants-panel moderate appoint removable .members=${ROWS}
      .defaults=${{ ...ALL, screen: false }}></participants-panel>`);
    const seen = actions(el);
    const bo = rowOf(el, 'b');
    bo.querySelector<HTMLButtonElement>('[part~=mute]')!.click();
    bo.querySelector<HTMLButtonElement>('[part~=lower-hand]')!.click();
    bo.querySelector<HTMLButtonElement>('[part~=cohost]')!.click();
    rowOf(el, 'c').querySelector<HTMLButtonElement>('[part~=cohost]')!.click();
    bo.querySelector<HTMLButtonElement>('[part~=remove]')!.click();
    part<HTMLButtonElement>(el, 'mute-all')[0]!.click();

    // The keyboard: Space on Bo's microphone checkbox, Enter on "Mute everyone".
    bo.querySelector<HTMLInputElement>('[data-permission=microphone]')!.focus();
    await sendKeys({ press: 'Space' });
    const defaultsScreen = el.shadowRoot!.querySelector<HTMLInputElement>('[part~=defaults] [data-permission=screen]')!;
    expect(defaultsScreen.checked).to.equal(false);
    defaultsScreen.focus();
    await sendKeys({ press: 'Space' });
    part<HTMLButtonElement>(el, 'mute-all')[0]!.focus();
    await sendKeys({ press: 'Enter' });

    expect(seen).to.deep.equal([
      { kind: 'mute', id: 'b' },
      { kind: 'lower-hand', id: 'b' },
      { kind: 'cohost', id: 'b', on: true },
      { kind: 'cohost', id: 'c', on: false },
      { kind: 'remove', id: 'b' },
      { kind: 'mute-all' },
      { kind: 'allow', id: 'b', what: 'microphone', on: false },
      { kind: 'defaults', what: 'screen', on: true },
      { kind: 'mute-all' },
    ]);
    el.notice = 'Asked Bo to mute';
    await el.updateComplete;
    expect(text(part(el, 'notice')[0])).to.equal('Asked Bo to mute');
    expect(part(el, 'notice')[0]!.getAttribute('role')).to.equal('status');
    await expect(el).to.be.accessible();
  });
});

describe('<secure-meeting>: a host moderates another member', () => {
  it('the host takes Bob\'s camera and mutes him from the panel; Bob\'s toolbar follows, says why on focus, and tells him who asked', async function () {
    this.timeout(60_000);
    const relay = new MemoryRelay();
    const ada = await joinThrough(relay, 'Ada');
    const bob = await joinThrough(relay, 'Bob');
    const m = { ada: ada.meeting!, bob: bob.meeting! };
    await waitUntil(() => m.bob.feature(roles).host === m.ada.id && m.ada.peers.size === 1 && m.bob.peers.size === 1,
      'Ada never became host for both', { timeout: 20_000 });

    // Ada opens the panel: she is host, Bob has host controls and a Make co-host.
    inShadow<HTMLButtonElement>(ada, '[part~=toolbar] [part~=participants]')!.click();
    await waitUntil(() => inShadow(ada, 'participants-panel'), 'the panel never opened', { timeout: 10_000 });
    const panel = inShadow<ParticipantsPanel>(ada, 'participants-panel')!;
    await waitUntil(() => panel.shadowRoot!.querySelector(`[part~=member][data-id="${m.bob.id}"] [part~=host-controls]`), 'no host controls for Bob');
    const bobRow = panel.shadowRoot!.querySelector<HTMLElement>(`[part~=member][data-id="${m.bob.id}"]`)!;
    expect(text(panel.shadowRoot!.querySelector('[part~=member][data-id] [part~=role]'))).to.equal('Host');
    expect(text(bobRow.querySelector('[part~=cohost]'))).to.equal('Make co-host');
    expect(bobRow.querySelector('[part~=remove]')?.getAttribute('aria-label')).to.equal('Remove Bob');
    await expect(ada).to.be.accessible();

    // Unchecking Bob's camera: Bob's own camera goes off, and its toolbar toggle says why.
    const camera = bobRow.querySelector<HTMLInputElement>('[data-permission=camera]')!;
    camera.click();
    await waitUntil(() => m.bob.feature(permissions).reason('camera') !== null, 'Bob never learned he may not use his camera', { timeout: 10_000 });
    await bob.updateComplete;
    const toggle = inShadow<HTMLButtonElement>(bob, '[part~=toolbar] [part~=camera]')!;
    expect(m.bob.videoEnabled).to.equal(false);
    expect(toggle.getAttribute('aria-pressed')).to.equal('false');
    expect(toggle.getAttribute('aria-disabled')).to.equal('true');
    expect(toggle.disabled).to.equal(false, 'still focusable');
    const hint = inShadow(bob, `#${toggle.getAttribute('aria-describedby')}`)!;
    expect(text(hint)).to.equal('A host has not allowed your camera');
    expect(hint.getAttribute('role')).to.equal('tooltip');
    expect(getComputedStyle(hint).display).to.equal('none');
    toggle.focus();
    expect(getComputedStyle(hint).display).to.equal('block', 'the reason shows on focus');
    toggle.click();
    await bob.updateComplete;
    expect(m.bob.videoEnabled).to.equal(false, 'pressing it does nothing');
    await waitUntil(() => !camera.checked || panel.members.find((r) => r.id === m.bob.id)?.allow.camera === false, 'Ada\'s panel never showed it');
    await expect(bob).to.be.accessible();

    // Ada asks Bob to mute: his microphone goes off and he is told who asked.
    expect(m.bob.audioEnabled).to.equal(true);
    bobRow.querySelector<HTMLButtonElement>('[part~=mute]')!.click();
    await waitUntil(() => !m.bob.audioEnabled, 'Bob was never muted', { timeout: 10_000 });
    await bob.updateComplete;
    await waitUntil(() => text(inShadow(bob, '[part~=host-request]')) !== '', 'Bob was never told');
    expect(text(inShadow(bob, '[part~=host-request]'))).to.equal('Ada asked you to mute: your microphone is off');
    await waitUntil(() => text(panel.shadowRoot!.querySelector('[part~=notice]')) === 'Asked Bob to mute', 'Ada saw no outcome');
    // He may unmute himself.
    const mic = inShadow<HTMLButtonElement>(bob, '[part~=toolbar] [part~=microphone]')!;
    expect(mic.hasAttribute('aria-disabled')).to.equal(false);
    mic.click();
    expect(m.bob.audioEnabled).to.equal(true);

    // Keyboard: Tab from the toolbar reaches the camera toggle, aria-disabled but focusable.
    mic.focus();
    for (let i = 0; i < 5 && deepActive() !== toggle; i++) await sendKeys({ press: 'Tab' });
    expect(deepActive()).to.equal(toggle);

    // Remove, on Bob's row, removes him (the removal feature): his meeting ends.
    const left = once(bob, 'meeting-leave');
    bobRow.querySelector<HTMLButtonElement>('[part~=remove]')!.click();
    await left;
    await waitUntil(() => m.ada.peers.size === 0, 'Bob\'s tile stayed at Ada\'s', { timeout: 10_000 });
    await waitUntil(() => text(panel.shadowRoot!.querySelector('[part~=notice]')) === 'Removed Bob', 'Ada saw no outcome');
    await ada.leave();
  });
});
