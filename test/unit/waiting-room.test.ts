/**
 * The waiting room (core/features/waiting-room.ts) on a fake clock, with real
 * roles and real signatures: members on a FakeRelay reach each other only
 * through each one's real gate (core/mesh/gate.ts). A newcomer waits and is
 * told so, also when the answer comes after it made itself host alone; the
 * host admits it and every member connects to it; a denied one
 * is told, leaves the relay and reaches no one, also when it knocks again;
 * the toggle lets everyone waiting in; with the host gone the next host sees
 * who is waiting. The e2e suite shows the same in browsers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HELD_TTL_MS, KNOCK_AGAIN_MS } from '../../core/mesh/gate.js';
import { GENESIS_WAIT_MS, LONE_GENESIS_GRACE_MS, ROSTER_DELAY_MS, roles } from '../../core/features/roles.js';
import { KnockEvent, waitingRoom, WaitingRoomEvent } from '../../core/features/waiting-room.js';
import { SecureMeetingError } from '../../core/errors.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeRelay, leaveMeeting, Member, settle } from '../support/feature-harness.js';

const FEATURES = [roles, waitingRoom];
const wr = (m: Member) => m.features.api(waitingRoom);
const rolesOf = (m: Member) => m.features.api(roles);
/** What roles and the waiting room look again at, on their own timers (SETTLE_CHECK_MS, ROSTER_DELAY_MS). */
const SETTLE_MS = 500;

/** A meeting on a relay: `host` first, alone long enough to be host, waiting room as `on`. */
async function hosted(clock: FakeClock, on = true) {
  const relay = new FakeRelay();
  const host = await Member.signed('Ada', clock, FEATURES, { waitingRoom: on });
  host.join();
  relay.enter(host);
  clock.advance(GENESIS_WAIT_MS);
  await settle(() => rolesOf(host).host === host.id);
  assert.equal(rolesOf(host).host, host.id, 'the first member hosts');
  return { relay, host };
}

/** A newcomer reaches the relay (its own waiting-room option as given). */
async function arrive(clock: FakeClock, relay: FakeRelay, name: string, options: Record<string, unknown> = {}) {
  const m = await Member.signed(name, clock, FEATURES, options);
  m.join();
  relay.enter(m);
  return m;
}

/** The host and Bo, whom it admitted, settled. */
async function hostAndMember(clock: FakeClock) {
  const { relay, host } = await hosted(clock);
  const bo = await arrive(clock, relay, 'Bo');
  await wr(host).admit(bo.id);
  await settleRoles(clock, [host, bo], host);
  return { relay, host, bo };
}

/**
 * Bo arrives at a hosted meeting whose "wait" is slower than Bo's genesis timer (knocks held in the relay): Bo
 * takes itself for the first member and hosts a meeting of its own. The held knocks wait for relay.deliverLate().
 */
async function answeredLate(clock: FakeClock) {
  const { relay, host } = await hosted(clock);
  relay.slowKnocks = true;
  const bo = await arrive(clock, relay, 'Bo');
  clock.advance(GENESIS_WAIT_MS);
  await settle(() => rolesOf(bo).host === bo.id);
  return { relay, host, bo };
}

/** Lets roles settle after links opened: chains checked, the roster signed, what the waiting room looks at again. */
async function settleRoles(clock: FakeClock, all: readonly Member[], host: Member) {
  await settle(() => all.every((m) => rolesOf(m).host === host.id));
  clock.advance(Math.max(ROSTER_DELAY_MS, SETTLE_MS));
  await settle();
}

