/**
 * Screen share (core/features/screen-share.ts) between members whose control
 * channels are wired directly, on a fake clock: who presents reaches
 * everyone, the stream is sent and taken back, a second presenter waits, a
 * race is settled alike on every member, and hostile messages are dropped.
 * The e2e suite shows the screen itself in browsers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecureMeetingError } from '../../core/errors.js';
import { screenShare, ScreenShareEvent } from '../../core/features/screen-share.js';
import { FakeClock } from '../support/fake-clock.js';
import { link, Member, type FakePeer } from '../support/feature-harness.js';

class FakeTrack extends EventTarget {
  readonly kind = 'video';
  stopped = false;
  stop(): void {
    this.stopped = true;
  }
}

let streams = 0;
/** A stand-in for a MediaStream with one video track (Node has none). */
const fakeScreen = () => {
  const track = new FakeTrack();
  const id = `screen-${++streams}`;
  return { id, track, stream: { id, getVideoTracks: () => [track], getTracks: () => [track] } as unknown as MediaStream };
};

const member = (name: string, clock: FakeClock, options: Record<string, unknown> = {}) => new Member(name, clock, [screenShare], options);
const shareOf = (m: Member) => m.features.api(screenShare);
const joined = (clock: FakeClock, names: string[], options: Record<string, unknown> = {}) =>
  names.map((n) => {
    const m = member(n, clock, options);
    m.join();
    return m;
  });
const mesh = (members: Member[]) => {
  for (let i = 0; i < members.length; i++) for (let j = i + 1; j < members.length; j++) link(members[i]!, members[j]!);
};
const lastShareEvent = (m: Member) => m.events.filter((e): e is ScreenShareEvent => e instanceof ScreenShareEvent).at(-1);
const deliver = (from: Member, to: Member, data: unknown) => to.router.dispatch(to.peers.get(from.id) as FakePeer, data);
const rejectsWith = async (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (e: unknown) => e instanceof SecureMeetingError && e.code === code && e.message.startsWith('secure-meeting: '));

test('a share reaches everyone with its stream id; stopping takes it back everywhere', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const all = joined(clock, ['Ada', 'Bo', 'Cy']);
  const [ada, bo, cy] = all as [Member, Member, Member];
  mesh(all);
  const screen = fakeScreen();
  assert.equal(await shareOf(bo).start(screen.stream), screen.stream);
  for (const m of all) {
    assert.deepEqual(shareOf(m).presenters, [bo.id], m.name);
    assert.equal(shareOf(m).streamIdOf(bo.id), screen.id, m.name);
    assert.deepEqual(lastShareEvent(m)?.presenters, [bo.id], `${m.name} had a screenshare event`);
  }
  assert.equal(shareOf(bo).presenting, true);
  assert.equal(shareOf(ada).presenting, false);
  assert.deepEqual(bo.tracks.map((t) => [t.op, t.stream?.id]), [['add', screen.id]], 'the track goes as a stream of its own');
  // The stream itself is found once it has arrived on the member's connection.
  assert.equal(shareOf(ada).streamOf(bo.id), null);
  const received = { id: screen.id } as MediaStream;
  ada.peers.get(bo.id)!.streams.set(screen.id, received);
  assert.equal(shareOf(ada).streamOf(bo.id), received);
  assert.equal(shareOf(bo).streamOf(bo.id), screen.stream);

  shareOf(bo).stop();
  for (const m of all) assert.deepEqual(shareOf(m).presenters, [], m.name);
  assert.deepEqual(bo.tracks.map((t) => t.op), ['add', 'remove']);
  assert.equal(screen.track.stopped, false, 'a stream the app lent stays the app\'s');
  assert.equal(shareOf(cy).streamOf(bo.id), null);
});

test('the browser\'s own "Stop sharing" (the track ends) stops the share everywhere', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const all = joined(clock, ['Ada', 'Bo']);
  mesh(all);
  const [ada, bo] = all as [Member, Member];
  const screen = fakeScreen();
  await shareOf(ada).start(screen.stream);
  assert.deepEqual(shareOf(bo).presenters, [ada.id]);
  screen.track.dispatchEvent(new Event('ended'));
  assert.deepEqual(shareOf(bo).presenters, []);
  assert.equal(shareOf(ada).presenting, false);
  assert.deepEqual(ada.tracks.map((t) => t.op), ['add', 'remove']);
});

test('while one member presents another cannot start (busy); once they stop, it can', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const all = joined(clock, ['Ada', 'Bo']);
  mesh(all);
  const [ada, bo] = all as [Member, Member];
  await shareOf(ada).start(fakeScreen().stream);
  assert.equal(shareOf(bo).canStart, false);
  assert.equal(shareOf(ada).canStart, true, 'the presenter holds its own place');
  await rejectsWith(shareOf(bo).start(fakeScreen().stream), 'busy');
  assert.deepEqual(bo.tracks, [], 'nothing was sent');
  shareOf(ada).stop();
  assert.equal(shareOf(bo).canStart, true);
  await shareOf(bo).start(fakeScreen().stream);
  assert.deepEqual(shareOf(ada).presenters, [bo.id]);
});

