/**
 * Connection quality (core/features/quality.ts): the level at each bound,
 * the smoothing sample by sample, figures read from statistics reports
 * shaped like Chromium's, and the feature sampling fake connections on a
 * fake clock: levels and their events, a connection whose getStats()
 * rejects, a member leaving, and the upload warning. The e2e suite
 * (test/e2e/quality.test.ts) adds loss to one real link.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_QUALITY_INTERVAL_MS as EVERY,
  figuresFrom,
  levelOf,
  LevelSmoother,
  MIN_PACKETS,
  quality,
  QUALITY_THRESHOLDS,
  QualityEvent,
  UplinkEvent,
  type QualityLevel,
} from '../../core/features/quality.js';
import { FakeClock } from '../support/fake-clock.js';
import { meet, type Member } from '../support/feature-harness.js';

const none = { rttMs: null, lossPercent: null, jitterMs: null };

test('the level at each bound: below is the better side, at the bound the worse', { timeout: 5000 }, () => {
  for (const key of ['rttMs', 'lossPercent', 'jitterMs'] as const) {
    const { good, fair, poor } = QUALITY_THRESHOLDS[key];
    const at = (v: number) => levelOf({ ...none, [key]: v });
    assert.deepEqual(
      [at(0), at(good - 0.1), at(good), at(fair - 0.1), at(fair), at(poor - 0.1), at(poor), at(poor * 10)],
      ['good', 'good', 'fair', 'fair', 'poor', 'poor', 'bad', 'bad'],
      key,
    );
  }
  assert.equal(levelOf(none), null, 'nothing measured: no level');
  assert.equal(levelOf({ rttMs: 20, lossPercent: 6, jitterMs: 5 }), 'poor', 'the worst figure decides');
  assert.equal(levelOf({ rttMs: 20, lossPercent: null, jitterMs: Number.NaN }), 'good', 'unknown and non-finite figures do not count');
});

test('smoothing: a first level after two samples, one spike or figures at a bound do not move it, a lasting change does', { timeout: 5000 }, () => {
  const s = new LevelSmoother();
  const feed = (...levels: (QualityLevel | null)[]) => levels.map((l) => s.push(l));
  assert.deepEqual(feed('bad', 'good'), [null, 'good'], 'the better of the first two');
  assert.deepEqual(feed('bad', 'good', 'bad', 'good', null, 'poor', 'good'), ['good', 'good', 'good', 'good', 'good', 'good', 'good'], 'single spikes');
  assert.deepEqual(feed('poor', 'bad'), ['good', 'poor'], 'two worse samples: down to the better of them');
  assert.deepEqual(feed('bad', 'fair', 'poor', 'fair'), ['bad', 'bad', 'bad', 'poor'], 'down to bad after two bad ones; up when three are better');
  // Hovering between fair and poor: stays poor; three samples better than poor move it.
  assert.deepEqual(feed('fair', 'poor', 'fair', 'fair', 'good', 'good', 'good', 'good'), ['poor', 'poor', 'poor', 'poor', 'fair', 'fair', 'good', 'good']);
});

/** Cumulative counters of one fake connection, turned into a report like Chromium's getStats(). */
class FakeLink {
  inReceived = 0;
  inLost = 0;
  outSent = 0;
  outLost = 0;
  frames = 0;
  rttS: number | null = 0.02;
  jitterS = 0.004;
  outgoingBps: number | null = 2_000_000;
  closed = false;
  calls = 0;

  /** `seconds` of traffic: `pps` packets a second each way, `loss` of them lost each way. */
  flow(seconds: number, { pps = 100, loss = 0 } = {}): void {
    const n = pps * seconds;
    this.inReceived += Math.round(n * (1 - loss));
    this.inLost += Math.round(n * loss);
    this.outSent += n;
    this.outLost += Math.round(n * loss);
    this.frames += 30 * seconds;
  }

  report(): RTCStatsReport {
    const entries: Record<string, unknown>[] = [
      { type: 'transport', id: 'T', selectedCandidatePairId: 'CP' },
      { type: 'candidate-pair', id: 'CPold', state: 'failed', currentRoundTripTime: 9 },
      { type: 'candidate-pair', id: 'CP', state: 'succeeded', nominated: true, ...(this.rttS === null ? {} : { currentRoundTripTime: this.rttS }), ...(this.outgoingBps === null ? {} : { availableOutgoingBitrate: this.outgoingBps }) },
      { type: 'inbound-rtp', id: 'IA', kind: 'audio', packetsReceived: this.inReceived, packetsLost: this.inLost, jitter: this.jitterS },
      { type: 'inbound-rtp', id: 'IV', kind: 'video', packetsReceived: this.inReceived, packetsLost: this.inLost, jitter: 0.2, framesDecoded: this.frames },
      { type: 'outbound-rtp', id: 'OV', kind: 'video', packetsSent: this.outSent },
      { type: 'remote-inbound-rtp', id: 'RV', kind: 'video', localId: 'OV', packetsLost: this.outLost, jitter: 0.2, roundTripTime: 0.5 },
    ];
    return new Map(entries.map((e) => [e['id'] as string, e])) as unknown as RTCStatsReport;
  }

