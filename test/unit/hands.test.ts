/**
 * Raise hand (core/features/hands.ts) between members whose control channels
 * are wired directly, on a fake clock: hands reach everyone in the order
 * raised, a member who arrives later learns them, no one can set another's
 * hand, and junk or floods are dropped. The e2e suite shows it in browsers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hands, HandsEvent } from '../../core/features/hands.js';
import { FakeClock } from '../support/fake-clock.js';
import { link, Member, type FakePeer } from '../support/feature-harness.js';

const member = (name: string, clock: FakeClock) => new Member(name, clock, [hands]);
const handsOf = (m: Member) => m.features.api(hands);
const trio = (clock: FakeClock): [Member, Member, Member] => {
  const all = ['Ada', 'Bo', 'Cy'].map((n) => member(n, clock)) as [Member, Member, Member];
  for (const m of all) m.join();
  link(all[0], all[1]);
  link(all[1], all[2]);
  link(all[0], all[2]);
  return all;
};
const pair = (clock: FakeClock): [Member, Member] => {
  const both = [member('Ada', clock), member('Bo', clock)] as [Member, Member];
  for (const m of both) m.join();
  link(...both);
  return both;
};
/** A message as `from` would send it over its own link to `to`. */
const deliver = (from: Member, to: Member, data: unknown) => to.router.dispatch(to.peers.get(from.id) as FakePeer, data);

test('a raised hand reaches everyone, ours included, and lowering it takes it down everywhere', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = trio(clock);
  handsOf(bo).raise();
  for (const m of [ada, bo, cy]) assert.deepEqual(handsOf(m).raised, [bo.id], m.name);
  assert.equal(handsOf(bo).up, true);
  assert.equal(handsOf(ada).up, false);
  const last = ada.events.at(-1);
  assert.ok(last instanceof HandsEvent && last.raised.join() === bo.id, 'a hands event with the list');

  clock.advance(1000);
  handsOf(bo).lower();
  for (const m of [ada, bo, cy]) assert.deepEqual(handsOf(m).raised, [], m.name);
  assert.equal(handsOf(bo).up, false);
});

test('hands are listed in the order they were raised; lowering and raising again goes to the end', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = trio(clock);
  handsOf(cy).raise();
  clock.advance(10);
  handsOf(ada).raise();
  clock.advance(10);
  handsOf(bo).raise();
  for (const m of [ada, bo, cy]) assert.deepEqual(handsOf(m).raised, [cy.id, ada.id, bo.id], m.name);

  clock.advance(1000);
  handsOf(cy).lower();
  clock.advance(1000);
  handsOf(cy).raise();
  for (const m of [ada, bo, cy]) assert.deepEqual(handsOf(m).raised, [ada.id, bo.id, cy.id], m.name);
  // Raising a hand already up changes nothing, not even its place.
  const events = ada.events.length;
  handsOf(ada).raise();
  for (const m of [ada, bo, cy]) assert.deepEqual(handsOf(m).raised, [ada.id, bo.id, cy.id], m.name);
  assert.equal(ada.events.length, events, 'no event for nothing');
});

test('a member whose link opens later learns the hands already up; a member who leaves takes their hand along', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo] = pair(clock);
  handsOf(ada).raise();
  clock.advance(5000);
  const dora = member('Dora', clock);
  dora.join();
  link(dora, bo);
  link(dora, ada);
  assert.deepEqual(handsOf(dora).raised, [ada.id]);
  handsOf(dora).raise();
  assert.deepEqual(handsOf(bo).raised, [ada.id, dora.id]);

  // Ada's link to Bo goes: her hand goes from Bo's list.
  const gone = bo.peers.get(ada.id)!;
  bo.peers.delete(ada.id);
  bo.features.peerLeft(gone);
  assert.deepEqual(handsOf(bo).raised, [dora.id]);
});

test('no member can raise or lower another\'s hand: a hand is whoever\'s link it came over', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = trio(clock);
  handsOf(ada).raise();
  // Bo sends a "down" (there is no field to name anyone else); it lowers only Bo's own, which was not up.
  deliver(bo, cy, JSON.stringify({ type: 'raise-hand', body: { up: false, id: ada.id } }));
  assert.deepEqual(handsOf(cy).raised, [ada.id]);
  deliver(bo, cy, JSON.stringify({ type: 'raise-hand', body: { up: true, id: ada.id } }));
  assert.deepEqual(handsOf(cy).raised, [ada.id, bo.id], 'it raised Bo\'s hand, not anyone else\'s');
  assert.equal(handsOf(bo).up, false, 'Bo\'s own state is Bo\'s business: others merely saw the message');
});

test('junk is dropped and counted; a flood is cut by the rate limit; nothing throws', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo] = pair(clock);
  for (const body of [{}, { up: 'yes' }, { up: 1 }, { up: null }, []]) {
    deliver(bo, ada, JSON.stringify({ type: 'raise-hand', body }));
    clock.advance(1000); // not the rate limit's doing
  }
  assert.deepEqual(handsOf(ada).raised, []);
  assert.equal(ada.router.dropped.invalid, 4);
  assert.equal(ada.router.dropped.malformed, 1, 'an array is no body');

  for (let i = 0; i < 50; i++) deliver(bo, ada, JSON.stringify({ type: 'raise-hand', body: { up: i % 2 === 0 } }));
  assert.equal(ada.router.dropped.limited, 46, 'a burst of 4, then 2 a second');
  assert.deepEqual(ada.failures, []);
});

test('toggling faster than the limit never loses the last word: the latest state follows when allowed', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo] = pair(clock);
  for (let i = 0; i < 9; i++) {
    if (i % 2 === 0) handsOf(ada).raise();
    else handsOf(ada).lower();
  }
  assert.equal(handsOf(ada).up, true);
  assert.equal(bo.router.dropped.limited, 0, 'we hold ourselves to the limit the others hold us to');
  clock.advance(2000);
  assert.deepEqual(handsOf(bo).raised, [ada.id], 'the hand that is up in the end is up for Bo');
  handsOf(ada).lower();
  clock.advance(2000);
  assert.deepEqual(handsOf(bo).raised, []);
  ada.leave();
  assert.equal(clock.pending, 0, 'no timer left after leaving');
});
