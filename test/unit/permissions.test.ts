/**
 * Permissions (core/features/permissions.ts) between members whose control
 * channels are wired directly, on a fake clock, with real identity keys and
 * signed host actions (roles.ts): the member's own client follows, every
 * other member's rule for received tracks refuses what it may not send,
 * defaults reach only newcomers, who learn the state when their links open,
 * hosts and co-hosts may use everything, and an action signed by a member
 * who is not host changes nothing and is counted. The browser suite
 * (test/e2e/moderation.test.ts) shows the receivers' side with real WebRTC.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecureMeetingError } from '../../core/errors.js';
import { memberState } from '../../core/features/member-state.js';
import { hands } from '../../core/features/hands.js';
import { isPermissionsBody, MAX_NAMED, permissions, PermissionsEvent } from '../../core/features/permissions.js';
import { roles } from '../../core/features/roles.js';
import { screenShare, ScreenShareMessage } from '../../core/features/screen-share.js';
import { FakeClock } from '../support/fake-clock.js';
import { chainFrom, forgeAction, hostedMeeting, link, Member, settle, type FakePeer } from '../support/feature-harness.js';

const FEATURES = [memberState, roles, hands, screenShare, permissions];
const permsOf = (m: Member) => m.features.api(permissions);
const rolesOf = (m: Member) => m.features.api(roles);
const VIDEO = { kind: 'video' } as const;
const AUDIO = { kind: 'audio' } as const;

const forbidden = (e: unknown) => e instanceof SecureMeetingError && e.code === 'forbidden' && e.message.startsWith('secure-meeting: ');

/** Waits (real time: signatures are checked off the main thread) until `done` holds; fails saying what never happened. */
const until = async (done: () => boolean, what: string) => {
  await settle(done, 10_000);
  assert.ok(done(), `never: ${what}`);
};

/** Until everyone but `except` sees `target`'s permissions as `expected`. */
const agree = (all: readonly Member[], target: Member, expected: object) =>
  until(() => all.every((m) => JSON.stringify(permsOf(m).of(target.id)) === JSON.stringify(expected)), `everyone sees ${target.name} with ${JSON.stringify(expected)}`);

