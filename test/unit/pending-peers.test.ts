/**
 * Members whose control channel never opens (core/mesh/pending.ts): a flood
 * of hellos from fresh ids holds at most MAX_PENDING connections, makes new
 * ones at a bounded rate, each goes after PENDING_TIMEOUT_MS, a real
 * newcomer still gets in, and a browser
 * that will not make another RTCPeerConnection breaks nothing. The mesh runs
 * over stand-in connections (test/support/fake-rtc.ts) on a fake clock; the
 * e2e suite floods real browsers.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { MAX_PENDING, MAX_WAITING, NEW_CONNECTIONS_PER_SECOND, PENDING_STALL_MS, PENDING_TIMEOUT_MS } from '../../core/mesh/pending.js';
import { FakeClock } from '../support/fake-clock.js';
import { candidateFrom, FakeConnection, freshId, helloFrom, lastConnection, nodeMesh, offerFrom } from '../support/fake-rtc.js';

beforeEach(() => FakeConnection.reset());

const pong = JSON.stringify({ type: 'pong', body: {} });
/** How long until the next connection is allowed once the first MAX_PENDING are spent. */
const NEXT_CONNECTION_MS = 1000 / NEW_CONNECTIONS_PER_SECOND;

test('600 hellos from fresh ids never hold more than the cap of pending peers, make connections at a bounded rate, and all go after the timeout', { timeout: 20_000 }, () => {
  const clock = new FakeClock();
  const { mesh, tiles, mostTiles } = nodeMesh(clock);
  const start = clock.now();
  for (let i = 0; i < 600; i++) {
    mesh.receive(helloFrom(freshId(), clock));
    assert.ok(mesh.pending.size <= MAX_PENDING, `hello ${i}: ${mesh.pending.size} pending`);
    const open = FakeConnection.made.filter((pc) => !pc.closed).length;
    assert.ok(open <= MAX_PENDING, `hello ${i}: ${open} connections open`);
    // Closed connections still count towards the browser's limit until collected: the rate bounds them.
    const allowed = MAX_PENDING + Math.floor(((clock.now() - start) / 1000) * NEW_CONNECTIONS_PER_SECOND);
    assert.ok(FakeConnection.made.length <= allowed, `hello ${i}: ${FakeConnection.made.length} connections made, ${allowed} allowed by now`);
    assert.ok(mesh.pending.waiting <= MAX_WAITING, `hello ${i}: ${mesh.pending.waiting} waiting`);
    clock.advance(10);
  }
  assert.equal(mostTiles(), MAX_PENDING, 'never more tiles than the cap');
  assert.ok(mesh.pending.counts.evicted > 0, 'hellos past the cap made room by closing the oldest');
  clock.advance((MAX_WAITING / NEW_CONNECTIONS_PER_SECOND) * 1000);
  assert.equal(mesh.pending.waiting, 0, 'the newest that waited were answered');
  assert.equal(FakeConnection.made.length + mesh.pending.counts.shed, 600, 'each hello was answered or pushed out by a newer one');
  clock.advance(PENDING_TIMEOUT_MS);
  assert.equal(mesh.peers.size, 0, 'every ghost is gone after the timeout');
  assert.equal(tiles.size, 0);
  assert.equal(mesh.pending.size, 0);
  assert.ok(FakeConnection.made.every((pc) => pc.closed), 'every connection closed');
  assert.equal(clock.pending, 0, 'no timer left behind');
});

test('a real newcomer who says hello after a flood is answered next, and keeps its place once ICE finds a path', { timeout: 20_000 }, () => {
  const clock = new FakeClock();
  const { mesh } = nodeMesh(clock);
  for (let i = 0; i < 100; i++) mesh.receive(helloFrom(freshId(), clock));
  const newcomer = freshId();
  mesh.receive(helloFrom(newcomer, clock));
  assert.equal(mesh.pending.waiting, MAX_WAITING, 'the flood spent the connections allowed at once; the newest wait');
  clock.advance(NEXT_CONNECTION_MS);
  const pc = lastConnection();
  assert.ok(mesh.peers.has(newcomer), 'answered first with the next connection allowed, although the flood filled every place');
  clock.advance(300);
  pc.setState('connected', 'connecting'); // ICE found a path; DTLS and SCTP still under way
  for (let i = 0; i < 100; i++) mesh.receive(helloFrom(freshId(), clock));
  clock.advance(PENDING_STALL_MS);
  assert.ok(mesh.peers.has(newcomer), 'the flood did not push out a member with a path');
  assert.ok(mesh.pending.size <= MAX_PENDING);
  pc.setState('connected', 'connected');
  pc.channel.open();
  assert.equal(mesh.peers.get(newcomer)?.pending, false);
  // Past the pending timeout, kept alive by its pongs as liveness expects.
  for (let t = 0; t < PENDING_TIMEOUT_MS + 5000; t += 1000) {
    clock.advance(1000);
    pc.channel.onmessage?.({ data: pong });
  }
  assert.ok(mesh.peers.has(newcomer), 'a member whose channel opened is not timed out');
  assert.deepEqual([...mesh.peers.keys()], [newcomer], 'the ghosts are gone');
});

test('an offer that waits for a connection keeps the candidates sent after it', { timeout: 20_000 }, async () => {
  const clock = new FakeClock();
  const { mesh } = nodeMesh(clock);
  for (let i = 0; i < MAX_PENDING; i++) mesh.receive(helloFrom(freshId(), clock));
  const member = freshId();
  mesh.receive(offerFrom(member, clock));
  for (let n = 0; n < 3; n++) mesh.receive(candidateFrom(member, clock, n));
  assert.equal(mesh.peers.has(member), false, 'no connection allowed at once');
  clock.advance(NEXT_CONNECTION_MS);
  const peer = mesh.peers.get(member);
  assert.ok(peer, 'its offer is answered with the next connection allowed');
  assert.equal(peer.pending, true);
  await new Promise((resolve) => setImmediate(resolve)); // signals are applied in order, asynchronously
  assert.equal(lastConnection().candidates, 3, 'the candidates that came while it waited are applied');
});

