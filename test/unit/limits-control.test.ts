/**
 * Rate limits on control messages (core/wire/registry.ts): a token bucket
 * per sender link and per type, on the injected clock. What goes over is
 * dropped and counted as `limited`; the next message after a refill passes.
 * And a window another member asks for opens ours only for our own
 * join-window length.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinWindow } from '../../core/features/join-window.js';
import { Forward } from '../../core/mesh/mesh.js';
import type { Peer } from '../../core/mesh/peer.js';
import { ControlRouter, defineMessage, DEFAULT_LIMIT } from '../../core/wire/registry.js';
import { FakeClock } from '../support/fake-clock.js';
import { link, Member } from '../support/feature-harness.js';
import { nodeMesh } from '../support/fake-rtc.js';

const SELF = 'f'.repeat(16);
/** A member on the other end of a control channel; the router only tells handlers who sent what. */
const linkFrom = (id: string) => ({ id }) as unknown as Peer;
const forward = (n: number) => JSON.stringify({ type: 'forward', body: { to: SELF, envelope: `sealed-${n}` } });

test('a burst of 1000 forwards from one link: beyond the limit they are dropped and counted; after a refill the next one passes', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  const { router, room } = nodeMesh(clock, SELF);
  const mallory = linkFrom('1'.repeat(16));
  for (let i = 0; i < 1000; i++) router.dispatch(mallory, forward(i));
  const { burst, perSecond } = Forward.limit;
  assert.equal(room.received.length, burst, 'the burst was opened');
  assert.equal(router.dropped.limited, 1000 - burst);
  assert.deepEqual(room.received, Array.from({ length: burst }, (_, i) => `sealed-${i}`), 'the first ones, in order');

  router.dispatch(mallory, forward(1000));
  assert.equal(room.received.length, burst, 'still empty');
  clock.advance(Math.ceil(1000 / perSecond));
  router.dispatch(mallory, forward(1001));
  assert.equal(room.received.at(-1), 'sealed-1001', 'one token back: the next legitimate message passes');
  assert.equal(router.dropped.limited, 1000 - burst + 1);

  // Another link has its own bucket: Mallory's flood costs it nothing.
  router.dispatch(linkFrom('2'.repeat(16)), forward(2000));
  assert.equal(room.received.at(-1), 'sealed-2000');
  // A second of quiet refills perSecond, never beyond the burst.
  clock.advance(3_600_000);
  for (let i = 0; i < burst + 5; i++) router.dispatch(mallory, forward(3000 + i));
  assert.equal(router.dropped.limited, 1000 - burst + 1 + 5);
});

test('each type has its own bucket per link, and the limit is checked before the validator runs', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  let validated = 0;
  const Slow = defineMessage('slow', () => (validated++, true), { perSecond: 1, burst: 2 });
  const Other = defineMessage('other', () => true, { perSecond: 1, burst: 2 });
  const router = new ControlRouter<string>(undefined, clock);
  router.declare('test', [Slow, Other]);
  const seen: string[] = [];
  router.on('test', Slow, (peer) => seen.push(`slow:${peer}`));
  router.on('test', Other, (peer) => seen.push(`other:${peer}`));
  const frame = (type: string) => JSON.stringify({ type, body: {} });
  for (let i = 0; i < 5; i++) router.dispatch('a', frame('slow'));
  router.dispatch('a', frame('other'));
  router.dispatch('b', frame('slow'));
  assert.deepEqual(seen, ['slow:a', 'slow:a', 'other:a', 'slow:b']);
  assert.equal(validated, 3, 'limited messages never reach the validator');
  assert.equal(router.dropped.limited, 3);
  // A clock stepped back refills nothing.
  clock.advance(-60_000);
  router.dispatch('a', frame('slow'));
  assert.equal(router.dropped.limited, 4);
  // A sender forgotten (gone) starts afresh if it ever comes back.
  router.forget('a');
  router.dispatch('a', frame('slow'));
  assert.equal(seen.at(-1), 'slow:a');
});

test('defineMessage: limits are checked, with a clear error; the burst defaults to the rate', { timeout: 5000 }, () => {
  assert.deepEqual(defineMessage('hand', () => true, { perSecond: 2 }).limit, { perSecond: 2, burst: 2 });
  assert.deepEqual(defineMessage('rare', () => true, { perSecond: 0.1 }).limit, { perSecond: 0.1, burst: 1 });
  assert.deepEqual(defineMessage('plain', () => true).limit, DEFAULT_LIMIT);
  assert.throws(() => defineMessage('hand', () => true, { perSecond: 0 }), {
    name: 'TypeError',
    message: 'secure-meeting: message type "hand": perSecond must be a number above 0',
  });
  assert.throws(() => defineMessage('hand', () => true, { perSecond: Infinity }), { name: 'TypeError' });
  assert.throws(() => defineMessage('hand', () => true, { perSecond: 1, burst: 0.5 }), {
    name: 'TypeError',
    message: 'secure-meeting: message type "hand": burst must be a whole number from 1',
  });
});

test('a window another member asks for opens ours only for our own join-window length', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const ada = new Member('Ada', clock, [joinWindow], { lockAfter: 60, joinWindow: 3600 });
  const bo = new Member('Bo', clock, [joinWindow], { lockAfter: 60, joinWindow: 30 });
  ada.join();
  bo.join();
  link(ada, bo);
  clock.advance(60_000);
  ada.features.api(joinWindow).allow(24 * 3600);
  assert.equal(ada.features.api(joinWindow).state.closesAt, clock.now() + 24 * 3600_000, 'Ada opens her own for a day');
  assert.deepEqual(bo.features.api(joinWindow).state, { open: true, closesAt: clock.now() + 30_000 }, 'Bo only for his 30 s');
  clock.advance(30_000);
  assert.equal(bo.features.api(joinWindow).state.open, false);
  assert.equal(bo.relay.disconnects, 2, 'Bo left the relay again');
});

test('a member toggling the window in a loop makes the others reconnect only a bounded number of times', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const ada = new Member('Ada', clock, [joinWindow], { lockAfter: 60 });
  const bo = new Member('Bo', clock, [joinWindow], { lockAfter: 60 });
  ada.join();
  bo.join();
  link(ada, bo);
  clock.advance(60_000);
  for (let i = 0; i < 200; i++) {
    ada.features.api(joinWindow).allow(60);
    ada.features.api(joinWindow).lock();
    clock.advance(50);
  }
  // 10 s passed: a burst of 3, then one per 10 s.
  assert.ok(bo.relay.connects <= 3, `Bo reconnected ${bo.relay.connects} times`);
  assert.ok(bo.router.dropped.limited >= 390, `${bo.router.dropped.limited} limited`);
});