test('a host takes a camera away: the member\'s client switches it off and refuses it; every other member refuses its video', { timeout: 30_000 }, async () => {
  const clock = new FakeClock();
  const all = await hostedMeeting(clock, FEATURES, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  assert.equal(cy.shows(bo, VIDEO), true, 'everything allowed to begin with');

  await permsOf(ada).set(bo.id, { camera: false });
  await agree(all, bo, { microphone: true, camera: false, screen: true });
  assert.equal(bo.media.videoEnabled, false, 'switched off at once');
  assert.equal(cy.peers.get(bo.id)!.videoEnabled, false, 'and member state told the others');
  assert.throws(() => bo.features.api(memberState).setVideoEnabled(true), forbidden);
  assert.equal(bo.media.videoEnabled, false);
  assert.match(permsOf(bo).reason('camera') ?? '', /host has not allowed your camera/);
  assert.equal(permsOf(bo).reason('microphone'), null);
  for (const viewer of [ada, cy]) {
    assert.equal(viewer.shows(bo, VIDEO), false, `${viewer.name} refuses Bo's video`);
    assert.equal(viewer.shows(bo, AUDIO), true, `${viewer.name} still plays Bo's audio`);
    assert.ok(viewer.refilters.includes('all'), `${viewer.name} applied its rules again`);
  }
  assert.ok(bo.events.some((e) => e instanceof PermissionsEvent && e.self), 'Bo is told');

  await permsOf(ada).set(bo.id, { camera: true });
  await agree(all, bo, { microphone: true, camera: true, screen: true });
  assert.equal(cy.shows(bo, VIDEO), true);
  assert.equal(bo.media.videoEnabled, false, 'allowed again, but nobody switches on anyone\'s camera but themselves');
  bo.features.api(memberState).setVideoEnabled(true);
  assert.equal(bo.media.videoEnabled, true);
});

test('screen share: the member cannot start, a share running stops, and receivers refuse the stream announced as the screen', { timeout: 30_000 }, async () => {
  const clock = new FakeClock();
  const all = await hostedMeeting(clock, FEATURES, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  const track = Object.assign(new EventTarget(), { kind: 'video', stop() {} });
  const screen = { id: 'screen-of-bo', getVideoTracks: () => [track], getTracks: () => [track] } as unknown as MediaStream;
  await bo.features.api(screenShare).start(screen);
  assert.equal(cy.shows(bo, VIDEO, 'screen-of-bo'), true);

  await permsOf(ada).set(bo.id, { screen: false });
  await agree(all, bo, { microphone: true, camera: true, screen: false });
  assert.equal(bo.features.api(screenShare).presenting, false, 'the share stopped');
  await assert.rejects(bo.features.api(screenShare).start(screen), forbidden);
  // Announced again by a page that forces it: still refused, while the camera is shown.
  cy.router.dispatch(cy.peers.get(bo.id) as FakePeer, cy.router.encode('screen-share', ScreenShareMessage, { presenting: true, stream: 'screen-of-bo', since: clock.now() }));
  assert.equal(cy.shows(bo, VIDEO, 'screen-of-bo'), false);
  assert.equal(cy.shows(bo, VIDEO, 'camera-of-bo'), true);
  assert.ok(cy.refilters.includes(bo.id), 'the announcement made Cy apply its rules to Bo again');
});

test('defaults reach only newcomers; a newcomer learns them and every member\'s permissions when its links open', { timeout: 30_000 }, async () => {
  const clock = new FakeClock();
  const all = await hostedMeeting(clock, FEATURES, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  await permsOf(ada).set(cy.id, { microphone: false });
  await permsOf(ada).setDefaults({ camera: false, screen: false });
  await until(() => permsOf(bo).defaults.camera === false, 'Bo learns the new defaults');
  assert.deepEqual(permsOf(bo).of(bo.id), { microphone: true, camera: true, screen: true }, 'those here keep what they had');
  assert.equal(bo.media.forbidden('video'), null);

  const di = await Member.signed('Di', clock, FEATURES);
  di.join();
  for (const m of all) link(m, di);
  await until(() => di.media.forbidden('video') !== null, 'Di learns it may not use a camera');
  assert.deepEqual(permsOf(di).of(di.id), { microphone: true, camera: false, screen: false }, 'Di learned the defaults');
  assert.equal(permsOf(di).defaults.camera, false);
  assert.equal(di.shows(cy, AUDIO), false, 'and that Cy may not use a microphone');
  assert.equal(di.shows(bo, VIDEO), true);
  for (const viewer of all) assert.equal(viewer.shows(di, VIDEO), false, `${viewer.name} refuses the newcomer's video`);
  assert.equal(ada.shows(di, AUDIO), true);
});

test('hosts and co-hosts may use everything: a member made co-host gets back what it was refused', { timeout: 30_000 }, async () => {
  const clock = new FakeClock();
  const all = await hostedMeeting(clock, FEATURES, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  await permsOf(ada).set(cy.id, { microphone: false });
  await until(() => !bo.shows(cy, AUDIO) && cy.media.forbidden('audio') !== null, 'Bo refuses Cy\'s audio and Cy\'s client holds it off');

  await rolesOf(ada).setCohost(cy.id, true);
  await until(() => all.every((m) => rolesOf(m).roleOf(cy.id) === 'cohost'), 'everyone sees Cy as co-host');
  clock.advance(1000);
  assert.equal(bo.shows(cy, AUDIO), true);
  assert.equal(cy.media.forbidden('audio'), null, 'Cy may switch on again');
  assert.deepEqual(permsOf(bo).of(ada.id), { microphone: true, camera: true, screen: true });

  await rolesOf(ada).setCohost(cy.id, false);
  await until(() => all.every((m) => rolesOf(m).roleOf(cy.id) === 'member'), 'everyone sees Cy as a member again');
  clock.advance(1000);
  assert.equal(bo.shows(cy, AUDIO), false, 'what Cy was refused holds again');
  assert.ok(cy.media.forbidden('audio'));
});

test('actions arriving out of order settle on the latest, as they would everywhere', { timeout: 30_000 }, async () => {
  const clock = new FakeClock();
  const all = await hostedMeeting(clock, FEATURES, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  // Cy's host actions wait, then arrive newest first.
  const held: [FakePeer, unknown][] = [];
  const dispatch = cy.router.dispatch.bind(cy.router);
  cy.router.dispatch = (peer, data) => {
    if (JSON.parse(String(data)).type === 'host-action') held.push([peer, data]);
    else dispatch(peer, data);
  };
  await permsOf(ada).set(bo.id, { camera: false });
  clock.advance(10);
  await permsOf(ada).set(bo.id, { camera: true, microphone: false });
  cy.router.dispatch = dispatch;
  for (const [peer, data] of held.reverse()) dispatch(peer, data);
  await agree(all, bo, { microphone: false, camera: true, screen: true });
  assert.equal(cy.shows(bo, VIDEO), true);
  assert.equal(cy.shows(bo, AUDIO), false);
});

test('a member who is not host can set nothing; a permission change it signs itself is ignored and counted', { timeout: 30_000 }, async () => {
  const clock = new FakeClock();
  const all = await hostedMeeting(clock, FEATURES, 'Ada', 'Bo', 'Cy');
  const [ada, bo, cy] = all as [Member, Member, Member];
  await assert.rejects(permsOf(bo).set(cy.id, { camera: false }), forbidden);
  await assert.rejects(permsOf(bo).setDefaults({ camera: false }), forbidden);
  assert.throws(() => permsOf(ada).set(cy.id, { camera: 'no' } as never), /^TypeError: secure-meeting: permissions are/);
  assert.throws(() => permsOf(ada).setDefaults({ video: false } as never), /^TypeError: secure-meeting: permissions are/);
  await assert.rejects(permsOf(ada).set('ffffffffffffffff', { camera: false }), (e: unknown) => e instanceof SecureMeetingError && e.code === 'closed');

  // Bo forges one with the real chain (read off an action of Ada's) and its own key.
  const chain = await chainFrom(ada, cy, () => permsOf(ada).set(bo.id, { screen: false }));
  const before = rolesOf(cy).dropped.unentitled;
  clock.advance(1);
  await forgeAction(bo, cy, chain, 'permissions', { members: { [cy.id]: { microphone: false, camera: false, screen: false } } });
  await until(() => rolesOf(cy).dropped.unentitled > before, 'Cy counts the forged action');
  assert.equal(rolesOf(cy).dropped.unentitled, before + 1);
  assert.deepEqual(permsOf(cy).of(cy.id), { microphone: true, camera: true, screen: true });
  assert.equal(cy.media.forbidden('audio'), null);
});

test('permission bodies are checked: whole permissions, member ids, a bound on how many', { timeout: 5000 }, () => {
  const all = { microphone: true, camera: false, screen: true };
  const id = '0123456789abcdef';
  assert.equal(isPermissionsBody({ members: { [id]: all } }), true);
  assert.equal(isPermissionsBody({ defaults: all, sync: true }), true);
  assert.equal(isPermissionsBody({}), false, 'says nothing');
  assert.equal(isPermissionsBody({ members: { [id]: { microphone: true, camera: false } } }), false, 'not whole');
  assert.equal(isPermissionsBody({ members: { [id]: { ...all, extra: true } } }), false);
  assert.equal(isPermissionsBody({ members: { 'not-an-id': all } }), false);
  assert.equal(isPermissionsBody({ defaults: { ...all, camera: 'no' } }), false);
  assert.equal(isPermissionsBody({ defaults: all, sync: false }), false);
  assert.equal(isPermissionsBody({ defaults: all, more: 1 }), false);
  const many = Object.fromEntries(Array.from({ length: MAX_NAMED + 1 }, (_, i) => [i.toString(16).padStart(16, '0'), all]));
  assert.equal(isPermissionsBody({ members: many }), false, 'too many');
});
