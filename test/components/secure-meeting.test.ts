import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { PeerTile } from '../../components/peer-tile/peer-tile.js';
import type { SecureMeeting } from '../../components/secure-meeting/secure-meeting.js';
import { MeetingJoinEvent } from '../../components/secure-meeting/events.js';
import { defaultRelayUrl } from '../../components/secure-meeting/adapters.js';
import '../../components/index.js';
import { SecureMeetingError } from '../../core/errors.js';
import type { RelayAdapter, RelayTarget } from '../../core/relay.js';
import { MemoryRelay, PASSWORD, gateOf, inShadow, joinThrough, once, submitGate } from './helpers.js';

/** Everything serialised from the element and every shadow root below it, attributes included. */
function markup(root: Element): string {
  let out = root.outerHTML;
  const walk = (node: ParentNode) => {
    for (const child of node.querySelectorAll('*')) {
      if (child.shadowRoot) {
        out += child.shadowRoot.innerHTML;
        walk(child.shadowRoot);
      }
    }
  };
  if (root.shadowRoot) {
    out += root.shadowRoot.innerHTML;
    walk(root.shadowRoot);
  }
  return out;
}

const button = (el: SecureMeeting, name: string) => inShadow<HTMLButtonElement>(el, `[part~=toolbar] [part~=${name}]`)!;
const statusOf = (el: SecureMeeting) => inShadow(el, '[part=status]')!.textContent!.trim();


