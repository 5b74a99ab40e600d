/**
 * Roles (core/features/roles.ts, role-chain.ts) between members whose
 * control channels are wired directly, on a fake clock, with real identity
 * keys and real signatures: who hosts, hand-over when the host leaves or
 * vanishes (always converging on one host, also when members briefly
 * disagree), co-hosts, and host actions that are forged, foreign, replayed
 * or stale being ignored and counted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineFeature } from '../../core/features/feature.js';
import { ActionMessage, GENESIS_WAIT_MS, ROSTER_DELAY_MS, roles, type HostAction } from '../../core/features/roles.js';
import { signStatement, type SignedAction } from '../../core/features/statements.js';
import { FakeClock } from '../support/fake-clock.js';
import { forget, leaveMeeting, link, Member, settle, unlink, type FakePeer } from '../support/feature-harness.js';

/** A feature with one host action, as the waiting room or moderation declare theirs. */
const probe = defineFeature({
  key: 'probe',
  messages: [],
  requires: [roles],
  install(ctx) {
    const r = ctx.use(roles);
    const Poke = r.action<{ n: number }>('poke', (b) => typeof b['n'] === 'number');
    const got: HostAction<{ n: number }>[] = [];
    r.onAction(Poke, (a) => void got.push(a));
    return { poke: (n: number) => r.act(Poke, { n }), got, Poke };
  },
});

const FEATURES = [roles, probe];
const rolesOf = (m: Member) => m.features.api(roles);
const probeOf = (m: Member) => m.features.api(probe);
const hostsSeen = (ms: readonly Member[]) => ms.map((m) => rolesOf(m).host);
const agreeOn = (ms: readonly Member[], host: Member) => () => ms.every((m) => rolesOf(m).host === host.id);

async function members(clock: FakeClock, ...names: string[]): Promise<Member[]> {
  return Promise.all(names.map((n) => Member.signed(n, clock, FEATURES)));
}

/** `first` joins alone and becomes host; the others join after it, one by one, each linked to everyone before it. */
async function meeting(clock: FakeClock, ...names: string[]): Promise<Member[]> {
  const all = await members(clock, ...names);
  const [first, ...rest] = all as [Member, ...Member[]];
  first.join();
  clock.advance(GENESIS_WAIT_MS);
  await settle(() => rolesOf(first).host === first.id);
  rest.forEach((m, i) => {
    m.join();
    for (const before of all.slice(0, i + 1)) link(before, m);
  });
  await settle(agreeOn(all, first));
  clock.advance(ROSTER_DELAY_MS);
  await settle(() => all.every((m) => rolesOf(m).term === 0));
  await settle();
  return all;
}

/** A member vanishing: every link to it ends, without a word from it. */
function vanish(m: Member, all: readonly Member[]): void {
  for (const other of all) if (other !== m) unlink(m, other);
  m.leave();
}

test('the first member hosts; members who come later learn it and no one else claims it', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = await meeting(clock, 'Ada', 'Bo', 'Cy') as [Member, Member, Member];
  assert.deepEqual(hostsSeen([ada, bo, cy]), [ada.id, ada.id, ada.id]);
  assert.equal(rolesOf(ada).mayAct, true);
  assert.equal(rolesOf(bo).mayAct, false);
  assert.equal(rolesOf(bo).roleOf(ada.id), 'host');
  assert.equal(rolesOf(ada).roleOf(cy.id), 'member');
  // Later members waited for the chain instead of making their own, even long after.
  clock.advance(GENESIS_WAIT_MS * 5);
  await settle();
  assert.deepEqual(hostsSeen([ada, bo, cy]), [ada.id, ada.id, ada.id]);
  assert.equal(rolesOf(cy).term, 0);
});

test('the host leaving hands over to the longest-present member, and everyone follows', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const all = await meeting(clock, 'Ada', 'Bo', 'Cy', 'Di');
  const [ada, bo, cy, di] = all as [Member, Member, Member, Member];
  await leaveMeeting(ada, all);
  await settle(agreeOn([bo, cy, di], bo));
  assert.deepEqual(hostsSeen([bo, cy, di]), [bo.id, bo.id, bo.id]);
  assert.equal(rolesOf(cy).term, 1);
  // The new host can act, and its actions count everywhere.
  await probeOf(bo).poke(7);
  await settle(() => [cy, di].every((m) => probeOf(m).got.length === 1));
  assert.deepEqual([cy, di].map((m) => probeOf(m).got.map((a) => a.body.n)), [[7], [7]]);
});

