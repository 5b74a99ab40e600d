import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { checkJoinFields, JoinPrepareEvent, JoinRequestEvent, PREPARE_AFTER_MS, type JoinGate } from '../../components/join-gate/join-gate.js';
import '../../components/join-gate/join-gate.js';

// Mocha's globals, declared here because the project has no @types/mocha.

/** oneEvent, typed by the event map the components augment. */
const once = <K extends keyof GlobalEventHandlersEventMap>(target: EventTarget, type: K) =>
  oneEvent(target, type) as unknown as Promise<GlobalEventHandlersEventMap[K]>;

const $ = <T extends Element = HTMLElement>(el: Element, selector: string): T => {
  const found = el.shadowRoot!.querySelector<T>(selector);
  if (!found) throw new Error(`nothing matches ${selector}`);
  return found;
};

function type(el: JoinGate, fields: Partial<Record<'channel' | 'password' | 'name', string>>): void {
  for (const [id, value] of Object.entries(fields)) {
    const input = $<HTMLInputElement>(el, `#${id}`);
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  }
}

async function submit(el: JoinGate): Promise<void> {
  $<HTMLButtonElement>(el, 'button[type=submit]').click();
  await el.updateComplete;
}

function errorOf(el: JoinGate, field: string): string {
  return $(el, `#${field}-error`).textContent!.trim();
}

/** Everything serialised from the element and every shadow root below it, attributes included. */
function markup(root: Element): string {
  let out = root.outerHTML;
  const walk = (node: Element | ShadowRoot) => {
    for (const child of node.querySelectorAll('*')) {
      if (child.shadowRoot) {
        out += child.shadowRoot.innerHTML;
        walk(child.shadowRoot);
      }
    }
  };
  if (root.shadowRoot) out += root.shadowRoot.innerHTML;
  walk(root.shadowRoot ?? root);
  walk(root);
  return out;
}