  stats = async (): Promise<RTCStatsReport> => {
    this.calls++;
    if (this.closed) throw new DOMException('The RTCPeerConnection is closed', 'InvalidStateError');
    return this.report();
  };
}

test('figures from a report: the pair in use, loss both ways over the interval, audio jitter, frame rate, outgoing estimate', { timeout: 5000 }, () => {
  const link = new FakeLink();
  link.flow(10);
  const first = figuresFrom(link.report(), null, 0);
  assert.deepEqual(first.figures, { rttMs: 20, lossPercent: null, lossInPercent: null, lossOutPercent: null, jitterMs: 4, fps: null, outgoingKbps: 2000 },
    'loss and frame rate need a second sample; video jitter (frame bursts) gives way to audio');
  link.flow(2, { loss: 0.06 });
  const second = figuresFrom(link.report(), first.counters, 2000);
  assert.deepEqual(second.figures, { rttMs: 20, lossPercent: 6, lossInPercent: 6, lossOutPercent: 6, jitterMs: 4, fps: 30, outgoingKbps: 2000 });
  link.outLost += 10; // their receiver reports more of ours lost
  link.flow(2);
  assert.equal(figuresFrom(link.report(), second.counters, 4000).figures.lossOutPercent, 5, '10 of 200 sent');
  // Without a candidate pair RTT, what RTCP measured; too few packets tell nothing of loss.
  link.rttS = null;
  const before = figuresFrom(link.report(), null, 0).counters;
  link.flow(1, { pps: MIN_PACKETS / 2, loss: 0.5 });
  const sparse = figuresFrom(link.report(), before, 1000).figures;
  assert.equal(sparse.rttMs, 500);
  assert.equal(sparse.lossInPercent, null);
  // Junk values are ignored, not thrown.
  const junk = new Map([['x', { type: 'inbound-rtp', id: 'x', kind: 'audio', packetsLost: 'many', jitter: Infinity }]]) as unknown as RTCStatsReport;
  assert.deepEqual(figuresFrom(junk, null, 0).figures.jitterMs, null);
});

interface Rig { clock: FakeClock; me: Member; links: Map<string, FakeLink>; events: Event[] }

/** A meeting of `names` with quality installed; the first member's connections are fake links. */
function rig(names: string[], options: Record<string, unknown> = {}): Rig {
  const clock = new FakeClock();
  const [me] = meet(clock, [quality], names, options) as [Member, ...Member[]];
  const links = new Map<string, FakeLink>();
  for (const peer of me.peers.values()) {
    const l = new FakeLink();
    links.set(peer.name, l);
    peer.rtp = { senders: () => [], stats: l.stats };
  }
  return { clock, me, links, events: me.events };
}