test('a vanished host is succeeded by its co-host before longer-present members', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const all = await meeting(clock, 'Ada', 'Bo', 'Cy', 'Di');
  const [ada, bo, cy, di] = all as [Member, Member, Member, Member];
  await rolesOf(ada).setCohost(cy.id, true);
  await settle(() => [bo, di].every((m) => rolesOf(m).cohosts.includes(cy.id)));
  assert.equal(rolesOf(di).roleOf(cy.id), 'cohost');
  assert.equal(rolesOf(cy).mayAct, true);
  vanish(ada, all);
  await settle(agreeOn([bo, cy, di], cy));
  assert.deepEqual(hostsSeen([bo, cy, di]), [cy.id, cy.id, cy.id]);
});

test('a vanished host without co-hosts is succeeded by the longest-present member', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const all = await meeting(clock, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  vanish(ada, all);
  await settle(agreeOn([bo, cy], bo));
  assert.deepEqual(hostsSeen([bo, cy]), [bo.id, bo.id]);
  // Bo, now host, signs a roster: it hosts from here on, and Cy would follow it.
  clock.advance(ROSTER_DELAY_MS);
  await settle();
  vanish(bo, [bo, cy]);
  await settle(() => rolesOf(cy).host === cy.id);
  assert.equal(rolesOf(cy).term, 2);
});

test('members who notice the host is gone at different moments converge on one host', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const all = await meeting(clock, 'Ada', 'Bo', 'Cy', 'Di');
  const [ada, bo, cy, di] = all as [Member, Member, Member, Member];
  // Ada vanishes: Bo and Di notice at once, Cy's liveness only later.
  ada.leave();
  forget(bo, ada);
  forget(di, ada);
  await settle(() => rolesOf(di).host === bo.id);
  assert.deepEqual(hostsSeen([bo, cy, di]), [bo.id, ada.id, bo.id], 'Cy still sees Ada, so it holds Bo\'s claim');
  forget(cy, ada);
  await settle(agreeOn([bo, cy, di], bo));
  assert.deepEqual(hostsSeen([bo, cy, di]), [bo.id, bo.id, bo.id]);
  assert.deepEqual([bo, cy, di].map((m) => rolesOf(m).term), [1, 1, 1]);
});

test('two rival claims (one member missed the roster naming a co-host) converge on the co-host', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const all = await meeting(clock, 'Ada', 'Bo', 'Cy', 'Di');
  const [ada, bo, cy, di] = all as [Member, Member, Member, Member];
  // Bo and Cy miss every roles message for a while: the roster making Di co-host reaches only Di.
  const deaf = new Set([bo, cy]);
  for (const m of deaf) {
    const dispatch = m.router.dispatch.bind(m.router);
    m.router.dispatch = (peer, data) => {
      if (deaf.has(m) && String(data).includes('"type":"roles"')) return;
      dispatch(peer, data);
    };
  }
  await rolesOf(ada).setCohost(di.id, true);
  await settle(() => rolesOf(di).mayAct);
  assert.deepEqual([bo, cy].map((m) => rolesOf(m).cohosts.length), [0, 0]);
  deaf.clear();
  // Ada vanishes: Bo believes it is next and claims; Di, co-host, claims too.
  vanish(ada, all);
  await settle(agreeOn([bo, cy, di], di));
  assert.deepEqual(hostsSeen([bo, cy, di]), [di.id, di.id, di.id], 'the claim ranked by the newer roster wins everywhere');
  assert.equal(rolesOf(bo).term, 1);
});

test('a member who sees a ghost above it waits, and claims once the ghost is gone', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const all = await meeting(clock, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  // Ada and Bo vanish together; Cy notices Ada first, while Bo is still in its view.
  ada.leave();
  bo.leave();
  forget(cy, ada);
  await settle();
  assert.equal(rolesOf(cy).host, ada.id, 'Cy waits: Bo ranks first and may still claim');
  forget(cy, bo);
  await settle(() => rolesOf(cy).host === cy.id);
  assert.equal(rolesOf(cy).host, cy.id);
  assert.equal(rolesOf(cy).term, 1);
});

test('two members who each started alone settle on one genesis', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo] = await members(clock, 'Ada', 'Bo') as [Member, Member];
  ada.join();
  bo.join();
  // Both hellos crossed: linked as equals, neither was there before the other.
  link(ada, bo);
  (bo.peers.get(ada.id) as FakePeer).older = false;
  clock.advance(GENESIS_WAIT_MS);
  await settle(() => rolesOf(ada).host !== null && rolesOf(ada).host === rolesOf(bo).host);
  const lower = ada.id < bo.id ? ada : bo;
  assert.deepEqual(hostsSeen([ada, bo]), [lower.id, lower.id]);
});