test('a newcomer waits, is told so and does not host; the host sees it knock, admits it, and they connect', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { relay, host } = await hosted(clock);
  const bo = await arrive(clock, relay, 'Bo');
  assert.equal(host.peers.size, 0, 'no connection while it waits');
  assert.equal(bo.peers.size, 0);
  assert.equal(wr(bo).state, 'waiting', 'told it waits');
  assert.equal(wr(bo).isWaiting(), true);
  assert.deepEqual(wr(host).knocks.map((k) => [k.id, k.name]), [[bo.id, 'Bo']]);
  const knock = host.events.find((e) => e instanceof KnockEvent) as KnockEvent | undefined;
  assert.equal(knock?.knock.name, 'Bo', 'a knock event for the host');
  assert.ok(bo.events.some((e) => e instanceof WaitingRoomEvent && e.state === 'waiting'));

  clock.advance(KNOCK_AGAIN_MS * 3);
  await settle();
  assert.equal(rolesOf(bo).host, null, 'a waiting newcomer never makes itself host');
  assert.equal(bo.hellos, 3, 'it said hello again every KNOCK_AGAIN_MS while it waited');
  assert.equal(wr(host).knocks.length, 1, 'still knocking: its hellos keep its place');

  assert.equal(await wr(host).admit(bo.id), true);
  assert.ok(host.peers.has(bo.id) && bo.peers.has(host.id), 'connected once admitted');
  assert.equal(wr(bo).state, 'admitted');
  assert.equal(wr(bo).isWaiting(), false);
  assert.deepEqual(wr(host).knocks, []);
  await settleRoles(clock, [host, bo], host);
  assert.equal(wr(bo).on, true, 'the newcomer (option off) follows its host: the room waits');
  assert.equal(await wr(host).admit(bo.id), false, 'no one left to admit');
});

test('a newcomer told to wait only after it made itself host, alone, gives that up, waits, and is admitted into the meeting that was there', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { relay, host, bo } = await answeredLate(clock);
  assert.equal(rolesOf(bo).host, bo.id, 'alone with no answer, Bo made itself host');
  assert.equal(wr(bo).state, 'none');

  relay.deliverLate();
  await settle(() => wr(bo).state === 'waiting');
  assert.equal(wr(bo).state, 'waiting', 'the late answer is heeded');
  assert.equal(rolesOf(bo).host, null, 'Bo hosts nothing now');
  clock.advance(GENESIS_WAIT_MS * 3);
  await settle();
  assert.equal(rolesOf(bo).host, null, 'and does not make itself host again while it waits');

  assert.equal(await wr(host).admit(bo.id), true);
  assert.ok(host.peers.has(bo.id) && bo.peers.has(host.id), 'connected once admitted');
  await settleRoles(clock, [host, bo], host);
  assert.equal(rolesOf(bo).host, host.id, 'Bo is in the host\'s meeting');
});

test('a first member that has hosted alone for longer than LONE_GENESIS_GRACE_MS keeps its meeting when told to wait', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { relay, host, bo } = await answeredLate(clock);
  clock.advance(LONE_GENESIS_GRACE_MS + 1);
  relay.deliverLate();
  await settle();
  assert.deepEqual([wr(bo).state, rolesOf(bo).host], ['none', bo.id], 'a "wait" that late is not heeded: the meeting is Bo\'s own');
  assert.equal(rolesOf(host).host, host.id);
});

test('every member holds a newcomer until the host admits it, then each connects to it: it reaches everyone', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { relay, host, bo } = await hostAndMember(clock);

  const cy = await arrive(clock, relay, 'Cy');
  assert.equal(wr(cy).state, 'waiting');
  assert.deepEqual(bo.knocks.filter((k) => k.to === cy.id).map((k) => k.body.state), ['waiting'], 'a member who holds it tells it too');
  assert.deepEqual(wr(bo).knocks.map((k) => k.id), [cy.id]);
  assert.equal(rolesOf(bo).mayAct, false);
  await assert.rejects(wr(bo).admit(cy.id), (e: unknown) => e instanceof SecureMeetingError && e.code === 'forbidden', 'only hosts admit');
  assert.equal(cy.peers.size, 0, 'nobody connected to it meanwhile');

  await wr(host).admit(cy.id);
  assert.ok(host.peers.has(cy.id), 'the host connects at once');
  await settle(() => bo.peers.has(cy.id));
  assert.deepEqual([...cy.peers.keys()].sort(), [host.id, bo.id].sort(), 'the admitted one reaches everyone');
  assert.deepEqual(wr(bo).knocks, []);
});