test('when every place holds a member with a path, a new one waits for a place, counted', { timeout: 20_000 }, () => {
  const clock = new FakeClock();
  const { mesh } = nodeMesh(clock);
  for (let i = 0; i < MAX_PENDING; i++) {
    mesh.receive(helloFrom(freshId(), clock));
    lastConnection().setState('checking', 'connecting');
    lastConnection().setState('connected', 'connecting');
  }
  clock.advance(NEXT_CONNECTION_MS); // a new connection is allowed: only the places are full
  const late = freshId();
  mesh.receive(helloFrom(late, clock));
  assert.equal(mesh.peers.has(late), false);
  assert.equal(mesh.pending.counts.refused, 1);
  assert.equal(mesh.pending.waiting, 1, 'it waits for a place');
  assert.equal(mesh.peers.size, MAX_PENDING);
  clock.advance(PENDING_TIMEOUT_MS);
  assert.equal(mesh.pending.counts.timedOut, MAX_PENDING, 'those that never opened their channel go too');
  assert.deepEqual([...mesh.peers.keys()], [late], 'and the one that waited is answered in a freed place');
  const next = freshId();
  mesh.receive(helloFrom(next, clock));
  assert.ok(mesh.peers.has(next), 'a place is free again');
});

test('a browser that will not make a 5th RTCPeerConnection: that hello is dropped and counted, a later newcomer gets in', { timeout: 20_000 }, () => {
  const clock = new FakeClock();
  const { mesh, failures } = nodeMesh(clock);
  FakeConnection.throwOn = new Set([5]);
  const ids = Array.from({ length: 4 }, freshId);
  for (const id of ids) mesh.receive(helloFrom(id, clock));
  const refused = freshId();
  assert.doesNotThrow(() => mesh.receive(helloFrom(refused, clock)));
  assert.equal(mesh.peers.has(refused), false);
  assert.equal(mesh.pending.counts.failed, 1);
  assert.equal(mesh.pending.size, 4, 'nothing half-made is kept');
  const newcomer = freshId();
  mesh.receive(helloFrom(newcomer, clock));
  assert.ok(mesh.peers.has(newcomer), 'the next hello works');
  assert.equal(FakeConnection.calls, 6);
  assert.deepEqual(failures, []);
});

test('a connection that fails before it opens is shown as failed, retried once with an ICE restart, and dropped after the timeout', { timeout: 20_000 }, async () => {
  const clock = new FakeClock();
  const { mesh, tiles } = nodeMesh(clock);
  const id = freshId();
  mesh.receive(helloFrom(id, clock));
  const pc = lastConnection();
  const peer = mesh.peers.get(id)!;
  assert.equal(peer.connectionFailed, false);
  pc.setState('failed', 'failed');
  assert.equal(peer.connectionFailed, true, 'the member is shown as could not connect');
  assert.ok(tiles.has(id), 'not a silent ghost, not gone either: its tile stays and says so');
  await new Promise((resolve) => setImmediate(resolve)); // the restart waits for queued signaling
  assert.equal(pc.restarts, 1, 'retried once with an ICE restart');
  pc.setState('checking', 'connecting');
  pc.setState('failed', 'failed');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(pc.restarts, 1, 'only once');
  assert.equal(peer.connectionFailed, true);
  clock.advance(PENDING_TIMEOUT_MS);
  assert.equal(mesh.peers.has(id), false, 'dropped after the pending timeout');
  assert.equal(tiles.has(id), false);
  assert.ok(pc.closed);
});

test('a connection that never finds a path, though ICE never says failed, is shown as failed halfway to the timeout', { timeout: 20_000 }, () => {
  // The other side of a pair whose one end failed at once (seen with Firefox): ICE here just keeps checking.
  const clock = new FakeClock();
  const { mesh } = nodeMesh(clock);
  const [stuck, found] = [freshId(), freshId()];
  mesh.receive(helloFrom(stuck, clock));
  mesh.receive(helloFrom(found, clock));
  lastConnection().setState('connected', 'connecting'); // a path, the channel not open yet
  clock.advance(PENDING_STALL_MS - 1);
  assert.equal(mesh.peers.get(stuck)!.connectionFailed, false, 'not before');
  clock.advance(1);
  assert.equal(mesh.peers.get(stuck)!.connectionFailed, true, 'no path: could not connect');
  assert.equal(mesh.peers.get(found)!.connectionFailed, false, 'a member with a path is only slow');
  clock.advance(PENDING_TIMEOUT_MS - PENDING_STALL_MS);
  assert.equal(mesh.peers.has(stuck), false, 'and dropped at the timeout');
});

test('a connection that fails once and then opens is no longer shown as failed', { timeout: 20_000 }, async () => {
  const clock = new FakeClock();
  const { mesh } = nodeMesh(clock);
  const id = freshId();
  mesh.receive(helloFrom(id, clock));
  const pc = lastConnection();
  pc.setState('failed', 'failed');
  await new Promise((resolve) => setImmediate(resolve));
  pc.setState('connected', 'connected');
  pc.channel.open();
  const peer = mesh.peers.get(id)!;
  assert.equal(peer.connectionFailed, false);
  assert.equal(peer.pending, false);
  assert.equal(mesh.pending.size, 0);
});