test('a member whose genesis was a mistake takes the chain of the member who was there first', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo] = await members(clock, 'Ada', 'Bo') as [Member, Member];
  ada.join();
  clock.advance(GENESIS_WAIT_MS);
  await settle(() => rolesOf(ada).host === ada.id);
  // Bo's machine was slow to meet Ada: it made its own genesis first.
  bo.join();
  clock.advance(GENESIS_WAIT_MS);
  await settle(() => rolesOf(bo).host === bo.id);
  link(ada, bo);
  await settle(agreeOn([ada, bo], ada));
  assert.deepEqual(hostsSeen([ada, bo]), [ada.id, ada.id]);
});

/** The host-action message `by` would send over its own link to `to`, for a statement it signed itself. */
async function forgedAction(by: Member, to: Member, fields: { meeting: string; term: number; ts?: number; start: SignedAction; roster?: SignedAction }): Promise<SignedAction> {
  const signer = { id: by.id, publicKey: by.identity!.publicKey, sign: (d: Uint8Array<ArrayBuffer>) => by.identity!.sign(d), verify: async () => true };
  const a = await signStatement(signer, { kind: 'act:poke', meeting: fields.meeting, term: fields.term, ts: fields.ts ?? by.clock.now(), body: { n: 666 } });
  deliver(by, to, { start: fields.start, ...(fields.roster ? { roster: fields.roster } : {}), a: a.signed });
  return a.signed;
}
const deliver = (from: Member, to: Member, body: object) =>
  to.router.dispatch(to.peers.get(from.id) as FakePeer, to.router.encode('roles', ActionMessage, body as never));

/** The chain a member holds, as it would show it: read off a real action it signs. */
async function chainOf(host: Member, witness: Member): Promise<{ start: SignedAction; roster?: SignedAction; meeting: string; term: number; action: SignedAction }> {
  let sent: { start: SignedAction; roster?: SignedAction; a: SignedAction } | undefined;
  const router = witness.router;
  const original = router.dispatch.bind(router);
  router.dispatch = (peer, data) => {
    const msg = JSON.parse(String(data)) as { type: string; body: never };
    if (msg.type === 'host-action') sent = msg.body;
    original(peer, data);
  };
  await probeOf(host).poke(1);
  await settle(() => sent !== undefined);
  router.dispatch = original;
  const parsed = JSON.parse(sent!.a.p) as { meeting: string; term: number };
  return { start: sent!.start, ...(sent!.roster ? { roster: sent!.roster } : {}), meeting: parsed.meeting, term: parsed.term, action: sent!.a };
}