/** One sampling interval: traffic flows on every link, then the round of stats is read. */
async function tick(r: Rig, loss: Record<string, number> = {}): Promise<void> {
  for (const [name, l] of r.links) l.flow(EVERY / 1000, { loss: loss[name] ?? 0 });
  r.clock.advance(EVERY);
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

const levelOfPeer = (r: Rig, name: string) => r.me.features.api(quality).of([...r.me.peers.values()].find((p) => p.name === name)!.id)?.level ?? null;

test('the feature: levels per member from their own connection, an event when one changes, the others untouched', { timeout: 5000 }, async () => {
  const r = rig(['Ada', 'Bo', 'Cy']);
  await tick(r);
  await tick(r);
  assert.deepEqual([levelOfPeer(r, 'Bo'), levelOfPeer(r, 'Cy')], ['good', 'good']);
  const firsts = r.events.filter((e): e is QualityEvent => e instanceof QualityEvent);
  assert.deepEqual(firsts.map((e) => [e.level, e.previous]), [['good', null], ['good', null]]);
  r.events.length = 0;
  await tick(r, { Bo: 0.06 });
  assert.equal(levelOfPeer(r, 'Bo'), 'good', 'one lossy sample is a spike');
  await tick(r, { Bo: 0.06 });
  assert.equal(levelOfPeer(r, 'Bo'), 'poor');
  const bo = [...r.me.peers.values()].find((p) => p.name === 'Bo')!;
  const changed = r.events.filter((e): e is QualityEvent => e instanceof QualityEvent);
  assert.deepEqual(changed.map((e) => [e.id, e.level, e.previous]), [[bo.id, 'poor', 'good']], 'one event, for Bo only');
  assert.equal(levelOfPeer(r, 'Cy'), 'good');
  assert.equal(r.me.features.api(quality).of(bo.id)?.figures.lossPercent, 6);
  assert.ok(r.events.some((e) => e.type === 'qualitysample'), 'each round says the figures moved');
});

test('a connection whose getStats() rejects (closed) is skipped without a crash; the others go on; a member who left is forgotten', { timeout: 5000 }, async () => {
  const r = rig(['Ada', 'Bo', 'Cy']);
  await tick(r);
  await tick(r);
  r.links.get('Bo')!.closed = true;
  await tick(r, { Cy: 0.2 });
  await tick(r, { Cy: 0.2 });
  assert.equal(levelOfPeer(r, 'Cy'), 'bad');
  assert.equal(levelOfPeer(r, 'Bo'), 'good', 'Bo keeps its last level until it leaves');
  assert.ok(r.links.get('Bo')!.calls >= 4, 'still asked each round');
  assert.deepEqual(r.me.failures, []);
  const bo = [...r.me.peers.values()].find((p) => p.name === 'Bo')!;
  r.me.peers.delete(bo.id);
  r.me.features.peerLeft(bo);
  assert.equal(r.me.features.api(quality).of(bo.id), null);
  await tick(r);
  assert.equal(r.me.features.api(quality).members.size, 1);
  // Leaving stops the sampling.
  r.me.leave();
  const calls = r.links.get('Cy')!.calls;
  await tick(r);
  assert.equal(r.links.get('Cy')!.calls, calls);
});

test('a member whose link is being repaired counts as bad', { timeout: 5000 }, async () => {
  const r = rig(['Ada', 'Bo']);
  await tick(r);
  await tick(r);
  const bo = [...r.me.peers.values()][0]!;
  bo.reconnecting = true;
  await tick(r);
  await tick(r);
  assert.equal(levelOfPeer(r, 'Bo'), 'bad');
});

test('the upload warning: more members than the summed outgoing estimates feed at the minimum each, held two samples, cleared after three', { timeout: 5000 }, async () => {
  const r = rig(['Ada', 'Bo', 'Cy', 'Di'], { minUplinkKbpsPerMember: 150 });
  const api = r.me.features.api(quality);
  const each = (bps: number) => r.links.forEach((l) => (l.outgoingBps = bps));
  each(200_000); // 600 kbit/s for 3 members: enough for 4
  await tick(r);
  await tick(r);
  assert.deepEqual(api.uplink, { warning: false, kbps: 600, members: 3, canFeed: 4, perMemberKbps: 150 });
  each(140_000); // 420 kbit/s: enough for 2 of the 3
  await tick(r);
  assert.equal(api.uplink.warning, false, 'one short sample is not enough');
  await tick(r);
  assert.deepEqual(api.uplink, { warning: true, kbps: 420, members: 3, canFeed: 2, perMemberKbps: 150 });
  const warned = r.events.filter((e): e is UplinkEvent => e instanceof UplinkEvent);
  assert.deepEqual(warned.map((e) => e.uplink.warning), [true]);
  each(200_000);
  await tick(r);
  await tick(r);
  assert.equal(api.uplink.warning, true, 'cleared only after three good samples');
  await tick(r);
  assert.equal(api.uplink.warning, false);
  assert.deepEqual(r.events.filter((e): e is UplinkEvent => e instanceof UplinkEvent).map((e) => e.uplink.warning), [true, false]);
  // A link without an estimate is not counted either way.
  r.links.get('Bo')!.outgoingBps = null;
  await tick(r);
  assert.equal(api.uplink.members, 2);
});

test('bad options get a typed error with the library prefix', { timeout: 5000 }, () => {
  assert.throws(() => rig(['Ada'], { qualityIntervalMs: 10 }), { name: 'TypeError', message: /^secure-meeting: qualityIntervalMs must be a number from 500 to 60000/ });
  assert.throws(() => rig(['Ada'], { minUplinkKbpsPerMember: '150' }), { name: 'TypeError', message: /^secure-meeting: minUplinkKbpsPerMember must be/ });
});
