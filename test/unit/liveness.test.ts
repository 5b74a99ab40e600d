/**
 * Liveness and repair of one link (core/mesh/liveness.ts), on a fake clock:
 * who is gone, whose link is only down, when ICE restarts round it, and when
 * a repair is given up. The same monitor runs inside every Peer; the e2e
 * suite cuts real links (test/e2e/join-window.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LinkMonitor, LIVENESS_MS, REPAIR_GIVE_UP_MS, RESTART_MS, SUSPECT_MS } from '../../core/mesh/liveness.js';
import { FakeClock } from '../support/fake-clock.js';

function link({ polite = false, detour = true } = {}) {
  const clock = new FakeClock();
  const calls = { ping: 0, restart: 0, back: 0, changed: 0, lost: 0 };
  const net = { bytes: 0, ice: 'connected', detour };
  const monitor = new LinkMonitor(clock, {
    polite,
    iceDown: () => net.ice === 'disconnected' || net.ice === 'failed',
    hasDetour: () => net.detour,
    ping: () => calls.ping++,
    restart: () => calls.restart++,
    bytesReceived: async () => net.bytes,
    back: () => calls.back++,
    changed: () => calls.changed++,
    lost: () => calls.lost++,
  });
  monitor.start();
  /** Lets `seconds` pass a second at a time, letting the async stats look settle after each tick. */
  const seconds = async (n: number, each?: () => void) => {
    for (let i = 0; i < n; i++) {
      clock.advance(1000);
      each?.();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { clock, calls, net, monitor, seconds };
}

test('a member heard from on the channel stays; pings go every 2 s', { timeout: 5000 }, async () => {
  const { calls, monitor, seconds } = link();
  let t = 0;
  await seconds(60, () => t++ % 2 === 0 && monitor.channelMessage());
  assert.equal(calls.lost, 0);
  assert.equal(monitor.down, false);
  assert.ok(calls.ping >= 29 && calls.ping <= 31, `${calls.ping} pings in 60 s`);
});

test('a member silent for 7 s is gone, not before', { timeout: 5000 }, async () => {
  const { calls, monitor, seconds } = link();
  await seconds(SUSPECT_MS / 1000 + 1);
  assert.equal(monitor.down, true, 'silent past SUSPECT_MS: signals go round');
  await seconds(LIVENESS_MS / 1000 - SUSPECT_MS / 1000 - 1);
  assert.equal(calls.lost, 0, 'not at 7 s');
  await seconds(1);
  assert.equal(calls.lost, 1, 'gone at the first tick past 7 s');
});

test('a brief drop survives: the link is restarted round it and comes back, nobody is lost', { timeout: 5000 }, async () => {
  const { calls, monitor, seconds } = link();
  await seconds(5);
  assert.equal(monitor.down, true);
  assert.equal(calls.restart, 1, 'the impolite side restarts ICE once the link is suspect');
  monitor.channelMessage();
  assert.equal(monitor.down, false);
  assert.equal(calls.back, 1, 'the repair ends when the channel speaks');
  await seconds(1, () => monitor.channelMessage());
  assert.equal(calls.lost, 0);
});

test('packets arriving on the connection keep a member whose channel is silent', { timeout: 5000 }, async () => {
  const { calls, net, monitor, seconds } = link();
  await seconds(30, () => (net.bytes += 1000));
  assert.equal(calls.lost, 0);
  assert.equal(monitor.down, false, 'packets arriving mean the path works');
  // The last rise is seen on the tick after it; 7 s after that the member is gone.
  await seconds(LIVENESS_MS / 1000 + 2);
  assert.equal(calls.lost, 1, 'and once they stop too, the member is gone');
});

test('a late tick of a throttled timer gives no verdict', { timeout: 5000 }, async () => {
  const { clock, calls, monitor } = link();
  // A hidden tab: no tick for 20 s, then one, late. Silence says nothing about the other side.
  clock.stall(20_000);
  assert.equal(calls.lost, 0, 'no verdict on the late tick');
  // Their ping arrives as an event (not throttled): heard, so the next on-time tick keeps them.
  monitor.channelMessage();
  clock.advance(1000);
  assert.equal(calls.lost, 0);
  // Without that word, the next on-time tick would have decided.
  const other = link();
  other.clock.stall(20_000);
  other.clock.advance(1000);
  assert.equal(other.calls.lost, 1);
});

test('a link down while the member is heard through others is restarted every 4 s and given up after 30 s', { timeout: 5000 }, async () => {
  const { calls, monitor, seconds } = link();
  // Heard round the link every second (their envelopes come through another member).
  await seconds(SUSPECT_MS / 1000 + 1, () => monitor.heardRound(false));
  const downAt = 4;
  assert.equal(monitor.down, true);
  await seconds(REPAIR_GIVE_UP_MS / 1000 - 1, () => monitor.heardRound(false));
  assert.equal(calls.lost, 0, 'not given up before 30 s down');
  const restarts = calls.restart;
  assert.ok(Math.abs(restarts - Math.floor((REPAIR_GIVE_UP_MS / 1000) / (RESTART_MS / 1000))) <= 1, `${restarts} restarts, one every 4 s`);
  await seconds(2, () => monitor.heardRound(false));
  assert.equal(calls.lost, 1, `given up about ${downAt + REPAIR_GIVE_UP_MS / 1000} s in`);
});

test('the polite side never restarts, and nobody restarts without a way round', { timeout: 5000 }, async () => {
  const polite = link({ polite: true });
  await polite.seconds(6, () => polite.monitor.heardRound(false));
  assert.equal(polite.calls.restart, 0);
  assert.equal(polite.monitor.down, true);
  // Their restart offer came round: the polite side is repairing too, until the channel speaks.
  polite.monitor.heardRound(true);
  polite.monitor.channelMessage();
  assert.equal(polite.calls.back, 1);

  const alone = link({ detour: false });
  await alone.seconds(6);
  assert.equal(alone.calls.restart, 0);
});

test('ICE saying disconnected marks the link down at once; stop() leaves no timer', { timeout: 5000 }, async () => {
  const { clock, net, monitor, calls } = link();
  net.ice = 'disconnected';
  assert.equal(monitor.down, true);
  monitor.stop();
  assert.equal(clock.pending, 0);
  clock.advance(60_000);
  assert.equal(calls.lost, 0);
});