test('host actions that are forged, foreign, replayed or stale are ignored and counted', { timeout: 15_000 }, async () => {
  const clock = new FakeClock();
  const all = await meeting(clock, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  const chain = await chainOf(ada, cy);
  await settle(() => probeOf(cy).got.length === 1);
  assert.deepEqual(probeOf(cy).got.map((a) => [a.by, a.role]), [[ada.id, 'host']]);

  // Signed by a member who is not host, carrying the real chain.
  await forgedAction(bo, cy, chain);
  await settle(() => rolesOf(cy).dropped.unentitled === 1);
  assert.equal(rolesOf(cy).dropped.unentitled, 1, 'a non-host action');

  // The same action again: a replay.
  deliver(ada, cy, { start: chain.start, ...(chain.roster ? { roster: chain.roster } : {}), a: chain.action });
  await settle(() => rolesOf(cy).dropped.replayed === 1);
  assert.equal(rolesOf(cy).dropped.replayed, 1, 'a replayed action');

  // A host's action, tampered with after signing.
  const tampered = { p: chain.action.p.replace('"n":1', '"n":9'), s: chain.action.s };
  deliver(ada, cy, { start: chain.start, a: tampered });
  await settle(() => rolesOf(cy).dropped.forged === 1);
  assert.equal(rolesOf(cy).dropped.forged, 1, 'a tampered action');

  // The host of another meeting, with its own chain.
  const other = await meeting(new FakeClock(clock.now()), 'Eve');
  const eve = other[0]!;
  link(eve, cy); // Cy meets the host of another meeting: its chain and actions are foreign to Cy
  await chainOf(eve, cy);
  await settle(() => rolesOf(cy).dropped.foreign >= 2);
  assert.ok(rolesOf(cy).dropped.foreign >= 2, 'the chain and an action of another meeting');
  assert.equal(rolesOf(cy).host, ada.id, 'and its chain did not move ours');

  // Before a role change: an action Ada signed as host arrives after Ada handed over to Bo.
  const staleBefore = rolesOf(cy).dropped.stale;
  const oldAction = await signStatement(
    { id: ada.id, publicKey: ada.identity!.publicKey, sign: (d) => ada.identity!.sign(d), verify: async () => true },
    { kind: 'act:poke', meeting: chain.meeting, term: chain.term, ts: clock.now(), body: { n: 42 } },
  );
  await leaveMeeting(ada, all.concat(eve));
  await settle(agreeOn([bo, cy], bo));
  link(ada, cy); // the old host's page, still able to reach Cy
  deliver(ada, cy, { start: chain.start, a: oldAction.signed });
  await settle(() => rolesOf(cy).dropped.stale > staleBefore);
  assert.ok(rolesOf(cy).dropped.stale > staleBefore, 'an action from before the hand-over');
  assert.ok(!probeOf(cy).got.some((a) => a.body.n === 666 || a.body.n === 9 || a.body.n === 42), 'none of them reached the feature');
});

test('a co-host may act until the host takes the role back; then its actions are unentitled', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = await meeting(clock, 'Ada', 'Bo', 'Cy') as [Member, Member, Member];
  await assert.rejects(rolesOf(bo).setCohost(cy.id, true), /secure-meeting: making co-hosts needs the host role/);
  await assert.rejects(probeOf(bo).poke(1), (e: Error & { code?: string }) => e.code === 'forbidden');
  await rolesOf(ada).setCohost(bo.id, true);
  await settle(() => rolesOf(bo).mayAct);
  await probeOf(bo).poke(2);
  await settle(() => probeOf(cy).got.length === 1);
  assert.deepEqual(probeOf(cy).got.map((a) => [a.body.n, a.role]), [[2, 'cohost']]);
  const chain = await chainOf(bo, cy);
  await settle(() => probeOf(cy).got.length === 2);
  await rolesOf(ada).setCohost(bo.id, false);
  await settle(() => !rolesOf(cy).cohosts.includes(bo.id));
  await forgedAction(bo, cy, { meeting: chain.meeting, term: chain.term, start: chain.start });
  await settle(() => rolesOf(cy).dropped.unentitled === 1);
  assert.equal(rolesOf(cy).dropped.unentitled, 1);
  assert.equal(probeOf(cy).got.length, 2);
});

test('junk in the roles messages is dropped and counted, and the next message still works', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo] = await meeting(clock, 'Ada', 'Bo') as [Member, Member];
  const chain = await chainOf(ada, bo);
  deliver(ada, bo, { start: { p: '{"kind":"genesis"}', s: chain.action.s }, a: chain.action });
  deliver(ada, bo, { start: { p: 'not json', s: chain.action.s }, a: chain.action });
  await settle();
  assert.ok(rolesOf(bo).dropped.malformed >= 2);
  await probeOf(ada).poke(3);
  await settle(() => probeOf(bo).got.some((a) => a.body.n === 3));
  assert.ok(probeOf(bo).got.some((a) => a.body.n === 3));
});

test('members who came after the last roster still take over, lowest id first, when the host leaves or vanishes', { timeout: 10_000 }, async () => {
  for (const how of ['leaves', 'vanishes'] as const) {
    const clock = new FakeClock();
    const [ada, bo, cy] = await members(clock, 'Ada', 'Bo', 'Cy') as [Member, Member, Member];
    ada.join();
    clock.advance(GENESIS_WAIT_MS);
    await settle(() => rolesOf(ada).host === ada.id);
    // Bo and Cy arrive, and Ada goes before its roster naming them is signed.
    for (const m of [bo, cy]) m.join();
    link(ada, bo);
    link(ada, cy);
    link(bo, cy);
    await settle(agreeOn([ada, bo, cy], ada));
    assert.deepEqual(rolesOf(bo).succession, [], `${how}: no roster lists Bo or Cy yet`);
    if (how === 'leaves') await leaveMeeting(ada, [ada, bo, cy]);
    else vanish(ada, [ada, bo, cy]);
    const lower = bo.id < cy.id ? bo : cy;
    await settle(agreeOn([bo, cy], lower));
    assert.deepEqual(hostsSeen([bo, cy]), [lower.id, lower.id], how);
  }
});
