/**
 * Refusing a member for the rest of the meeting (core/mesh/mesh.ts,
 * refuse()), as a removal does: the connection closes (after a linger, for
 * the host who just told them), nothing they say is heard, their hellos and
 * offers, under the same id or the same identity key, get no connection; and
 * a new epoch closes every member still connecting under the old secret.
 * Over stand-in connections (test/support/fake-rtc.ts) on a fake clock.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { Inbound } from '../../core/envelope.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeConnection, freshId, helloFrom, lastConnection, nodeMesh, offerFrom } from '../support/fake-rtc.js';

beforeEach(() => FakeConnection.reset());

const ping = JSON.stringify({ type: 'ping', body: {} });
const keyOf = (n: number) => String(n).padStart(2, '0').repeat(44).slice(0, 87);
const withKey = (signal: Inbound, key: string): Inbound => ({ ...signal, key });

/** A member who said hello with identity key `key` and whose control channel opened. */
function connected(mesh: ReturnType<typeof nodeMesh>['mesh'], clock: FakeClock, key: string) {
  const id = freshId();
  mesh.receive(withKey(helloFrom(id, clock), key));
  const pc = lastConnection();
  pc.setState('connected', 'connected');
  pc.channel.open();
  assert.equal(mesh.peers.get(id)?.pending, false, 'connected');
  return { id, pc };
}

test('a refused member is closed at once and never connected again, by id or by identity key', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  const { mesh, tiles } = nodeMesh(clock);
  const bo = connected(mesh, clock, keyOf(1));
  const cy = connected(mesh, clock, keyOf(2));
  mesh.refuse(bo.id, keyOf(1));
  assert.equal(bo.pc.closed, true, 'our connection to them closed');
  assert.equal(mesh.peers.has(bo.id), false);
  assert.equal(tiles.has(bo.id), false, 'they left the meeting as everyone sees it');
  assert.equal(cy.pc.closed, false, 'the others are untouched');

  const made = FakeConnection.made.length;
  mesh.receive(withKey(helloFrom(bo.id, clock), keyOf(1)));
  mesh.receive(withKey(offerFrom(bo.id, clock), keyOf(1)));
  // Their key under an id that does not match it never opens in a real room (the codec checks id = hash of key); the mesh refuses the key anyway.
  mesh.receive(withKey(helloFrom(freshId(), clock), keyOf(1)));
  assert.equal(FakeConnection.made.length, made, 'no connection for them');
  assert.equal(mesh.refused.signals, 3, 'each counted');
  assert.equal(mesh.pending.waiting, 0);

  const dee = freshId();
  mesh.receive(withKey(helloFrom(dee, clock), keyOf(3)));
  assert.ok(mesh.peers.has(dee), 'someone else is still let in');
});

test('with a linger, the member leaves the meeting at once, is not heard, and the connection closes after it', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  const { mesh, tiles } = nodeMesh(clock);
  const bo = connected(mesh, clock, keyOf(4));
  const sent = bo.pc.channel.sent.length;
  mesh.refuse(bo.id, keyOf(4), 3000);
  assert.equal(tiles.has(bo.id), false, 'gone from the meeting at once');
  assert.equal(mesh.peers.has(bo.id), false, 'features no longer reach them');
  assert.equal(bo.pc.closed, false, 'the connection lingers so what was just sent arrives');
  bo.pc.channel.onmessage?.({ data: ping });
  assert.equal(bo.pc.channel.sent.length, sent, 'their ping got no pong: not heard');
  assert.equal(mesh.refused.messages, 1);
  clock.advance(2999);
  assert.equal(bo.pc.closed, false);
  clock.advance(1);
  assert.equal(bo.pc.closed, true, 'closed when the linger ends');
});

test('a member refused while its hello waited for a connection is not started', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  const { mesh } = nodeMesh(clock);
  // Spend the connections allowed at once, so the next hello waits.
  for (let i = 0; i < 40; i++) mesh.receive(withKey(helloFrom(freshId(), clock), keyOf(10)));
  const bo = freshId();
  mesh.receive(withKey(helloFrom(bo, clock), keyOf(5)));
  assert.equal(mesh.peers.has(bo), false, 'no connection yet');
  assert.ok(mesh.pending.waiting > 0, 'its hello waits');
  mesh.refuse(bo, keyOf(5));
  clock.advance(60_000);
  assert.equal(mesh.peers.has(bo), false, 'never started');
});

test('a new epoch closes members still connecting and forgets those waiting; connected members stay', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  const { mesh, tiles } = nodeMesh(clock);
  const bo = connected(mesh, clock, keyOf(6));
  const pending = freshId();
  mesh.receive(withKey(helloFrom(pending, clock), keyOf(7)));
  const pendingPc = lastConnection();
  assert.equal(mesh.peers.get(pending)?.pending, true);
  mesh.supersedePending();
  assert.equal(pendingPc.closed, true, 'the one still connecting came in under the old secret: closed');
  assert.equal(tiles.has(pending), false);
  assert.equal(bo.pc.closed, false, 'a connected member stays');
  assert.equal(mesh.pending.counts.superseded, 1);
  assert.equal(mesh.pending.size, 0);
});