test('a denied newcomer is told by the host, leaves the relay, and reaches no one, even knocking again', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { relay, host, bo } = await hostAndMember(clock);
  const cy = await arrive(clock, relay, 'Cy');

  assert.equal(await wr(host).deny(cy.id), true);
  await settle(() => wr(cy).state === 'denied');
  assert.equal(wr(cy).state, 'denied', 'told so');
  assert.equal(wr(cy).denial?.by, host.id);
  assert.equal(wr(cy).isWaiting(), true, 'denied: still not one to host');
  assert.equal(cy.relay.disconnects, 1, 'left the relay');
  const denial = host.knocks.find((k) => k.to === cy.id && k.body.state === 'denied');
  assert.ok(denial && denial.body.state === 'denied' && denial.body.action, 'the host sent the signed deny action');
  await settle(() => wr(bo).knocks.length === 0);
  assert.deepEqual(wr(bo).knocks, [], 'the others forget it too');

  // A page that keeps trying (back on the relay, hello after hello): ignored by every member.
  relay.enter(cy);
  clock.advance(KNOCK_AGAIN_MS);
  relay.hello(cy);
  assert.equal(cy.peers.size, 0, 'it never connects to anyone');
  assert.ok(!host.peers.has(cy.id) && !bo.peers.has(cy.id), 'and no one to it');
  assert.deepEqual([wr(host).knocks.length, wr(bo).knocks.length], [0, 0], 'nor is it shown knocking');
  assert.ok(host.gate.counts.ignored >= 2 && bo.gate.counts.ignored >= 2, 'its hellos were ignored');
});

test('switching the waiting room off lets everyone waiting in; a newcomer then connects at once', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { relay, host } = await hosted(clock);
  const [bo, cy] = [await arrive(clock, relay, 'Bo'), await arrive(clock, relay, 'Cy')];
  assert.deepEqual([wr(bo).state, wr(cy).state], ['waiting', 'waiting']);
  assert.equal(bo.peers.size, 0, 'two waiting newcomers do not connect to each other');
  await wr(host).setOn(false);
  assert.equal(wr(host).on, false);
  assert.ok(host.peers.has(bo.id) && host.peers.has(cy.id), 'both let in');
  assert.deepEqual([wr(bo).state, wr(cy).state], ['admitted', 'admitted']);
  await settleRoles(clock, [host, bo, cy], host);
  const dee = await arrive(clock, relay, 'Dee', { waitingRoom: true });
  assert.equal(wr(dee).state, 'none', 'not held: the room no longer waits');
  assert.ok(dee.peers.has(host.id), 'connected at once');
  await wr(host).setOn(true);
  await settle(() => wr(bo).on);
  assert.equal(wr(bo).on, true, 'the toggle reaches every member');
  await assert.rejects(wr(bo).setOn(false), (e: unknown) => e instanceof SecureMeetingError && e.code === 'forbidden');
});

test('with the host gone, newcomers keep waiting and the next host sees them and can admit them', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { relay, host, bo } = await hostAndMember(clock);
  const cy = await arrive(clock, relay, 'Cy');
  relay.members.delete(host);
  await leaveMeeting(host, [bo]);
  await settle(() => rolesOf(bo).host === bo.id);
  assert.equal(rolesOf(bo).host, bo.id, 'the role passed on');
  // Longer than a held hello lasts: the newcomer's hellos keep it in view.
  clock.advance(HELD_TTL_MS * 2);
  await settle();
  assert.equal(wr(cy).state, 'waiting');
  assert.deepEqual(wr(bo).knocks.map((k) => k.id), [cy.id], 'the new host sees it');
  await wr(bo).admit(cy.id);
  assert.ok(cy.peers.has(bo.id), 'admitted by the new host');
});

test('the waitingRoom option must be a boolean', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  await assert.rejects(Member.signed('Ada', clock, FEATURES, { waitingRoom: 'yes' }),
    (e: unknown) => e instanceof TypeError && e.message === 'secure-meeting: waitingRoom must be true or false');
});