test('two who start before hearing of each other: the earlier start wins on every member, the other gives way', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const all = joined(clock, ['Ada', 'Bo', 'Cy']);
  const [ada, bo, cy] = all as [Member, Member, Member];
  // Each presents while alone, as if both pressed at once; then their channels open.
  const late = fakeScreen();
  await shareOf(bo).start(fakeScreen().stream);
  clock.advance(5);
  await shareOf(ada).start(late.stream);
  mesh(all);
  for (const m of all) assert.deepEqual(shareOf(m).presenters, [bo.id], m.name);
  assert.equal(shareOf(ada).presenting, false);
  assert.equal(lastShareEvent(ada)?.yielded, true, 'Ada is told her share gave way');
  assert.deepEqual(ada.tracks.map((t) => t.op), ['add', 'remove']);
  assert.equal(shareOf(cy).streamIdOf(ada.id), null);
});

test('a tie in start time goes to the smaller member id, on every member', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const all = joined(clock, ['Ada', 'Bo']);
  const [first, second] = [...all].sort((a, b) => (a.id < b.id ? -1 : 1)) as [Member, Member];
  await shareOf(second).start(fakeScreen().stream);
  await shareOf(first).start(fakeScreen().stream);
  mesh(all);
  for (const m of all) assert.deepEqual(shareOf(m).presenters, [first.id], m.name);
  assert.equal(shareOf(second).presenting, false);
});

test('maxPresenters allows more at once; one more is busy; a bad value is a TypeError', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const all = joined(clock, ['Ada', 'Bo', 'Cy'], { maxPresenters: 2 });
  mesh(all);
  const [ada, bo, cy] = all as [Member, Member, Member];
  await shareOf(ada).start(fakeScreen().stream);
  clock.advance(10);
  await shareOf(bo).start(fakeScreen().stream);
  for (const m of all) assert.deepEqual(shareOf(m).presenters, [ada.id, bo.id], m.name);
  await rejectsWith(shareOf(cy).start(fakeScreen().stream), 'busy');
  for (const bad of [0, 17, 1.5, '2', null]) {
    assert.throws(() => member('X', clock, { maxPresenters: bad }), /^TypeError: secure-meeting: maxPresenters must be a whole number from 1 to 16$/);
  }
});

test('a member whose link opens later is told of the share; a presenter who leaves is removed', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo] = joined(clock, ['Ada', 'Bo']) as [Member, Member];
  link(ada, bo);
  const screen = fakeScreen();
  await shareOf(ada).start(screen.stream);
  const [cy] = joined(clock, ['Cy']) as [Member];
  link(cy, ada);
  link(cy, bo);
  assert.deepEqual(shareOf(cy).presenters, [ada.id]);
  assert.equal(shareOf(cy).streamIdOf(ada.id), screen.id);
  // Ada's tab closes: her link goes away without a word.
  for (const m of [bo, cy]) {
    const peer = m.peers.get(ada.id)!;
    m.peers.delete(ada.id);
    m.features.peerLeft(peer);
    assert.deepEqual(shareOf(m).presenters, [], m.name);
  }
});

test('no one can start or stop another\'s share; junk and floods are dropped and counted', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const all = joined(clock, ['Ada', 'Bo', 'Cy']);
  mesh(all);
  const [ada, bo, cy] = all as [Member, Member, Member];
  await shareOf(ada).start(fakeScreen().stream);
  // Cy says "not presenting": that is only about Cy, who was not.
  deliver(cy, bo, JSON.stringify({ type: 'screen-share', body: { presenting: false } }));
  assert.deepEqual(shareOf(bo).presenters, [ada.id]);
  const before = { ...bo.router.dropped };
  for (const body of [{ presenting: true }, { presenting: true, stream: 'x', since: -1 }, { presenting: true, stream: 'a b', since: 1 },
    { presenting: true, stream: 'x'.repeat(65), since: 1 }, { presenting: 'yes' }, { presenting: true, stream: 'x', since: 1.5 }]) {
    clock.advance(1000); // within the rate limit: each reaches the validator
    deliver(cy, bo, JSON.stringify({ type: 'screen-share', body: body }));
  }
  assert.equal(bo.router.dropped.invalid - before.invalid, 6, 'each bad body dropped as invalid');
  assert.deepEqual(shareOf(bo).presenters, [ada.id], 'nothing changed');
  for (let i = 0; i < 20; i++) deliver(cy, bo, JSON.stringify({ type: 'screen-share', body: { presenting: false } }));
  assert.ok(bo.router.dropped.limited - before.limited >= 15, `a flood is limited (${bo.router.dropped.limited})`);
  assert.deepEqual(bo.failures, []);
});

test('outside a meeting start() is refused; a stream without video is a TypeError', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const lone = member('Ada', clock);
  await rejectsWith(shareOf(lone).start(fakeScreen().stream), 'closed');
  lone.join();
  const empty = { id: 'e', getVideoTracks: () => [], getTracks: () => [] } as unknown as MediaStream;
  await assert.rejects(shareOf(lone).start(empty), /^TypeError: secure-meeting: the stream to share has no video track$/);
  await assert.rejects(shareOf(lone).start('screen' as unknown as MediaStream), /^TypeError: secure-meeting: screenShare start\(\) takes/);
  const screen = fakeScreen();
  await shareOf(lone).start(screen.stream);
  lone.leave();
  assert.equal(shareOf(lone).presenting, false);
  assert.deepEqual(lone.tracks.map((t) => t.op), ['add', 'remove']);
});
