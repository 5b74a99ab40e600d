/**
 * The gate in front of the mesh (core/mesh/gate.ts): with a policy that
 * holds, a newcomer's hello or offer makes no connection; held members are
 * bounded (newest kept) and expire; a released hello makes us offer, a
 * released offer is answered with its candidates; knock replies are
 * bounded; knock signals reach the policy only when addressed to us. The
 * mesh runs over stand-in connections (test/support/fake-rtc.ts) on a fake
 * clock.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { HELD_TTL_MS, MAX_HELD, REPLY_INTERVAL_MS, type GateVerdict, type Knocker } from '../../core/mesh/gate.js';
import type { Inbound } from '../../core/envelope.js';
import { parseSignal, type KnockBody } from '../../core/wire/signals.js';
import { FakeClock } from '../support/fake-clock.js';
import { candidateFrom, FakeConnection, freshId, helloFrom, nodeMesh, offerFrom } from '../support/fake-rtc.js';

beforeEach(() => FakeConnection.reset());

/** A mesh with a policy that says `verdict` (changeable), recording what it hears. */
function gated(clock: FakeClock, verdict: GateVerdict = 'hold') {
  const made = nodeMesh(clock);
  const heard = { arrived: [] as Knocker[], changes: 0, again: [] as string[], knocks: [] as { from: string; body: KnockBody }[], checks: [] as string[] };
  const policy = {
    verdict,
    check: (m: Knocker, kind: 'hello' | 'offer') => {
      heard.checks.push(`${kind}:${m.id}`);
      return policy.verdict;
    },
    changed: (arrived: Knocker | null) => {
      heard.changes++;
      if (arrived) heard.arrived.push(arrived);
    },
    heldAgain: (m: Knocker) => void heard.again.push(m.id),
    knocked: (from: { id: string }, body: KnockBody) => void heard.knocks.push({ from: from.id, body }),
  };
  const control = made.mesh.gate.install(policy);
  return { ...made, policy, heard, control };
}

const offersTo = (signals: { signal: { type: string; body: unknown }; to: string | undefined }[], id: string) =>
  signals.filter((s) => s.to === id && s.signal.type === 'description' && (s.signal.body as { description: { type: string } }).description.type === 'offer');

test('a held hello makes no connection until released; released, we offer to the newcomer', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { mesh, room, heard, control } = gated(clock);
  const id = freshId();
  mesh.receive(helloFrom(id, clock));
  assert.equal(mesh.peers.size, 0, 'no peer for a held hello');
  assert.equal(FakeConnection.made.length, 0, 'no connection made');
  assert.deepEqual(control.held.map((k) => [k.id, k.name, k.since]), [[id, 'Guest', clock.now()]]);
  assert.deepEqual(heard.arrived.map((k) => k.id), [id], 'the policy heard of the newcomer once');

  assert.equal(control.release(id), true);
  assert.equal(control.held.length, 0);
  assert.ok(mesh.peers.has(id), 'connected once released');
  await new Promise((r) => setImmediate(r));
  assert.equal(offersTo(room.signals, id).length, 1, 'we offered, as the one whose hello was answered');
  assert.equal(control.release(id), false, 'released once');
});

test('a held offer and its candidates are applied in order once released', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { mesh, control } = gated(clock);
  const id = freshId();
  mesh.receive(offerFrom(id, clock));
  for (let n = 0; n < 3; n++) mesh.receive(candidateFrom(id, clock, n));
  assert.equal(FakeConnection.made.length, 0);
  control.release(id);
  const peer = mesh.peers.get(id);
  assert.ok(peer, 'connected');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(FakeConnection.made.at(-1)!.candidates, 3, 'the three candidates that came while held were applied');
});

test('at most MAX_HELD are held, the newest kept; a hello again makes one the newest and keeps when it first knocked', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  const { mesh, control, heard } = gated(clock);
  const first = freshId();
  mesh.receive(helloFrom(first, clock));
  const since = clock.now();
  const flood: string[] = [];
  for (let i = 0; i < MAX_HELD - 1; i++) {
    clock.advance(10);
    flood.push(freshId());
    mesh.receive(helloFrom(flood.at(-1)!, clock));
  }
  assert.equal(control.held.length, MAX_HELD);
  clock.advance(10);
  mesh.receive({ ...helloFrom(first, clock), nonce: 'again-first' } as Inbound);
  assert.deepEqual(heard.again, [first], 'heard again, not as a new arrival');
  assert.equal(control.held.at(-1)!.id, first, 'the newest now');
  assert.equal(control.held.at(-1)!.since, since, 'still waiting since its first hello');
  for (let i = 0; i < 40; i++) mesh.receive(helloFrom(freshId(), clock));
  assert.equal(control.held.length, MAX_HELD, 'never more than the cap');
  assert.equal(mesh.gate.counts.shed, 40 + 1 - 1, 'each newer one pushed out the oldest');
  assert.ok(!control.held.some((k) => k.id === first), 'a flood pushes out even a real newcomer…');
  mesh.receive({ ...helloFrom(first, clock), nonce: 'third-first' } as Inbound);
  assert.equal(control.held.at(-1)!.id, first, '…who is back as the newest with its next hello');
  assert.equal(FakeConnection.made.length, 0, 'no connection for any of them');
});