describe('<join-gate>', () => {
  it('renders labelled channel, password and name fields and their buttons', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<join-gate></join-gate>`);
    for (const [id, label] of [['channel', 'Channel'], ['password', 'Password'], ['name', 'Your name']] as const) {
      expect($(el, `label[for=${id}]`).textContent!.trim()).to.equal(label);
      expect($(el, `#${id}`).tagName).to.equal('INPUT');
    }
    expect($<HTMLInputElement>(el, '#channel').max).to.equal('1000');
    expect($<HTMLInputElement>(el, '#channel').getAttribute('autocomplete')).to.equal('off');
    expect($<HTMLInputElement>(el, '#password').type).to.equal('password');
    expect($<HTMLInputElement>(el, '#password').getAttribute('autocomplete')).to.equal('new-password');
    expect($(el, 'button[part~=random]').textContent!.trim()).to.equal('Random channel');
    expect($(el, 'button[type=submit]').textContent!.trim()).to.equal('Join');
    expect($(el, '[part=status]').getAttribute('role')).to.equal('status');
    expect($(el, '[part=error]').getAttribute('role')).to.equal('alert');
    await expect(el).to.be.accessible();
  });

  it('prefills channel and name from attributes', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<join-gate channel="42" name="Ada"></join-gate>`);
    expect($<HTMLInputElement>(el, '#channel').value).to.equal('42');
    expect($<HTMLInputElement>(el, '#name').value).to.equal('Ada');
    expect($<HTMLInputElement>(el, '#password').value).to.equal('');
  });

  it('shows a message for every empty field, marks them invalid and sends nothing', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<join-gate></join-gate>`);
    let sent = 0;
    el.addEventListener('join-request', () => sent++);
    await submit(el);
    expect(errorOf(el, 'channel')).to.equal('Enter a channel number.');
    expect(errorOf(el, 'password')).to.equal('Enter the meeting password.');
    expect(errorOf(el, 'name')).to.equal('Enter your name.');
    for (const id of ['channel', 'password', 'name']) {
      const input = $(el, `#${id}`);
      expect(input.getAttribute('aria-invalid')).to.equal('true');
      expect(input.getAttribute('aria-describedby')!.split(' ')).to.include(`${id}-error`);
    }
    expect(sent).to.equal(0);
    expect(el.busy).to.equal(false);
    // Focus lands on the first field to fix.
    expect(el.shadowRoot!.activeElement?.id).to.equal('channel');
    await expect(el).to.be.accessible();
  });

  for (const bad of ['0', '1001', '1.5', '-3', '1e2']) {
    it(`rejects channel "${bad}"`, async function () {
      this.timeout(10_000);
      const el = await fixture<JoinGate>(html`<join-gate></join-gate>`);
      type(el, { channel: bad, password: 'pw', name: 'Ada' });
      let sent = 0;
      el.addEventListener('join-request', () => sent++);
      await submit(el);
      expect(errorOf(el, 'channel')).to.equal('Channel must be a whole number from 1 to 1000.');
      expect($(el, '#channel').getAttribute('aria-invalid')).to.equal('true');
      expect(errorOf(el, 'password')).to.equal('');
      expect(errorOf(el, 'name')).to.equal('');
      expect(sent).to.equal(0);
    });
  }

  it('uses max-channel for the range and its message', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<join-gate max-channel="50"></join-gate>`);
    type(el, { channel: '51', password: 'pw', name: 'Ada' });
    await submit(el);
    expect(errorOf(el, 'channel')).to.equal('Channel must be a whole number from 1 to 50.');
    expect($<HTMLInputElement>(el, '#channel').max).to.equal('50');
  });

  it('trims the name and refuses blank or over-long names', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<join-gate></join-gate>`);
    type(el, { channel: '7', password: 'pw', name: '   ' });
    await submit(el);
    expect(errorOf(el, 'name')).to.equal('Enter your name.');
    type(el, { name: 'x'.repeat(65) });
    await el.updateComplete;
    expect(errorOf(el, 'name')).to.equal('Name must be at most 64 characters.');
    // Padding does not count, and the fix clears the message as the person types.
    type(el, { name: `  ${'x'.repeat(64)}  ` });
    await el.updateComplete;
    expect(errorOf(el, 'name')).to.equal('');
    expect($(el, '#name').getAttribute('aria-invalid')).to.equal('false');
  });

  it('does not complain about a field someone merely tabbed through', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<join-gate></join-gate>`);
    const channel = $<HTMLInputElement>(el, '#channel');
    channel.focus();
    channel.blur();
    await el.updateComplete;
    expect(errorOf(el, 'channel')).to.equal('');
    type(el, { channel: '5000' });
    channel.dispatchEvent(new FocusEvent('blur'));
    await el.updateComplete;
    expect(errorOf(el, 'channel')).to.equal('Channel must be a whole number from 1 to 1000.');
  });

  it('sends join-prepare once channel and password are valid and still, and a null one when they change', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<div><join-gate></join-gate></div>`).then((d) => d.firstElementChild as JoinGate);
    const seen: (JoinPrepareEvent['fields'])[] = [];
    let reachedParent = false;
    el.parentElement!.addEventListener('join-prepare', () => (reachedParent = true));
    el.addEventListener('join-prepare', (e) => seen.push(e.fields));
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    type(el, { channel: '42' });
    await pause(PREPARE_AFTER_MS * 2);
    expect(seen, 'no password yet').to.deep.equal([]);
    type(el, { password: 'first' });
    type(el, { password: 'first try' }); // typing on: only the last counts
    await pause(PREPARE_AFTER_MS * 2);
    expect(seen).to.deep.equal([{ channel: 42, password: 'first try' }]);
    type(el, { channel: '43' });
    expect(seen.at(-1), 'a change discards at once').to.equal(null);
    await pause(PREPARE_AFTER_MS * 2);
    expect(seen.at(-1)).to.deep.equal({ channel: 43, password: 'first try' });
    type(el, { channel: '0' });
    await pause(PREPARE_AFTER_MS * 2);
    expect(seen.at(-1), 'an invalid channel prepares nothing').to.equal(null);
    expect(seen.length).to.equal(4);
    expect(reachedParent, 'neither bubbles nor leaves the shadow root').to.equal(false);
    // The name does not change the keys: no new event.
    type(el, { channel: '43', name: 'Ada' });
    await pause(PREPARE_AFTER_MS * 2);
    expect(seen.length).to.equal(5);
    type(el, { name: 'Ada L' });
    await pause(PREPARE_AFTER_MS * 2);
    expect(seen.length).to.equal(5);
    for (const node of [el, ...el.shadowRoot!.querySelectorAll('*')]) {
      for (const attr of node.attributes) expect(attr.value).not.to.include('first try');
    }
    await expect(el).to.be.accessible();
  });

  it('sends a join-request with the fields, then forgets the password', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<div><join-gate></join-gate></div>`).then((d) => d.firstElementChild as JoinGate);
    let reachedParent = false;
    el.parentElement!.addEventListener('join-request', () => (reachedParent = true));
    type(el, { channel: '42', password: 'correct horse battery', name: '  Ada Lovelace ' });
    const request = once(el, 'join-request');
    $<HTMLButtonElement>(el, 'button[type=submit]').click();
    const event = await request;

    expect(event).to.be.instanceOf(JoinRequestEvent);
    expect(event.channel).to.equal(42);
    expect(event.password).to.equal('correct horse battery');
    expect(event.name).to.equal('Ada Lovelace');
    expect(event.bubbles).to.equal(false);
    expect(event.composed).to.equal(false);
    expect(event.cancelable).to.equal(true);
    expect(reachedParent).to.equal(false);

    await el.updateComplete;
    expect($<HTMLInputElement>(el, '#password').value).to.equal('');
    expect(markup(el)).not.to.include('correct horse');
    for (const node of [el, ...el.shadowRoot!.querySelectorAll('*')]) {
      for (const attr of node.attributes) expect(attr.value).not.to.include('correct horse');
    }
    expect(Object.values(el).join(' ')).not.to.include('correct horse');
    // Not cancelled, so the gate waits for the host.
    expect(el.busy).to.equal(true);
    expect(el.hasAttribute('busy')).to.equal(true);
    expect($(el, '[part=status]').textContent!.trim()).to.equal('Joining…');
  });

  it('stays editable when the join-request is cancelled', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<join-gate channel="3" name="Ada"></join-gate>`);
    el.addEventListener('join-request', (e) => e.preventDefault());
    type(el, { password: 'pw' });
    await submit(el);
    expect(el.busy).to.equal(false);
    expect($<HTMLInputElement>(el, '#password').value).to.equal('');
  });

  it('picks a random whole channel within 1..max-channel', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<join-gate max-channel="5"></join-gate>`);
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      $<HTMLButtonElement>(el, 'button[part~=random]').click();
      await el.updateComplete;
      const value = $<HTMLInputElement>(el, '#channel').value;
      expect(value).to.match(/^[1-5]$/);
      seen.add(value);
    }
    // 60 draws from 5 values missing more than two is a broken picker, not bad luck.
    expect(seen.size).to.be.greaterThan(2);
    expect($(el, '[part=status]').textContent).to.match(/^Channel [1-5] picked\.$/);
  });

  it('makes a random password, shows it so it can be shared, and keeps it out of attributes', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<join-gate channel="7" name="Ada"></join-gate>`);
    const password = $<HTMLInputElement>(el, '#password');
    $<HTMLButtonElement>(el, 'button[part~=random-password]').click();
    await el.updateComplete;
    const made = password.value;
    expect(made).to.match(/^(?:[a-z]{6}-){3}[a-z]{6}$/);
    expect(password.type).to.equal('text');
    expect($(el, '[part=status]').textContent).to.match(/random password was made/);
    for (const node of [el, ...el.shadowRoot!.querySelectorAll('*')]) {
      for (const attr of node.attributes) expect(attr.value).not.to.include(made);
    }
    await expect(el).to.be.accessible();
    $<HTMLButtonElement>(el, 'button[part~=random-password]').click();
    const second = password.value;
    expect(second).not.to.equal(made);
    const request = once(el, 'join-request');
    $<HTMLButtonElement>(el, 'button[type=submit]').click();
    expect((await request).password).to.equal(second);
    await el.updateComplete;
    expect(password.value).to.equal('');
    expect(password.type).to.equal('password');
  });

  it('disables the form and shows progress while busy', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<join-gate busy status="Deriving key…"></join-gate>`);
    expect($<HTMLFieldSetElement>(el, 'fieldset').disabled).to.equal(true);
    expect($<HTMLInputElement>(el, '#password').matches(':disabled')).to.equal(true);
    expect($<HTMLButtonElement>(el, 'button[type=submit]').matches(':disabled')).to.equal(true);
    expect($(el, '[part=status]').textContent!.trim()).to.equal('Deriving key…');
    await expect(el).to.be.accessible();
    el.busy = false;
    await el.updateComplete;
    expect($<HTMLFieldSetElement>(el, 'fieldset').disabled).to.equal(false);
    expect($(el, '[part=status]').textContent!.trim()).to.equal('');
  });

  it('shows the error property in an alert', async function () {
    this.timeout(10_000);
    const el = await fixture<JoinGate>(html`<join-gate></join-gate>`);
    el.error = 'Cannot reach the relay.';
    await el.updateComplete;
    expect($(el, '[role=alert]').textContent!.trim()).to.equal('Cannot reach the relay.');
    await expect(el).to.be.accessible();
  });
});

describe('checkJoinFields', () => {
  it('accepts numbers and digit strings and normalises the name', function () {
    this.timeout(10_000);
    expect(checkJoinFields({ channel: 7, password: 'p', name: ' A ' })).to.deep.equal({
      ok: true,
      value: { channel: 7, password: 'p', name: 'A' },
    });
    expect(checkJoinFields({ channel: ' 12 ', password: 'p', name: 'A' }, 12)).to.have.property('ok', true);
  });

  it('counts name length as core does (UTF-16 units)', function () {
    this.timeout(10_000);
    expect(checkJoinFields({ channel: 1, password: 'p', name: '😀'.repeat(32) })).to.have.property('ok', true);
    expect(checkJoinFields({ channel: 1, password: 'p', name: '😀'.repeat(33) })).to.have.property('ok', false);
  });

  it('keeps the password exactly as typed', function () {
    this.timeout(10_000);
    const result = checkJoinFields({ channel: 1, password: ' p ', name: 'A' });
    expect(result.ok && result.value.password).to.equal(' p ');
  });
});
