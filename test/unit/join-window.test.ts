/**
 * The join window as a feature (core/features/join-window.ts), on a fake
 * clock, between members whose control channels are wired directly: lock
 * after, Allow joining, Lock now, a newcomer following the room's window.
 * The e2e suite shows the same with real relays and browsers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinWindow, JoinWindowEvent } from '../../core/features/join-window.js';
import { FakeClock } from '../support/fake-clock.js';
import { link, Member } from '../support/feature-harness.js';

const MIN = 60_000;
const member = (name: string, clock: FakeClock, options: Record<string, unknown> = {}) => new Member(name, clock, [joinWindow], options);
const windowOf = (m: Member) => m.features.api(joinWindow);

test('joining closes lock-after seconds after joining, not before; the relay is left then', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const ada = member('Ada', clock, { lockAfter: 600 });
  ada.join();
  assert.deepEqual(windowOf(ada).state, { open: true, closesAt: clock.now() + 10 * MIN });
  clock.advance(10 * MIN - 1);
  assert.equal(windowOf(ada).state.open, true);
  assert.equal(ada.relay.disconnects, 0);
  clock.advance(1);
  assert.deepEqual(windowOf(ada).state, { open: false, closesAt: null });
  assert.equal(ada.relay.disconnects, 1);
  const last = ada.events.at(-1);
  assert.ok(last instanceof JoinWindowEvent && !last.open, 'a joinwindow event says it closed');
});

test('lock-after 0: joining never closes', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const ada = member('Ada', clock, { lockAfter: 0 });
  ada.join();
  clock.advance(24 * 60 * MIN);
  assert.deepEqual(windowOf(ada).state, { open: true, closesAt: null });
  assert.equal(ada.relay.disconnects, 0);
  assert.equal(clock.pending, 0, 'no timer for a window without end');
});

test('Allow joining from any member reopens the relay for everyone for the window, then everyone leaves it', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = ['Ada', 'Bo', 'Cy'].map((n) => member(n, clock, { lockAfter: 60, joinWindow: 30 })) as [Member, Member, Member];
  for (const m of [ada, bo, cy]) m.join();
  link(ada, bo);
  link(bo, cy);
  link(ada, cy);
  clock.advance(MIN);
  for (const m of [ada, bo, cy]) assert.equal(windowOf(m).state.open, false);

  windowOf(cy).allow();
  for (const m of [ada, bo, cy]) {
    assert.deepEqual(windowOf(m).state, { open: true, closesAt: clock.now() + 30_000 }, m.name);
    assert.equal(m.relay.connects, 1, `${m.name} reconnects to the relay`);
  }
  clock.advance(30_000);
  for (const m of [ada, bo, cy]) {
    assert.equal(windowOf(m).state.open, false, m.name);
    assert.equal(m.relay.disconnects, 2, `${m.name} leaves the relay again`);
  }

  windowOf(bo).allow(20);
  assert.deepEqual(windowOf(ada).state, { open: true, closesAt: clock.now() + 20_000 }, 'allow(seconds) sets the window');
  // Longer than the others' own join window: each opens only for its own (see the cap test in limits-window).
  clock.advance(20_000);
  windowOf(bo).allow(120);
  assert.deepEqual(windowOf(bo).state, { open: true, closesAt: clock.now() + 120_000 }, 'allow(seconds) sets our own window');
  assert.deepEqual(windowOf(ada).state, { open: true, closesAt: clock.now() + 30_000 }, 'capped by Ada\'s joinWindow');
});

test('Lock now from any member closes joining for everyone at once', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo] = [member('Ada', clock), member('Bo', clock)];
  ada.join();
  bo.join();
  link(ada, bo);
  windowOf(bo).lock();
  for (const m of [ada, bo]) {
    assert.deepEqual(windowOf(m).state, { open: false, closesAt: null }, m.name);
    assert.equal(m.relay.disconnects, 1, m.name);
  }
  assert.equal(clock.pending, 0, 'no timer left');
});

test('a newcomer follows the room\'s window: it closes when the others\' does, and is never lengthened', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const ada = member('Ada', clock, { lockAfter: 600 });
  ada.join();
  const closesAt = windowOf(ada).state.closesAt;
  clock.advance(500_000);
  // Dora comes with her own 10 minutes; Ada tells her the room closes in 100 s.
  const dora = member('Dora', clock, { lockAfter: 600 });
  dora.join();
  link(ada, dora);
  assert.equal(windowOf(dora).state.closesAt, closesAt);
  clock.advance(100_000);
  assert.equal(windowOf(dora).state.open, false);
  assert.equal(windowOf(ada).state.open, false);

  // A newcomer whose own window is shorter keeps it.
  const clock2 = new FakeClock();
  const early = member('Early', clock2, { lockAfter: 600 });
  early.join();
  const late = member('Late', clock2, { lockAfter: 60 });
  late.join();
  const own = windowOf(late).state.closesAt;
  link(early, late);
  assert.equal(windowOf(late).state.closesAt, own);
});

test('allowJoining(seconds) checks its argument; window commands do nothing before joining', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const ada = member('Ada', clock);
  for (const bad of [0, -1, 86_401, Number.NaN]) {
    assert.throws(() => windowOf(ada).allow(bad), {
      name: 'TypeError',
      message: 'secure-meeting: allowJoining(seconds) must be a number of seconds above 0 up to 86400',
    });
  }
  windowOf(ada).allow(30);
  windowOf(ada).lock();
  assert.deepEqual(windowOf(ada).state, { open: false, closesAt: null });
  assert.equal(ada.relay.connects + ada.relay.disconnects, 0);
});

test('leaving stops the window: no timer left', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const ada = member('Ada', clock);
  ada.join();
  ada.leave();
  assert.equal(clock.pending, 0);
  assert.equal(windowOf(ada).state.open, false);
});