test('a held member is forgotten HELD_TTL_MS after its last hello, and no timer is left', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  const { mesh, control, heard } = gated(clock);
  const id = freshId();
  mesh.receive(helloFrom(id, clock));
  clock.advance(HELD_TTL_MS - 1000);
  mesh.receive({ ...helloFrom(id, clock), nonce: 'again' } as Inbound);
  clock.advance(HELD_TTL_MS - 1000);
  assert.equal(control.held.length, 1, 'its hello again gave it another HELD_TTL_MS');
  const changes = heard.changes;
  clock.advance(1000);
  assert.equal(control.held.length, 0, 'forgotten');
  assert.equal(mesh.gate.counts.expired, 1);
  assert.equal(heard.changes, changes + 1, 'the policy heard it go');
  assert.equal(control.release(id), false);
  assert.equal(clock.pending, 0);
});

test('ignored hellos and offers leave nothing; a recheck connects the held ones the policy now lets through', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  const { mesh, control, policy } = gated(clock, 'ignore');
  mesh.receive(helloFrom(freshId(), clock));
  mesh.receive(offerFrom(freshId(), clock));
  assert.equal(control.held.length, 0);
  assert.equal(mesh.gate.counts.ignored, 2);
  policy.verdict = 'hold';
  const [a, b] = [freshId(), freshId()];
  mesh.receive(helloFrom(a, clock));
  mesh.receive(helloFrom(b, clock));
  control.drop(b);
  assert.deepEqual(control.held.map((k) => k.id), [a]);
  policy.verdict = 'pass';
  control.recheck();
  assert.equal(control.held.length, 0);
  assert.deepEqual([...mesh.peers.keys()], [a], 'the held one connected; the dropped one did not');
  const c = freshId();
  mesh.receive(helloFrom(c, clock));
  assert.ok(mesh.peers.has(c), 'let through at once now');
});

test('knock replies: one per member and state per interval, a denial right after "waiting", and a bound for everyone together', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  const { control, room } = gated(clock);
  const id = freshId();
  assert.equal(control.reply(id, { state: 'waiting' }), true);
  assert.equal(control.reply(id, { state: 'waiting' }), false, 'not twice in a row');
  assert.equal(control.reply(id, { state: 'denied', by: 'a'.repeat(16) }), true, 'a denial goes at once');
  clock.advance(REPLY_INTERVAL_MS);
  assert.equal(control.reply(id, { state: 'waiting' }), true, 'again after the interval');
  const sealed = room.signals.filter((s) => s.signal.type === 'knock');
  assert.deepEqual(sealed.map((s) => [s.to, (s.signal.body as KnockBody).state]), [[id, 'waiting'], [id, 'denied'], [id, 'waiting']]);
  let sent = 0;
  for (let i = 0; i < 100; i++) if (control.reply(freshId(), { state: 'waiting' })) sent++;
  assert.ok(sent <= MAX_HELD, `${sent} replies sealed at once to fresh ids`);
});

test('knock signals reach the policy only when addressed to us; a second gate policy is refused', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  const { mesh, heard } = gated(clock);
  const from = freshId();
  const knock = (to: string | undefined) => ({ from, ts: clock.now(), nonce: `k${to}`, key: 'K'.repeat(87), type: 'knock', body: { state: 'waiting' }, ...(to ? { to } : {}) }) as Inbound;
  mesh.receive(knock(undefined));
  mesh.receive(knock('f'.repeat(16)));
  assert.deepEqual(heard.knocks, [{ from, body: { state: 'waiting' } }]);
  assert.throws(() => mesh.gate.install({ check: () => 'pass', changed: () => {}, knocked: () => {} }),
    (e: unknown) => e instanceof TypeError && e.message === 'secure-meeting: only one feature of a meeting can install a gate');
});

test('without a policy every hello is let through as before, and knockAgain says hello on the relay', { timeout: 10_000 }, () => {
  const clock = new FakeClock();
  const { mesh, room } = nodeMesh(clock);
  const id = freshId();
  mesh.receive(helloFrom(id, clock));
  assert.ok(mesh.peers.has(id));
  const control = mesh.gate.install({ check: () => 'hold', changed: () => {}, knocked: () => {} });
  control.knockAgain();
  assert.deepEqual(room.signals.at(-1), { signal: { type: 'hello', body: { name: 'Self' } }, to: undefined });
});

test('knock signals: waiting, or denied by a member id with an optional signed action; anything else is dropped', { timeout: 5000 }, () => {
  const by = '0123456789abcdef';
  const action = { p: '{"kind":"deny"}', s: 'A'.repeat(86) };
  const ok = [
    { type: 'knock', body: { state: 'waiting' } },
    { type: 'knock', body: { state: 'denied', by } },
    { type: 'knock', body: { state: 'denied', by, action } },
  ];
  for (const signal of ok) assert.deepEqual(parseSignal(signal), signal);
  const bad = [
    { type: 'knock', body: {} },
    { type: 'knock', body: { state: 'admitted' } },
    { type: 'knock', body: { state: 'denied' } },
    { type: 'knock', body: { state: 'denied', by: 'Bertrand' } },
    { type: 'knock', body: { state: 'denied', by, action: 'signed' } },
    { type: 'knock', body: { state: 'denied', by, action: { p: '{}', s: 'short' } } },
    { type: 'knock', body: { state: 'denied', by, action: { p: 'x'.repeat(5000), s: action.s } } },
    { type: 'knock' },
  ];
  for (const signal of bad) assert.equal(parseSignal(signal), undefined, JSON.stringify(signal).slice(0, 80));
});
