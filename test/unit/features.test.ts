/**
 * The feature registry: each control-message type has one owner in a
 * meeting; the router hands each inbound message to it, and drops (and
 * counts) whatever is malformed, undeclared or invalid, without stopping the
 * next message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMeeting, defineFeature, defineMessage, joinWindow, memberState, type RelayAdapter } from '../../core/index.js';
import { ControlRouter, MAX_CONTROL_BYTES } from '../../core/wire/registry.js';
import { FakeClock } from '../support/fake-clock.js';
import { link, Member } from '../support/feature-harness.js';

const relay: RelayAdapter = { kind: 'none', connect: () => { throw new Error('not used'); } };
const base = { channel: 1, password: 'pw', relay };
const Hand = defineMessage<{ up: boolean }>('hand', (b) => typeof b['up'] === 'boolean');

/** The example from DESIGN.md: hands up and down, by member. */
const hands = defineFeature({
  key: 'hands',
  messages: [Hand],
  install(ctx) {
    const up = new Set<string>();
    ctx.on(Hand, (peer, body) => (body.up ? up.add(peer.id) : up.delete(peer.id)));
    ctx.onPeerLeave((peer) => up.delete(peer.id));
    return { raise: (v = true) => ctx.send('all', Hand, { up: v }), raised: () => [...up] };
  },
});

test('a control-message type declared by two features is refused when the meeting is created', { timeout: 5000 }, () => {
  const clash = defineFeature({ key: 'clash', messages: [defineMessage('window', () => true)], install: () => ({}) });
  assert.throws(() => createMeeting({ ...base, features: [clash] }), {
    name: 'TypeError',
    message: 'secure-meeting: control message type "window" is declared by both "join-window" and "clash"',
  });
  // Core's own messages are declared the same way.
  const pinger = defineFeature({ key: 'pinger', messages: [defineMessage('ping', () => true)], install: () => ({}) });
  assert.throws(() => createMeeting({ ...base, features: [pinger] }), {
    message: 'secure-meeting: control message type "ping" is declared by both "mesh" and "pinger"',
  });
  const twice = defineFeature({ key: 'twice', messages: [Hand, defineMessage('hand', () => true)], install: () => ({}) });
  assert.throws(() => createMeeting({ ...base, features: [twice] }), {
    message: 'secure-meeting: control message type "hand" is declared by both "twice" and "twice"',
  });
  assert.throws(() => createMeeting({ ...base, features: [hands, hands] }), { message: 'secure-meeting: two features are called "hands"' });
});

test('features are defined and installed with clear errors', { timeout: 5000 }, () => {
  assert.throws(() => defineMessage('Hand!', () => true), { name: 'TypeError', message: /^secure-meeting: message type "Hand!" must be/ });
  assert.throws(() => defineFeature({ key: 'x', messages: [], install: 'no' as never }), { message: 'secure-meeting: defineFeature() takes { key, messages, install(ctx) }' });
  const needsHands = defineFeature({ key: 'needs-hands', messages: [], requires: [hands], install: () => ({}) });
  assert.throws(() => createMeeting({ ...base, features: [needsHands] }), { message: 'secure-meeting: feature "needs-hands" needs "hands" installed before it' });
  const meeting = createMeeting({ ...base, features: [hands, needsHands] });
  assert.deepEqual(meeting.feature(hands).raised(), []);
  assert.equal(typeof meeting.feature(joinWindow).allow, 'function');
  assert.equal(typeof meeting.feature(memberState).setAudioEnabled, 'function');
  const other = defineFeature({ key: 'other', messages: [], install: () => ({}) });
  assert.throws(() => meeting.feature(other), { message: 'secure-meeting: feature "other" is not installed in this meeting' });
});

test('a feature hears its own messages from members; unknown types and invalid bodies are dropped and counted, and the next message goes on', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo] = [new Member('Ada', clock, [hands]), new Member('Bo', clock, [hands])];
  link(ada, bo);
  ada.features.api(hands).raise();
  assert.deepEqual(bo.features.api(hands).raised(), [ada.id]);

  const fromAda = bo.peers.get(ada.id)!;
  const frames = [
    '{not json',
    JSON.stringify([1, 2]),
    JSON.stringify({ type: 'hand' }),
    JSON.stringify({ type: 'wave', body: {} }),
    JSON.stringify({ type: 'hand', body: { up: 'yes' } }),
    'x'.repeat(MAX_CONTROL_BYTES + 1),
    JSON.stringify({ type: 'hand', body: { up: false } }),
  ];
  for (const frame of frames) bo.router.dispatch(fromAda, frame);
  assert.deepEqual(bo.router.dropped, { oversize: 1, malformed: 3, unknown: 1, invalid: 1, limited: 0, failed: 0 });
  assert.deepEqual(bo.features.api(hands).raised(), [], 'the good message after the bad ones was handled');
});

test('a handler that throws is counted as failed, and the next message is handled', { timeout: 5000 }, () => {
  const failures: unknown[] = [];
  const router = new ControlRouter<string>((error) => failures.push(error));
  router.declare('hands', [Hand]);
  const seen: boolean[] = [];
  router.on('hands', Hand, (_peer, body) => {
    if (body.up) throw new Error('boom');
    seen.push(body.up);
  });
  router.dispatch('ada', JSON.stringify({ type: 'hand', body: { up: true } }));
  router.dispatch('ada', JSON.stringify({ type: 'hand', body: { up: false } }));
  assert.equal(router.dropped.failed, 1);
  assert.equal((failures[0] as Error).message, 'boom');
  assert.deepEqual(seen, [false]);
});

test('a feature can send only the types it declared', { timeout: 5000 }, () => {
  const sneaky = defineFeature({
    key: 'sneaky',
    messages: [],
    install: (ctx) => ({ lock: () => ctx.send('all', joinWindow.messages[0] as typeof Hand, { up: true }) }),
  });
  const meeting = createMeeting({ ...base, features: [sneaky] });
  assert.throws(() => meeting.feature(sneaky).lock(), { message: 'secure-meeting: "window" is not a message type sneaky declared' });
});

test('member state: names and mic/camera state reach the other member when the channel opens and on change', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo] = [new Member('Ada', clock, [memberState]), new Member('Bo', clock, [memberState])];
  link(ada, bo);
  assert.deepEqual(bo.updates.at(-1), { name: 'Ada', audioEnabled: true, videoEnabled: true });
  ada.features.api(memberState).setAudioEnabled(false);
  assert.deepEqual(bo.updates.at(-1), { name: 'Ada', audioEnabled: false, videoEnabled: true });
  assert.equal(bo.peers.get(ada.id)!.audioEnabled, false);
});
