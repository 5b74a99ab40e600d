/**
 * Leaving ends the control channels before the connections
 * (core/mesh/mesh.ts, endControls()): each channel is closed the graceful
 * way, after the bye sent on it, and leaving waits for their close, at most
 * the time it is given by the meeting's clock for a member that never
 * answers. The browser suite (test/e2e/leave.test.ts) shows that nothing
 * sent just before leaving is lost. Over stand-in connections on a fake clock.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { FakeConnection, freshId, helloFrom, lastConnection, nodeMesh } from '../support/fake-rtc.js';

beforeEach(() => FakeConnection.reset());

function connected(mesh: ReturnType<typeof nodeMesh>['mesh'], clock: FakeClock) {
  mesh.receive(helloFrom(freshId(), clock));
  const pc = lastConnection();
  pc.setState('connected', 'connected');
  pc.channel.open();
  return pc;
}

/** Whether a promise settled within the microtasks that follow now. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}

test('the byes go out, then every control channel closes, and leaving waits for them', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { mesh } = nodeMesh(clock);
  const [bo, cy] = [connected(mesh, clock), connected(mesh, clock)];
  mesh.byeAll();
  const ending = mesh.endControls(1000);
  for (const pc of [bo, cy]) {
    assert.equal(JSON.parse(pc.channel.sent.at(-1)!).type, 'bye', 'the bye was the last thing sent');
    assert.equal(pc.channel.readyState, 'closed', 'the channel closed');
    assert.equal(pc.closed, false, 'the connection is left for the meeting to close');
  }
  assert.equal(await settled(ending), true, 'done once both channels said they closed, with no time passing');
});

test('a channel that never reports closing holds leaving for the time given, by the meeting clock, no longer', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { mesh } = nodeMesh(clock);
  const stuck = connected(mesh, clock);
  const fine = connected(mesh, clock);
  stuck.channel.close = () => {}; // a member that vanished: no close ever comes
  const ending = mesh.endControls(1000);
  assert.equal(fine.channel.readyState, 'closed');
  assert.equal(await settled(ending), false, 'waits for the member that has not answered');
  clock.advance(999);
  assert.equal(await settled(ending), false);
  clock.advance(1);
  assert.equal(await settled(ending), true, 'given up on after 1000 ms');
});

test('with no one connected, leaving does not wait', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const { mesh } = nodeMesh(clock);
  assert.equal(await settled(mesh.endControls(1000)), true);
});
