/**
 * Removal and the new epoch (core/features/removal.ts) between members whose
 * control channels are wired directly (test/support/feature-harness.ts), with
 * real identity keys and signatures, on a fake clock: the removed member is
 * told and leaves, everyone refuses it, the new secret reaches only those who
 * remain and all of them move to it; forged and unentitled removals change
 * nothing and are counted. The browser suite (test/e2e/removal.test.ts) shows
 * the same over real relays.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActionMessage, roles, type ChainBody } from '../../core/features/roles.js';
import { EpochEvent, removal, RemovalEvent, REMOVE_LINGER_MS } from '../../core/features/removal.js';
import { signStatement } from '../../core/features/statements.js';
import { SecureMeetingError } from '../../core/errors.js';
import { PASSPHRASE_PATTERN } from '../../core/passphrase.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakePeer, hostedMeeting, Member, settle } from '../support/feature-harness.js';

const FEATURES = [roles, removal];
const rolesOf = (m: Member) => m.features.api(roles);
const removalOf = (m: Member) => m.features.api(removal);

/** What reached a member's control router: each message's type and body, in order. */
function tap(m: Member): { type: string; body: Record<string, unknown> }[] {
  const seen: { type: string; body: Record<string, unknown> }[] = [];
  const original = m.router.dispatch.bind(m.router);
  m.router.dispatch = (peer, data) => {
    seen.push(JSON.parse(String(data)) as { type: string; body: Record<string, unknown> });
    original(peer, data);
  };
  return seen;
}
/** The kinds of the host actions among them ("act:remove", "act:epoch"). */
const actionKinds = (seen: ReturnType<typeof tap>) =>
  seen.filter((m) => m.type === 'host-action').map((m) => (JSON.parse((m.body['a'] as { p: string }).p) as { kind: string }).kind);

const hosted = (clock: FakeClock, ...names: string[]) => hostedMeeting(clock, FEATURES, ...names);

test('a removed member is told who removed it and leaves; everyone refuses it; the rest move to one new secret it never sees', { timeout: 15_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo, cy, dee] = await hosted(clock, 'Ada', 'Bo', 'Cy', 'Dee') as [Member, Member, Member, Member];
  // Eve is connecting to Ada (her control channel has not opened): she must not get the secret either.
  const eve = await Member.signed('Eve', clock, FEATURES);
  eve.join();
  ada.peers.set(eve.id, new FakePeer(eve.id, eve, ada.updates));
  eve.peers.set(ada.id, new FakePeer(ada.id, ada, eve.updates));
  const [toBo, toEve, toCy] = [tap(bo), tap(eve), tap(cy)];

  await removalOf(ada).remove(bo.id);
  await settle(() => [ada, cy, dee].every((m) => m.relay.rekeys.length === 1));

  assert.equal(bo.state, 'left', 'the removed member left');
  assert.ok(bo.leftWith instanceof SecureMeetingError && bo.leftWith.code === 'removed');
  assert.equal(bo.leftWith.message, 'secure-meeting: You were removed from the meeting by Ada');
  const told = bo.events.find((e): e is RemovalEvent => e instanceof RemovalEvent);
  assert.deepEqual(told && [told.self, told.by, told.byName], [true, ada.id, 'Ada']);

  assert.deepEqual(ada.refused, [{ id: bo.id, publicKey: bo.identity!.publicKey, lingerMs: REMOVE_LINGER_MS }], 'the host lingers so the removal reaches Bo');
  for (const m of [cy, dee]) {
    assert.deepEqual(m.refused.map((r) => [r.id, r.publicKey, r.lingerMs]), [[bo.id, bo.identity!.publicKey, undefined]], `${m.name} closes at once`);
    const seen = m.events.find((e): e is RemovalEvent => e instanceof RemovalEvent);
    assert.deepEqual(seen && [seen.id, seen.name, seen.byName, seen.self], [bo.id, 'Bo', 'Ada', false]);
  }

  const [secret] = ada.relay.rekeys;
  assert.match(secret!, PASSPHRASE_PATTERN, 'a fresh random passphrase');
  assert.deepEqual([cy, dee].map((m) => m.relay.rekeys), [[secret], [secret]], 'everyone who remains moves to the same one');
  assert.deepEqual(bo.relay.rekeys, [], 'the removed member does not');
  assert.deepEqual(actionKinds(toBo), ['act:remove'], 'Bo heard of its removal and nothing after');
  assert.ok(!toBo.some((m) => JSON.stringify(m).includes(secret!)), 'the secret never reached Bo');
  assert.ok(!toEve.some((m) => JSON.stringify(m).includes(secret!)), 'nor a member still connecting');
  assert.deepEqual(actionKinds(toCy), ['act:remove', 'act:epoch']);
  assert.ok(cy.events.some((e) => e instanceof EpochEvent && e.epoch === 1 && e.by === ada.id));

  assert.equal(removalOf(ada).passphrase, secret, 'the host sees it, to pass on');
  assert.equal(removalOf(cy).passphrase, null, 'a member does not');
  assert.deepEqual([ada, cy, dee].map((m) => removalOf(m).epoch), [1, 1, 1]);
  assert.deepEqual(removalOf(cy).removed, [bo.id]);
  await rolesOf(ada).setCohost(cy.id, true);
  await settle(() => rolesOf(cy).mayAct);
  assert.equal(removalOf(cy).passphrase, secret, 'a co-host does, once appointed');
});

