/**
 * `meeting.timings` (core/timings.ts): each phase of a join, in ms since
 * join() by the meeting's clock, filled in as the join goes. A whole Meeting
 * in Node: a relay the test moves by hand, FakeConnections (Node has no
 * WebRTC) moved along by the test, and a member's offer sealed by another
 * identity. The browser suite (test/e2e/headless.test.ts) shows a real join
 * filling every phase.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMeeting, prepareRoomKeys, type JoinTimings } from '../../core/index.js';
import { deriveRoomKeys } from '../../core/crypto.js';
import { EnvelopeCodec } from '../../core/envelope.js';
import { createIdentity } from '../../core/identity.js';
import { JoinTimeline, MAX_TIMED_PEERS } from '../../core/timings.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeConnection, lastConnection } from '../support/fake-rtc.js';
import { scriptedRelay } from '../support/scripted-relay.js';

/** Node's stand-in for the remote stream a track arrives in (received.ts makes its own shown streams). */
class Stream extends EventTarget {
  static n = 0;
  readonly id = `stream-${++Stream.n}`;
  readonly #tracks = new Set<unknown>();
  getTracks() { return [...this.#tracks]; }
  addTrack(t: unknown) { this.#tracks.add(t); }
  removeTrack(t: unknown) { this.#tracks.delete(t); }
}

const until = async (what: string, check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const PHASES = ['join', 'mediaOpen', 'keysDerived', 'helloSent', 'relayOpen'] as const;
const PEER_PHASES = ['heard', 'remoteDescription', 'localSet', 'gathered', 'localDescription', 'iceConnected', 'controlOpen', 'firstTrack'] as const;

test('meeting.timings fills in each phase of a join in order, in ms since join() by the meeting clock', { timeout: 30_000 }, async () => {
  FakeConnection.reset();
  FakeConnection.install();
  (globalThis as Record<string, unknown>)['MediaStream'] = Stream;
  const clock = new FakeClock();
  const relay = scriptedRelay();
  const channel = 7;
  const password = 'timings-pw';
  const meeting = createMeeting({ channel, password, relay: relay.adapter, media: false, persist: false, lockAfter: 0, clock });
  assert.deepEqual(meeting.timings, { peers: {} }, 'nothing before join()');

  clock.advance(1000); // time before join() does not count
  await meeting.join();
  const joined = meeting.timings;
  assert.equal(joined.join, 0);
  assert.equal(joined.mediaOpen, 0, 'the fake clock stood still during join()');
  assert.equal(joined.keysDerived, 0);
  assert.equal(joined.relayOpen, undefined, 'not open yet');
  assert.ok(relay.dialled);
  assert.ok(Object.isFrozen(joined) && Object.isFrozen(joined.peers), 'a frozen snapshot');

  clock.advance(10);
  relay.move('open');
  await until('the hello', () => relay.published.length === 1);
  assert.equal(meeting.timings.relayOpen, 10);
  assert.equal(meeting.timings.helloSent, 10);
  assert.equal(joined.relayOpen, undefined, 'a snapshot taken before does not change');

  // A member already there answers our hello with an offer.
  const other = await createIdentity();
  const keys = await deriveRoomKeys({ password, channel });
  const theirs = new EnvelopeCodec(keys, other, { now: () => clock.now() });
  clock.advance(20);
  relay.deliver(await theirs.seal({ type: 'description', body: { name: 'Bo', description: { type: 'offer', sdp: 'v=0' } } }, meeting.id));
  await until('the member', () => meeting.peers.has(other.id));
  await until('our answer', () => meeting.timings.peers[other.id]?.localDescription !== undefined);
  const pc = lastConnection();
  clock.advance(30);
  pc.setState('connected', 'connected');
  clock.advance(40);
  pc.channel.open();
  clock.advance(50);
  (pc.ontrack as (e: unknown) => void)({ track: { kind: 'video', id: 'v', enabled: true, readyState: 'live' }, streams: [new Stream()] });

  const t: JoinTimings = meeting.timings;
  const bo = t.peers[other.id]!;
  assert.deepEqual(bo, { heard: 30, remoteDescription: 30, localSet: 30, gathered: 30, localDescription: 30, iceConnected: 60, controlOpen: 100, firstTrack: 150 });
  // Every phase filled, and in the order a join goes through them.
  const order = [...PHASES.map((p) => t[p]), ...PEER_PHASES.map((p) => bo[p])];
  assert.ok(order.every((v) => typeof v === 'number'), `every phase: ${JSON.stringify(t)}`);
  for (let i = 1; i < order.length; i++) assert.ok(order[i]! >= order[i - 1]!, `in order: ${order.join(', ')}`);

  // Only the first time counts: the link going down and up again moves nothing.
  clock.advance(500);
  pc.setState('disconnected', 'disconnected');
  pc.setState('connected', 'connected');
  assert.equal(meeting.timings.peers[other.id]!.iceConnected, 60);
  await meeting.leave();
});

test('keys prepared ahead for the same password, channel and namespace are used; others are not', { timeout: 30_000 }, async () => {
  const input = { password: 'early-pw', channel: 3 };
  const prepared = prepareRoomKeys(input);
  assert.ok(prepared.matches({ password: 'early-pw', channel: '3' }), 'the channel as text is the same channel');
  assert.ok(!prepared.matches({ password: 'early-pw!', channel: 3 }));
  assert.ok(!prepared.matches({ password: 'early-pw', channel: 4 }));
  assert.ok(!prepared.matches({ password: 'early-pw', channel: 3, namespace: 'other' }));
  const [early, now] = [await prepared.keys, await deriveRoomKeys(input)];
  assert.equal(early.topic, now.topic, 'the same derivation, only earlier');
  prepared.discard();
  assert.ok(!prepared.matches(input), 'a discarded one matches nothing');
  assert.throws(() => prepareRoomKeys({ password: '', channel: 3 }), { name: 'TypeError', message: 'secure-meeting: password must be a non-empty string' });

  // A meeting handed keys of another password derives its own: its hello opens only with its own keys.
  FakeConnection.reset();
  FakeConnection.install();
  for (const [keysFor, expected] of [['early-pw', 'matching'], ['another-pw', 'derived']] as const) {
    const relay = scriptedRelay();
    const meeting = createMeeting({ ...input, relay: relay.adapter, media: false, persist: false, lockAfter: 0, keys: prepareRoomKeys({ ...input, password: keysFor }) });
    await meeting.join();
    relay.move('open');
    await until('the hello', () => relay.published.length === 1);
    const opened = await new EnvelopeCodec(now, await createIdentity()).open(relay.published[0]!);
    assert.equal(opened?.type, 'hello', `${expected} keys: sealed with the meeting's own keys`);
    await meeting.leave();
  }
});

test('a timeline records each phase once, ignores marks before start, and times a bounded number of members', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const timeline = new JoinTimeline(() => clock.now());
  timeline.mark('relayOpen');
  timeline.peer('a', 'heard');
  assert.deepEqual(timeline.snapshot(), { peers: {} }, 'nothing before start()');
  timeline.start();
  clock.advance(5);
  timeline.mark('relayOpen');
  clock.advance(5);
  timeline.mark('relayOpen');
  assert.equal(timeline.snapshot().relayOpen, 5);
  for (let i = 0; i < MAX_TIMED_PEERS + 10; i++) timeline.peer(`m${i}`, 'heard');
  assert.equal(Object.keys(timeline.snapshot().peers).length, MAX_TIMED_PEERS);
  timeline.peer('m0', 'controlOpen');
  assert.deepEqual(timeline.snapshot().peers['m0'], { heard: 10, controlOpen: 10 }, 'members already timed go on being timed');
});
