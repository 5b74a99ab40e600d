/**
 * Mute requests and "Lower hand" (core/features/moderation.ts) between
 * members whose control channels are wired directly, on a fake clock, with
 * real identity keys and signed host actions (roles.ts): the member's
 * microphone goes off at once and it is told who asked; only the member
 * switches it on again; a hand a host lowers goes down everywhere, even
 * where the member's own word does not come; requests signed by a member
 * who is not host change nothing and are counted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecureMeetingError } from '../../core/errors.js';
import { hands } from '../../core/features/hands.js';
import { memberState } from '../../core/features/member-state.js';
import { EVERYONE, moderation, ModerationEvent } from '../../core/features/moderation.js';
import { roles } from '../../core/features/roles.js';
import { FakeClock } from '../support/fake-clock.js';
import { chainFrom, forgeAction, hostedMeeting, Member, settle } from '../support/feature-harness.js';

const FEATURES = [memberState, roles, hands, moderation];
const modOf = (m: Member) => m.features.api(moderation);
const handsOf = (m: Member) => m.features.api(hands);
const rolesOf = (m: Member) => m.features.api(roles);
const told = (m: Member, type: string) => m.events.filter((e): e is ModerationEvent => e instanceof ModerationEvent && e.type === type);
const forbidden = (e: unknown) => e instanceof SecureMeetingError && e.code === 'forbidden';

/** Waits (real time: signatures are checked off the main thread) until `done` holds; fails saying what never happened. */
const until = async (done: () => boolean, what: string) => {
  await settle(done, 10_000);
  assert.ok(done(), `never: ${what}`);
};

test('a mute request switches the member\'s microphone off at once, tells everyone, and tells the member who asked', { timeout: 30_000 }, async () => {
  const clock = new FakeClock();
  const all = await hostedMeeting(clock, FEATURES, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  await modOf(ada).mute(bo.id);
  await until(() => !bo.media.audioEnabled, 'Bo is muted');
  assert.equal(bo.media.audioEnabled, false);
  for (const m of [ada, cy]) assert.equal(m.peers.get(bo.id)!.audioEnabled, false, `${m.name} sees Bo muted`);
  assert.equal(cy.media.audioEnabled, true, 'only Bo');
  const [request] = told(bo, 'muterequest');
  assert.ok(request);
  assert.equal(request.by, ada.id);
  assert.equal(request.byName, 'Ada');
  assert.equal(request.everyone, false);
  assert.equal(told(cy, 'muterequest').length, 0);

  // Bo alone may switch it on again.
  bo.features.api(memberState).setAudioEnabled(true);
  assert.equal(bo.media.audioEnabled, true);
  assert.equal(cy.peers.get(bo.id)!.audioEnabled, true);
});

test('"Mute everyone" mutes everyone but the host who asks; a co-host may ask too', { timeout: 30_000 }, async () => {
  const clock = new FakeClock();
  const all = await hostedMeeting(clock, FEATURES, 'Ada', 'Bo', 'Cy', 'Di');
  const [ada, bo, cy, di] = all as [Member, Member, Member, Member];
  await modOf(ada).muteAll();
  await until(() => [bo, cy, di].every((m) => !m.media.audioEnabled), 'everyone but Ada is muted');
  assert.equal(ada.media.audioEnabled, true);
  for (const m of [bo, cy, di]) assert.deepEqual(told(m, 'muterequest').map((e) => [e.by, e.everyone]), [[ada.id, true]], m.name);

  await rolesOf(ada).setCohost(cy.id, true);
  await until(() => rolesOf(cy).mayAct, 'Cy knows it is co-host');
  for (const m of all) m.features.api(memberState).setAudioEnabled(true);
  await modOf(cy).muteAll();
  await until(() => [ada, bo, di].every((m) => !m.media.audioEnabled), 'everyone but Cy is muted');
  assert.equal(cy.media.audioEnabled, true);
  assert.deepEqual(told(ada, 'muterequest').map((e) => e.byName), ['Cy']);
});

test('a host lowers a raised hand: the member\'s client lowers it, and the others take it down at once', { timeout: 30_000 }, async () => {
  const clock = new FakeClock();
  const all = await hostedMeeting(clock, FEATURES, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  handsOf(bo).raise();
  handsOf(cy).raise();
  assert.deepEqual(handsOf(ada).raised, [bo.id, cy.id]);
  await modOf(ada).lowerHand(bo.id);
  await until(() => !handsOf(bo).up, 'Bo\'s hand is down');
  for (const m of all) assert.deepEqual(handsOf(m).raised, [cy.id], m.name);
  assert.deepEqual(told(bo, 'handlowered').map((e) => e.by), [ada.id]);

  // Cy's page ignores host actions (it never hears them): the others take Cy's hand down all the same.
  const dispatch = cy.router.dispatch.bind(cy.router);
  cy.router.dispatch = (peer, data) => {
    if (JSON.parse(String(data)).type !== 'host-action') dispatch(peer, data);
  };
  await modOf(ada).lowerHand(cy.id);
  await until(() => handsOf(bo).raised.length === 0, 'Bo sees Cy\'s hand down');
  assert.deepEqual(handsOf(ada).raised, []);
  assert.deepEqual(handsOf(bo).raised, []);
  assert.equal(handsOf(cy).up, true, 'only Cy\'s own client can lower it for itself');
});

test('members who are not host cannot mute or lower hands; such requests they sign themselves are ignored and counted', { timeout: 30_000 }, async () => {
  const clock = new FakeClock();
  const all = await hostedMeeting(clock, FEATURES, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  await assert.rejects(modOf(bo).mute(cy.id), forbidden);
  await assert.rejects(modOf(bo).muteAll(), forbidden);
  await assert.rejects(modOf(bo).lowerHand(cy.id), forbidden);
  await assert.rejects(modOf(ada).mute('ffffffffffffffff'), (e: unknown) => e instanceof SecureMeetingError && e.code === 'closed');
  assert.throws(() => void modOf(ada).mute(42 as unknown as string).catch(() => {}), /secure-meeting: mute\(\) takes a member id/);

  // Bo signs requests with the real chain (read off an action of Ada's) and its own key.
  handsOf(cy).raise();
  const chain = await chainFrom(ada, cy, () => modOf(ada).lowerHand(bo.id));
  const before = rolesOf(cy).dropped.unentitled;
  await forgeAction(bo, cy, chain, 'mute', { to: cy.id });
  await forgeAction(bo, cy, chain, 'mute', { to: EVERYONE });
  await forgeAction(bo, cy, chain, 'lower-hand', { to: cy.id });
  await until(() => rolesOf(cy).dropped.unentitled === before + 3, 'Cy counts the three forged requests');
  assert.equal(rolesOf(cy).dropped.unentitled, before + 3);
  assert.equal(cy.media.audioEnabled, true, 'not muted');
  assert.equal(handsOf(cy).up, true, 'hand still up');
  assert.equal(told(cy, 'muterequest').length, 0);
});