test('a removal signed by a member who is not host, or by a co-host against the host, changes nothing and is counted', { timeout: 15_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo, cy, dee] = await hosted(clock, 'Ada', 'Bo', 'Cy', 'Dee') as [Member, Member, Member, Member];
  await rolesOf(ada).setCohost(cy.id, true);
  const chains = tap(dee);
  await settle(() => rolesOf(dee).cohosts.includes(cy.id));
  const chain = chains.filter((m) => m.type === 'roles').at(-1)!.body as unknown as ChainBody;
  const { meeting, term } = JSON.parse(chain.start.p) as { meeting: string; term: number };

  /** `by` signs a removal of `id` itself, with the real chain, and sends it to Dee over its own link. */
  const forge = async (by: Member, id: string) => {
    const signer = { id: by.id, publicKey: by.identity!.publicKey, sign: (d: Uint8Array<ArrayBuffer>) => by.identity!.sign(d), verify: async () => true };
    const a = await signStatement(signer, { kind: 'act:remove', meeting, term, ts: clock.now(), body: { id } });
    dee.router.dispatch(dee.peers.get(by.id)!, dee.router.encode('roles', ActionMessage, { ...chain, a: a.signed }));
  };
  await forge(bo, cy.id);
  await settle(() => rolesOf(dee).dropped.unentitled === 1);
  assert.equal(rolesOf(dee).dropped.unentitled, 1, 'a member\'s removal is dropped by roles, unentitled');
  await forge(cy, ada.id);
  await settle(() => removalOf(dee).dropped.unentitled === 1);
  assert.equal(removalOf(dee).dropped.unentitled, 1, 'a co-host removing the host: entitled to act, not to this');
  await forge(cy, cy.id);
  await settle(() => removalOf(dee).dropped.unentitled === 2);
  assert.equal(removalOf(dee).dropped.unentitled, 2, 'nor to remove itself');
  assert.deepEqual(dee.refused, [], 'Dee refused no one');
  assert.equal(dee.state, 'joined');
  assert.deepEqual(dee.relay.rekeys, []);

  await assert.rejects(removalOf(bo).remove(cy.id), (e: SecureMeetingError) => e.code === 'forbidden');
  await assert.rejects(removalOf(cy).remove(ada.id), /secure-meeting: a co-host cannot remove the host/);
  await assert.rejects(removalOf(ada).remove(ada.id), TypeError);
  await assert.rejects(removalOf(ada).remove('not an id'), /remove\(id\) takes a member id/);
  assert.deepEqual([ada, bo, cy, dee].map((m) => m.refused.length), [0, 0, 0, 0], 'nothing was sent for those');
});

test('a co-host removes a member: the same for everyone, and then a second removal starts the next epoch', { timeout: 15_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo, cy, dee] = await hosted(clock, 'Ada', 'Bo', 'Cy', 'Dee') as [Member, Member, Member, Member];
  await rolesOf(ada).setCohost(bo.id, true);
  await settle(() => rolesOf(bo).mayAct && rolesOf(cy).cohosts.includes(bo.id));
  await removalOf(bo).remove(dee.id);
  await settle(() => [ada, bo, cy].every((m) => m.relay.rekeys.length === 1));
  assert.equal(dee.state, 'left');
  assert.equal(dee.leftWith?.message, 'secure-meeting: You were removed from the meeting by Bo');
  const first = bo.relay.rekeys[0];
  assert.deepEqual([ada, cy].map((m) => m.relay.rekeys[0]), [first, first]);
  assert.equal(removalOf(ada).passphrase, first, 'the host sees the secret a co-host drew');

  await removalOf(ada).remove(cy.id);
  await settle(() => [ada, bo].every((m) => m.relay.rekeys.length === 2));
  assert.deepEqual([ada, bo].map((m) => removalOf(m).epoch), [2, 2]);
  assert.equal(ada.relay.rekeys[1], bo.relay.rekeys[1]);
  assert.notEqual(ada.relay.rekeys[1], first, 'a new secret each time');
  assert.deepEqual(cy.relay.rekeys, [first], 'the second removed member knew only the first');
});