describe('<secure-meeting>', () => {
  it('starts at the join gate, prefilled from its attributes', async function () {
    this.timeout(10_000);
    const el = await fixture<SecureMeeting>(
      html`<secure-meeting channel="12" name="Ada" max-channel="99"></secure-meeting>`,
    );
    const gate = gateOf(el)!;
    expect(gate.getAttribute('part')).to.equal('gate');
    await gate.updateComplete;
    expect(inShadow<HTMLInputElement>(gate, '#channel')!.value).to.equal('12');
    expect(inShadow<HTMLInputElement>(gate, '#name')!.value).to.equal('Ada');
    expect(gate.maxChannel).to.equal(99);
    expect(el.meeting).to.equal(null);
    expect(inShadow(el, '[part~=toolbar]')).to.equal(null);
    expect(statusOf(el)).to.equal('');
    await expect(el).to.be.accessible();
  });

  it('defaults each adapter to this origin, ws or wss to match the page', async function () {
    this.timeout(10_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting></secure-meeting>`);
    expect(location.protocol).to.equal('http:');
    expect(el.adapter).to.equal('ws');
    expect(el.relay).to.equal('');
    expect(defaultRelayUrl(location)).to.equal(`ws://${location.host}/relay/[TOPIC]`);
    const secure = { protocol: 'https:', host: 'meet.example:8443' };
    expect(defaultRelayUrl(secure)).to.equal('wss://meet.example:8443/relay/[TOPIC]');
    expect(defaultRelayUrl(secure, 'mqtt')).to.equal('wss://meet.example:8443/mqtt');
    expect(defaultRelayUrl(secure, 'socketio')).to.equal('https://meet.example:8443');
    const custom = await fixture<SecureMeeting>(
      html`<secure-meeting adapter="mqtt" relay="wss://broker.example/mqtt"></secure-meeting>`,
    );
    expect(custom.adapter).to.equal('mqtt');
    expect(custom.relay).to.equal('wss://broker.example/mqtt');
  });

  it('loads the adapter it is told to, and says which ones exist', async function () {
    this.timeout(30_000);
    // Port 9 (discard) has no listener: each adapter must get as far as dialling and report it plainly.
    for (const [adapter, relay] of [['mqtt', 'ws://127.0.0.1:9/mqtt'], ['socketio', 'http://127.0.0.1:9']] as const) {
      const el = await fixture<SecureMeeting>(html`<secure-meeting adapter=${adapter} relay=${relay}></secure-meeting>`);
      const failed = once(el, 'meeting-error');
      await submitGate(el, { channel: '7', password: PASSWORD, name: 'Ada' });
      const { error } = await failed;
      expect((error as SecureMeetingError).code, adapter).to.equal('unreachable');
      await waitUntil(() => gateOf(el) && !gateOf(el)!.busy, `${adapter}: never returned to an idle gate`);
    }
    const el = await fixture<SecureMeeting>(html`<secure-meeting adapter="carrier-pigeon"></secure-meeting>`);
    const failed = once(el, 'meeting-error');
    await submitGate(el, { channel: '7', password: PASSWORD, name: 'Ada' });
    const { error } = await failed;
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.equal('secure-meeting: unknown adapter "carrier-pigeon"; use "ws", "mqtt" or "socketio"');
    await waitUntil(() => gateOf(el) && !gateOf(el)!.busy, 'never returned to an idle gate');
    expect(inShadow(gateOf(el)!, '[role=alert]')!.textContent!.trim()).to.equal(
      'Unknown adapter "carrier-pigeon"; use "ws", "mqtt" or "socketio".',
    );
  });

  it('keeps the join request, and the password in it, inside its shadow tree', async function () {
    this.timeout(30_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting relay="ws://127.0.0.1:9/relay/[TOPIC]"></secure-meeting>`);
    const seen: Event[] = [];
    const spy = (e: Event) => seen.push(e);
    document.addEventListener('join-request', spy, true);
    el.addEventListener('join-request', spy);
    try {
      const failed = once(el, 'meeting-error');
      await submitGate(el, { channel: '5', password: PASSWORD, name: 'Ada' });
      await failed;
    } finally {
      document.removeEventListener('join-request', spy, true);
      el.removeEventListener('join-request', spy);
    }
    expect(seen).to.have.length(0);
  });

  it('returns to the gate with the reason when the relay is unreachable', async function () {
    this.timeout(30_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting relay="ws://127.0.0.1:9/relay/[TOPIC]"></secure-meeting>`);
    let joined = false;
    el.addEventListener('meeting-join', () => (joined = true));
    const failed = once(el, 'meeting-error');
    await submitGate(el, { channel: '314', password: PASSWORD, name: 'Ada' });
    const failure = await failed;
    expect(failure.bubbles && failure.composed).to.equal(true);
    const { error } = failure;
    expect(error).to.be.instanceOf(SecureMeetingError);
    expect((error as SecureMeetingError).code).to.equal('unreachable');
    await waitUntil(() => gateOf(el) && !gateOf(el)!.busy, 'never returned to an idle gate');
    const gate = gateOf(el)!;
    await gate.updateComplete;
    const alert = inShadow(gate, '[role=alert]')!.textContent!.trim();
    expect(alert).to.match(/^Cannot reach the relay/);
    expect(alert).not.to.include('secure-meeting:');
    expect(el.meeting).to.equal(null);
    expect(joined).to.equal(false);
    // Channel and name come back; the password does not, and was never written down.
    expect(inShadow<HTMLInputElement>(gate, '#channel')!.value).to.equal('314');
    expect(inShadow<HTMLInputElement>(gate, '#name')!.value).to.equal('Ada');
    expect(inShadow<HTMLInputElement>(gate, '#password')!.value).to.equal('');
    expect(markup(el)).not.to.include(PASSWORD);
    // Focus waits where the person has to type again.
    await waitUntil(() => gate.shadowRoot!.activeElement?.id === 'password', 'focus did not return to the password');
    await expect(el).to.be.accessible();
  });

  it('join() takes the same path: TypeError for bad fields, the relay error otherwise', async function () {
    this.timeout(30_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting relay="ws://127.0.0.1:9/relay/[TOPIC]"></secure-meeting>`);
    let thrown: unknown;
    await el.join({ channel: 0, password: '', name: 'Ada' }).catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(TypeError);
    expect((thrown as Error).message).to.equal(
      'secure-meeting: Channel must be a whole number from 1 to 1000. Enter the meeting password.',
    );

    const events: Event[] = [];
    el.addEventListener('meeting-error', (e) => events.push(e));
    thrown = undefined;
    await el.join({ channel: 9, password: PASSWORD, name: 'Ada' }).catch((e: unknown) => (thrown = e));
    expect((thrown as SecureMeetingError).code).to.equal('unreachable');
    // Reported once, even though core and the join() promise both carry it.
    expect(events).to.have.length(1);
    expect(el.meeting).to.equal(null);
  });

  it('says so in the gate when the adapter is unknown', async function () {
    this.timeout(30_000);
    const el = await fixture<SecureMeeting>(html`<secure-meeting adapter="carrier-pigeon"></secure-meeting>`);
    const failed = once(el, 'meeting-error');
    await submitGate(el, { channel: '1', password: PASSWORD, name: 'Ada' });
    const { error } = await failed;
    expect(error).to.be.instanceOf(TypeError);
    await el.updateComplete;
    await gateOf(el)!.updateComplete;
    expect(inShadow(gateOf(el)!, '[role=alert]')!.textContent).to.include('Unknown adapter "carrier-pigeon"');
  });

  it('joins, shows the grid and toolbar, toggles mic and camera, and leaves', async function () {
    this.timeout(30_000);
    const relay = new MemoryRelay();
    const el = await fixture<SecureMeeting>(html`<secure-meeting .relayAdapter=${relay.adapter}></secure-meeting>`);
    const joined = once(el, 'meeting-join');
    await submitGate(el, { channel: '77', password: PASSWORD, name: 'Ada' });
    // 600 000 PBKDF2 rounds take long enough to see.
    await waitUntil(
      () => gateOf(el)?.busy && inShadow(gateOf(el)!, '[part=status]')?.textContent === 'Deriving key…',
      'no progress shown while deriving',
      { interval: 5 },
    );
    const event = await joined;
    expect(document.activeElement === el && el.shadowRoot!.activeElement).to.equal(button(el, 'microphone'));
    expect(event).to.be.instanceOf(MeetingJoinEvent);
    expect(event.bubbles && event.composed).to.equal(true);
    expect(event.meeting).to.equal(el.meeting);
    await el.updateComplete;

    // The relay saw a blinded topic and ciphertext, never the channel, password or name.
    expect(relay.topics[0]).to.match(/^[0-9a-f]{32}$/);
    expect(relay.frames.join('\n')).not.to.include('Ada');
    expect(markup(el)).not.to.include(PASSWORD);

    expect(gateOf(el)).to.equal(null);
    expect(statusOf(el)).to.equal('No one here yet. If others are already in the meeting, check the channel and password.');
    const grid = inShadow(el, '[part=grid]')!;
    const own = grid.querySelector<PeerTile>('peer-tile[part~=tile]')!;
    expect(own.local).to.equal(true);
    expect(own.name).to.equal('Ada');
    expect(own.stream).to.equal(el.meeting!.localStream);
    expect(own.getAttribute('exportparts')).to.include('video:tile-video');

    const mic = button(el, 'microphone');
    const cam = button(el, 'camera');
    expect(mic.textContent!.trim()).to.equal('Microphone');
    expect(cam.textContent!.trim()).to.equal('Camera');
    expect(button(el, 'leave').textContent!.trim()).to.equal('Leave');
    expect(mic.getAttribute('aria-pressed')).to.equal('true');
    expect(cam.getAttribute('aria-pressed')).to.equal('true');
    await expect(el).to.be.accessible();

    mic.click();
    cam.click();
    await el.updateComplete;
    expect(mic.getAttribute('aria-pressed')).to.equal('false');
    expect(cam.getAttribute('aria-pressed')).to.equal('false');
    expect(el.meeting!.audioEnabled).to.equal(false);
    expect(el.meeting!.localStream!.getAudioTracks()[0]!.enabled).to.equal(false);
    await own.updateComplete;
    expect(own.audioMuted && own.cameraOff).to.equal(true);
    await expect(el).to.be.accessible();

    // Leave asks first: a listener can keep the person in.
    const veto = (e: Event) => e.preventDefault();
    el.addEventListener('meeting-leave', veto, { once: true });
    button(el, 'leave').click();
    await el.updateComplete;
    expect(el.meeting?.state).to.equal('joined');

    const meeting = el.meeting!;
    const left = once(el, 'meeting-leave');
    button(el, 'leave').click();
    const leave = await left;
    expect(leave.cancelable).to.equal(true);
    expect(leave.error).to.equal(null);
    await waitUntil(() => gateOf(el) !== null, 'the gate did not come back');
    expect(meeting.state).to.equal('left');
    expect(meeting.localStream!.getTracks().every((t) => t.readyState === 'ended')).to.equal(true);
    expect(el.meeting).to.equal(null);
  });

  it('warms the relay adapter while the form is still, then again with the topic once the keys are derived; Join then connects once, to that topic', async function () {
    this.timeout(30_000);
    const relay = new MemoryRelay();
    const warmed: (RelayTarget | undefined)[] = [];
    let connects = 0;
    const adapter: RelayAdapter = {
      kind: 'warmable',
      warm: (target) => void warmed.push(target),
      connect: (target, handlers) => (connects++, relay.adapter.connect(target, handlers)),
    };
    const el = await fixture<SecureMeeting>(html`<secure-meeting .relayAdapter=${adapter}></secure-meeting>`);
    const gate = gateOf(el)!;
    await gate.updateComplete;
    for (const [id, value] of Object.entries({ channel: '78', password: PASSWORD, name: 'Ada' })) {
      const input = inShadow<HTMLInputElement>(gate, `#${id}`)!;
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    }
    await waitUntil(() => warmed.length === 2, 'warm() when channel and password were still, and with the topic', { timeout: 10_000 });
    expect(warmed[0]).to.equal(undefined, 'first while the keys are derived');
    expect(warmed[1]?.topic).to.match(/^[0-9a-f]{32}$/);
    expect(warmed[1]?.channel).to.equal('78');
    expect(connects).to.equal(0, 'warming is not joining');
    const joined = once(el, 'meeting-join');
    inShadow<HTMLButtonElement>(gate, 'button[type=submit]')!.click();
    await joined;
    expect([warmed.length, connects]).to.deep.equal([2, 1]);
    expect(relay.topics[0]).to.equal(warmed[1]!.topic, 'the topic warmed is the one joined');
    await el.leave();
  });

  it('shows the meeting while the relay is still being dialled, and can abandon it', async function () {
    this.timeout(30_000);
    const relay = new MemoryRelay(false);
    const el = await fixture<SecureMeeting>(html`<secure-meeting .relayAdapter=${relay.adapter}></secure-meeting>`);
    let errors = 0;
    el.addEventListener('meeting-error', () => errors++);
    const attempt = el.join({ channel: 3, password: PASSWORD, name: 'Ada' });
    await waitUntil(() => inShadow(el, '[part~=toolbar]') !== null, 'no meeting view while connecting');
    expect(statusOf(el)).to.equal('Connecting to relay…');
    await el.leave();
    let rejection: unknown;
    await attempt.catch((e: unknown) => (rejection = e));
    expect((rejection as DOMException).name).to.equal('AbortError');
    await el.updateComplete;
    expect(gateOf(el)).not.to.equal(null);
    expect(gateOf(el)!.error).to.equal('');
    expect(errors).to.equal(0);
  });

  it('shows a tile for each member who joins and removes it when they leave', async function () {
    this.timeout(60_000);
    const relay = new MemoryRelay();
    const ada = await joinThrough(relay, 'Ada');
    const arrived = once(ada, 'peer-join');
    const bob = await joinThrough(relay, 'Bob');
    const joinEvent = await arrived;
    expect(joinEvent.peer.name).to.equal('Bob');
    expect(joinEvent.bubbles && joinEvent.composed).to.equal(true);

    const remoteTile = () => inShadow(ada, '[part=grid]')!.querySelector<PeerTile>('peer-tile:not([local])');
    await waitUntil(() => remoteTile()?.stream, 'no remote stream arrived', { timeout: 15000 });
    expect(remoteTile()!.name).to.equal('Bob');
    await waitUntil(() => statusOf(ada) === 'In the meeting with 1 other person.', 'status did not count Bob');
    const video = remoteTile()!.shadowRoot!.querySelector('video')!;
    await waitUntil(() => video.videoWidth > 0, 'remote video never decoded', { timeout: 15000 });
    await expect(ada).to.be.accessible();

    // Listened for on the document: the event bubbles out of the element.
    const gone = once(document, 'peer-leave');
    await bob.leave();
    const leaveEvent = await gone;
    expect(leaveEvent.peer.name).to.equal('Bob');
    expect(leaveEvent.composed).to.equal(true);
    await waitUntil(() => remoteTile() === null, 'the tile stayed');
    expect(statusOf(ada)).to.equal('No one here yet. If others are already in the meeting, check the channel and password.');
  });

  it('shows safety codes on demand: the same pair code on both sides, keyboard-usable and accessible', async function () {
    this.timeout(60_000);
    const relay = new MemoryRelay();
    const ada = await joinThrough(relay, 'Ada');
    const bob = await joinThrough(relay, 'Bob');
    const codeFor = async (el: SecureMeeting, name: string) => {
      const toggle = button(el, 'verify');
      if (toggle.getAttribute('aria-expanded') !== 'true') toggle.click();
      let code = '';
      await waitUntil(() => {
        const row = [...el.shadowRoot!.querySelectorAll('[part~=safety-pair]')].find((r) => r.querySelector('dt')?.textContent?.trim() === name);
        code = row?.querySelector('dd')?.textContent?.trim() ?? '';
        return /^\d{5} \d{5} \d{5} \d{5}$/.test(code);
      }, `no safety code for ${name}`, { timeout: 15000 });
      return code;
    };
    const adaSees = await codeFor(ada, 'Bob');
    expect(adaSees).to.equal(await codeFor(bob, 'Ada'));
    expect(button(ada, 'verify').getAttribute('aria-expanded')).to.equal('true');
    expect(inShadow(ada, '[part=safety-help]')!.textContent).to.match(/no one\s+sits between your two browsers/);
    await expect(ada).to.be.accessible();
    // A tile's Verify opens the panel at that member's row, which takes focus.
    inShadow(ada, '[part=safety] button')!.click();
    await ada.updateComplete;
    expect(inShadow(ada, '[part=safety]')).to.equal(null);
    const bobsTile = inShadow(ada, '[part=grid]')!.querySelector<PeerTile>('peer-tile:not([local])')!;
    bobsTile.shadowRoot!.querySelector<HTMLButtonElement>('[part~=verify]')!.click();
    await waitUntil(() => ada.shadowRoot!.activeElement?.getAttribute('part') === 'safety-pair', 'Bob\'s row never took focus');
    expect(ada.shadowRoot!.activeElement!.querySelector('dd')!.textContent!.trim()).to.equal(adaSees);
    // Escape closes it.
    inShadow(ada, '[part=safety]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await ada.updateComplete;
    expect(inShadow(ada, '[part=safety]')).to.equal(null);
    expect(button(ada, 'verify').getAttribute('aria-expanded')).to.equal('false');
    await Promise.all([ada.leave(), bob.leave()]);
  });

  it('closes joining after lock-after, keeps the meeting, and reopens or locks it for everyone', async function () {
    this.timeout(60_000);
    const relay = new MemoryRelay();
    const ada = await joinThrough(relay, 'Ada', 3);
    const bob = await joinThrough(relay, 'Bob', 600);
    const topic = relay.topics[0]!;
    const toolbarButton = (el: SecureMeeting, name: string) => inShadow<HTMLButtonElement>(el, `[part~=toolbar] [part~=${name}]`);
    const joinStatus = (el: SecureMeeting) => inShadow(el, '[part~=join-status]')!.textContent!.trim();
    await waitUntil(() => ada.meeting!.peers.size === 1 && bob.meeting!.peers.size === 1, 'Ada and Bob never met', { timeout: 15000 });
    expect(relay.connections(topic)).to.equal(2);
    await waitUntil(() => /^Joining open · 0:0[0-3]$/.test(joinStatus(bob)), `Bob follows Ada's window: ${joinStatus(bob)}`);
    expect(toolbarButton(ada, 'lock')!.textContent!.trim()).to.equal('Lock now');

    // The window runs out: both leave the relay, the meeting goes on.
    await waitUntil(() => relay.connections(topic) === 0, 'the members stayed on the relay', { timeout: 8000 });
    await ada.updateComplete;
    expect(joinStatus(ada)).to.equal('Joining closed');
    expect(ada.meeting!.joinWindow.open).to.equal(false);
    expect(ada.meeting!.peers.size).to.equal(1);
    const frames = async () => (await ada.meeting!.getPeerStats([...ada.meeting!.peers.keys()][0]!))!.framesDecoded;
    const before = await frames();
    await waitUntil(async () => (await frames()) > before + 5, 'media stopped with the relay');
    await expect(ada).to.be.accessible();

    // Allow joining, from Bob: both come back for a window.
    toolbarButton(bob, 'allow-joining')!.click();
    await waitUntil(() => relay.connections(topic) === 2, 'Allow joining did not reach everyone');
    await waitUntil(() => ada.meeting!.joinWindow.open && ada.meeting!.joinWindow.closesAt !== null, 'Ada has no window');
    // Lock now, from Ada: both leave at once.
    await ada.updateComplete;
    toolbarButton(ada, 'lock')!.click();
    await waitUntil(() => relay.connections(topic) === 0 && !bob.meeting!.joinWindow.open, 'Lock now did not reach everyone');
    expect(ada.meeting!.peers.size).to.equal(1);
    await ada.leave();
    await bob.leave();
  });

  it('Disconnect on a tile ends that connection only, on both sides', async function () {
    this.timeout(60_000);
    const relay = new MemoryRelay();
    const ada = await joinThrough(relay, 'Ada');
    const bob = await joinThrough(relay, 'Bob');
    const cy = await joinThrough(relay, 'Cy');
    const names = (el: SecureMeeting) => [...el.meeting!.peers.values()].map((p) => p.name).sort().join();
    await waitUntil(() => names(ada) === 'Bob,Cy' && names(bob) === 'Ada,Cy' && names(cy) === 'Ada,Bob', 'not all met', { timeout: 20000 });
    await ada.updateComplete;
    const bobTile = [...inShadow(ada, '[part=grid]')!.querySelectorAll<PeerTile>('peer-tile:not([local])')].find((t) => t.name === 'Bob')!;
    await bobTile.updateComplete;
    const disconnect = bobTile.shadowRoot!.querySelector<HTMLButtonElement>('[part~=disconnect]')!;
    expect(disconnect.getAttribute('aria-label')).to.equal('Disconnect Bob');
    disconnect.click();
    await waitUntil(() => names(ada) === 'Cy' && names(bob) === 'Cy', `Ada and Bob still connected: ${names(ada)} / ${names(bob)}`);
    expect(names(cy)).to.equal('Ada,Bob');
    // A later hello from Bob (a relay reconnect) does not bring him back.
    await new Promise((r) => setTimeout(r, 500));
    expect(names(ada)).to.equal('Cy');
    for (const el of [ada, bob, cy]) await el.leave();
  });

  it('leaves the meeting when removed from the page, but not when moved', async function () {
    this.timeout(30_000);
    const relay = new MemoryRelay();
    const el = await joinThrough(relay, 'Ada');
    const meeting = el.meeting!;
    const parent = el.parentElement!;
    parent.append(document.createElement('span'), el); // a move: disconnected and connected in one task
    await new Promise((r) => setTimeout(r, 50));
    expect(meeting.state).to.equal('joined');
    el.remove();
    await waitUntil(() => meeting.state === 'left', 'removed element kept the meeting');
  });
});
