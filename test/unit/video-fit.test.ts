/**
 * Per-receiver video (core/media/encoding.ts, core/features/video-fit*.ts)
 * on a fake clock: the maths from a shown size to sender parameters, the
 * receiver's debounce and hysteresis, the sender applying each member's
 * word to its own RTCRtpSender (fakes: an RTCRtpSender needs a browser),
 * the upload budget and its audio-only word, the camera's capture size
 * (core/media/capture.ts), and junk dropped. The e2e
 * suite (test/e2e/video-fit.test.ts) shows the same in Chromium.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUDIO_KBPS, bitrateFor, planFor, shareBudget, VIDEO_FLOOR_KBPS, type Claim, type View } from '../../core/media/encoding.js';
import { HIDE_SETTLE_MS, SIZE_SETTLE_MS, ViewReporter } from '../../core/features/video-fit-view.js';
import { AUTO_LOW_TICKS, AUTO_RETRY_MS, availableOutgoing, LIMITED_SHARE, SHRINK_HOLD_MS, TICK_MS, VideoFitEvent, videoFit } from '../../core/features/video-fit.js';
import { CAPTURE_SHRINK_MS, CaptureSizer, captureHeightFor } from '../../core/media/capture.js';
import { FakeClock } from '../support/fake-clock.js';
import { meet, type FakePeer, type Member } from '../support/feature-harness.js';

// ---- the maths ----

test('a thumbnail is encoded at its shown height, with the table bitrate and fewer frames', { timeout: 2000 }, () => {
  const plan = planFor('camera', { width: 160, height: 90, visible: true }, 360);
  assert.deepEqual(plan, { active: true, scaleResolutionDownBy: 4, maxBitrate: 80_000, maxFramerate: 10 });
  const large = planFor('camera', { width: 1280, height: 720, visible: true }, 360);
  assert.equal(large.scaleResolutionDownBy, 1, 'never upscaled');
  assert.equal(large.maxBitrate, bitrateFor('camera', 360) * 1000);
  assert.equal(large.maxFramerate, 30);
  assert.equal(planFor('camera', { width: 160, height: 90, visible: false }, 360).active, false);
  assert.equal(planFor('camera', { width: 0, height: 0, visible: true }, 360).scaleResolutionDownBy, 1, 'not laid out yet: the source as it is');
  const screen = planFor('screen', { width: 1920, height: 1080, visible: true }, 1080);
  assert.equal(screen.maxBitrate, 2_500_000);
  assert.equal(screen.maxFramerate, 15);
  const smallScreen = planFor('screen', { width: 960, height: 540, visible: true }, 720);
  assert.equal(smallScreen.scaleResolutionDownBy, 1, 'a screen keeps its capture size in a smaller spotlight');
  assert.equal(smallScreen.maxBitrate, bitrateFor('screen', 720) * 1000);
  assert.equal(planFor('screen', { width: 960, height: 540, visible: false }, 720).active, false, 'a hidden screen still stops');
  for (const [h, kbps] of [[90, 80], [91, 160], [180, 160], [360, 450], [720, 1500], [5000, 4000]] as const) assert.equal(bitrateFor('camera', h), kbps, `${h}p`);
});

const claim = (receiver: string, want: number, extra: Partial<Claim> = {}): Claim => ({ receiver, kind: 'camera', want, priority: false, ...extra });

test('the budget is shared after audio: screens first, then priority, the rest in proportion', { timeout: 2000 }, () => {
  const claims = [claim('b', 450), claim('c', 450, { priority: true }), claim('d', 800, { kind: 'screen' })];
  assert.deepEqual(shareBudget(claims, null).map((s) => s.kbps), [450, 450, 800], 'no budget: what each asks');
  const shares = shareBudget(claims, 1500).map((s) => s.kbps);
  // 1500 - 3 × 40 audio = 1380: the screen's 800, then the priority tile's 450, and 130 left for b.
  assert.deepEqual(shares, [130, 450, 800]);
  const even = shareBudget([claim('b', 450), claim('c', 150)], 440).map((s) => s.kbps);
  assert.deepEqual(even, [270, 90], 'one tier short: in proportion to what each asks');
  assert.ok(even.reduce((a, b) => a + b) <= 440 - 2 * AUDIO_KBPS);
});

test('a stream left under the floor gets nothing, and what it had goes to the others', { timeout: 2000 }, () => {
  const shares = shareBudget([claim('b', 450), claim('c', 450, { priority: true }), claim('d', 0)], 420).map((s) => s.kbps);
  // 420 - 120 audio = 300: all to the priority tile; b would get 0 < floor.
  assert.deepEqual(shares, [0, 300, 0]);
  const tight = shareBudget([claim('b', 450), claim('c', 450)], 3 * AUDIO_KBPS + VIDEO_FLOOR_KBPS).map((s) => s.kbps);
  assert.equal(tight.filter((k) => k > 0).length, 1, 'one of two keeps video at the floor, rather than both under it');
  assert.ok(tight.every((k) => k === 0 || k >= VIDEO_FLOOR_KBPS));
});

// ---- the receiver's debounce ----

const reporter = (clock: FakeClock) => {
  const sent: View[] = [];
  return { sent, r: new ViewReporter(clock, (v) => sent.push(v) > 0) };
};
const at = (height: number, visible = true): View => ({ width: Math.round((height * 16) / 9), height, visible });

test('a window being resized is told once it holds, and small steps not at all', { timeout: 2000 }, () => {
  const clock = new FakeClock();
  const { sent, r } = reporter(clock);
  r.update(at(360));
  assert.equal(sent.length, 1, 'the first view goes at once');
  r.update(at(340));
  clock.advance(SIZE_SETTLE_MS * 3);
  assert.equal(sent.length, 1, 'under the band: not sent');
  for (let h = 340; h >= 100; h -= 10) {
    r.update(at(h));
    clock.advance(50);
  }
  assert.equal(sent.length, 1, 'nothing while it keeps changing');
  clock.advance(SIZE_SETTLE_MS);
  assert.deepEqual(sent.map((v) => v.height), [360, 100], 'the size it settled at');
});

test('a hidden tile is told after it stays hidden; shown again, at once', { timeout: 2000 }, () => {
  const clock = new FakeClock();
  const { sent, r } = reporter(clock);
  r.update(at(180));
  r.update(at(180, false));
  clock.advance(HIDE_SETTLE_MS / 2);
  r.update(at(180));
  clock.advance(HIDE_SETTLE_MS * 2);
  assert.equal(sent.length, 1, 'scrolled past: not told');
  r.update(at(180, false));
  clock.advance(HIDE_SETTLE_MS);
  assert.equal(sent.at(-1)?.visible, false);
  r.update(at(200));
  assert.deepEqual([sent.length, sent.at(-1)?.visible], [3, true], 'shown again without waiting');
});

// ---- the sender, with fake RTCRtpSenders ----

interface FakeSender { track: { kind: string; getSettings(): { height: number } }; sets: RTCRtpEncodingParameters[]; getParameters(): RTCRtpSendParameters; setParameters(p: RTCRtpSendParameters): Promise<void> }

function fakeSender(height = 360, track = { kind: 'video', getSettings: () => ({ height }) }): FakeSender {
  let encoding: RTCRtpEncodingParameters = { active: true };
  const sender: FakeSender = {
    track,
    sets: [],
    getParameters: () => ({ transactionId: 't', encodings: [{ ...encoding }], codecs: [], headerExtensions: [], rtcp: {} }) as RTCRtpSendParameters,
    setParameters: async (p) => {
      encoding = p.encodings[0]!;
      sender.sets.push(encoding);
    },
  };
  return sender;
}

/** A meeting of members with videoFit; `a`'s camera goes to each other member through its own fake sender. */
function meeting(names: string[], options: Record<string, unknown> = {}, camera: FakeSender['track'] = { kind: 'video', getSettings: () => ({ height: 360 }) }) {
  const clock = new FakeClock();
  const all = meet(clock, [videoFit], names, options);
  const a = all[0]!;
  Object.defineProperty(a.media, 'stream', { get: () => ({ getVideoTracks: () => [camera] }) });
  Object.defineProperty(a.media, 'camera', { get: () => camera });
  const senders = new Map<string, FakeSender>();
  for (const peer of a.peers.values()) {
    const s = fakeSender(360, camera);
    senders.set(peer.of.name, s);
    peer.rtp = { senders: () => [s as unknown as RTCRtpSender], stats: async () => new Map() as unknown as RTCStatsReport };
  }
  return { clock, all, a, senders, fit: (m: Member) => m.features.api(videoFit) };
}
const flush = () => new Promise((resolve) => setImmediate(resolve));
const last = (s: FakeSender | undefined) => s?.sets.at(-1);

test('each receiver gets our camera at the size it shows it, and none while hidden', { timeout: 3000 }, async () => {
  const { clock, a, all: [, b, c], senders, fit } = meeting(['A', 'B', 'C']);
  fit(b!).show(a.id, 'camera', { width: 160, height: 90, visible: true });
  fit(c!).show(a.id, 'camera', { width: 1280, height: 720, visible: true });
  await flush();
  assert.deepEqual(last(senders.get('B')), { active: true, scaleResolutionDownBy: 4, maxBitrate: 80_000, maxFramerate: 10 });
  assert.deepEqual(last(senders.get('C')), { active: true, scaleResolutionDownBy: 1, maxBitrate: 450_000, maxFramerate: 30 });
  assert.equal(fit(a).applied(b!.id).camera?.scaleResolutionDownBy, 4);

  fit(b!).show(a.id, 'camera', { width: 160, height: 90, visible: false });
  clock.advance(HIDE_SETTLE_MS);
  await flush();
  assert.equal(last(senders.get('B'))?.active, false, 'hidden: not sent');
  fit(b!).show(a.id, 'camera', { width: 160, height: 90, visible: true });
  await flush();
  assert.equal(last(senders.get('B'))?.active, true, 'shown again: at once, no hold');
});

test('a smaller size waits SHRINK_HOLD_MS on the sender; a larger one goes at once', { timeout: 3000 }, async () => {
  const { clock, a, all: [, b], senders, fit } = meeting(['A', 'B']);
  fit(b!).show(a.id, 'camera', { width: 640, height: 360, visible: true });
  await flush();
  const s = senders.get('B')!;
  const before = s.sets.length;
  fit(b!).show(a.id, 'camera', { width: 160, height: 90, visible: true });
  clock.advance(SIZE_SETTLE_MS);
  await flush();
  assert.equal(s.sets.length, before, 'held');
  fit(b!).show(a.id, 'camera', { width: 640, height: 360, visible: true });
  clock.advance(SIZE_SETTLE_MS + SHRINK_HOLD_MS);
  await flush();
  assert.equal(s.sets.length, before, 'back to where it was: the encoder was never touched');
  fit(b!).show(a.id, 'camera', { width: 160, height: 90, visible: true });
  clock.advance(SIZE_SETTLE_MS + SHRINK_HOLD_MS);
  await flush();
  assert.equal(last(s)?.scaleResolutionDownBy, 4, 'applied once it held');
  fit(b!).show(a.id, 'camera', { width: 1280, height: 720, visible: true });
  clock.advance(SIZE_SETTLE_MS);
  await flush();
  assert.equal(last(s)?.scaleResolutionDownBy, 1);
});

test('with an upload budget the video sent stays under it, and a receiver left under the floor is told it gets audio only', { timeout: 3000 }, async () => {
  const { clock, a, all: [, b, c], senders, fit } = meeting(['A', 'B', 'C'], { maxUplinkKbps: 400 });
  fit(b!).show(a.id, 'camera', { width: 640, height: 360, visible: true });
  fit(c!).show(a.id, 'camera', { width: 640, height: 360, visible: true, priority: true });
  await flush();
  const sum = () => [...senders.values()].reduce((t, s) => t + (last(s)?.active ? last(s)!.maxBitrate! : 0), 0);
  assert.ok(sum() <= (400 - 2 * AUDIO_KBPS) * 1000, `sum ${sum()}`);
  assert.equal(last(senders.get('C'))?.maxBitrate, 320_000, 'the priority tile is served first');
  assert.equal(last(senders.get('B'))?.active, false, 'b is left under the floor');
  clock.advance(SHRINK_HOLD_MS);
  assert.ok(fit(b!).audioOnly.has(a.id), 'b was told');
  assert.ok(b!.events.some((e) => e instanceof VideoFitEvent && e.peer === a.id && e.audioOnly));
  assert.ok(!fit(c!).audioOnly.has(a.id));

  fit(a).setMaxUplinkKbps(null);
  await flush();
  assert.equal(last(senders.get('B'))?.active, true, 'budget lifted: video again');
  assert.ok(!fit(b!).audioOnly.has(a.id), 'and b was told');
  assert.throws(() => fit(a).setMaxUplinkKbps(5), /^TypeError: secure-meeting: maxUplinkKbps must be a number of kbps from 100 to 1000000, got 5$/);
});

test('a connection measured under the floor carries audio only, and tries video again later', { timeout: 3000 }, async () => {
  const { clock, a, all: [, b], senders, fit } = meeting(['A', 'B']);
  let bps = 2_000_000;
  const peer = a.peers.get(b!.id)!;
  const report = (v: number) => new Map([['T', { type: 'transport', id: 'T', selectedCandidatePairId: 'P' }], ['P', { type: 'candidate-pair', id: 'P', availableOutgoingBitrate: v }]]);
  peer.rtp = { ...peer.rtp, stats: async () => report(bps) as unknown as RTCStatsReport };
  assert.equal(availableOutgoing(report(123) as unknown as RTCStatsReport), 123);
  fit(b!).show(a.id, 'camera', { width: 640, height: 360, visible: true });
  const tick = async () => {
    clock.advance(TICK_MS);
    await flush();
    await flush();
  };
  await tick();
  assert.equal(fit(a).availableKbps(b!.id), 2000);
  bps = 50_000;
  for (let i = 0; i < AUTO_LOW_TICKS; i++) await tick();
  clock.advance(SHRINK_HOLD_MS);
  await flush();
  assert.equal(last(senders.get('B'))?.active, false, 'audio only');
  assert.ok(fit(b!).audioOnly.has(a.id));
  for (let t = 0; t < AUTO_RETRY_MS; t += TICK_MS) await tick();
  assert.equal(senders.get('B')!.sets.some((e, i, all) => i > 0 && e.active && !all[i - 1]!.active), true, 'video tried again');
});

test('a connection a low budget holds down is not taken for a weak one: its estimate near our cap keeps its video', { timeout: 3000 }, async () => {
  // 150 kbps: two members' audio (80) leaves 70, one picture; the other member gets audio only.
  const { clock, a, all: [, b, c], senders, fit } = meeting(['A', 'B', 'C'], { maxUplinkKbps: 150 });
  fit(b!).show(a.id, 'camera', { width: 640, height: 360, visible: true, priority: true });
  fit(c!).show(a.id, 'camera', { width: 640, height: 360, visible: true });
  await flush();
  assert.equal(last(senders.get('B'))?.active, true);
  assert.equal(last(senders.get('C'))?.active, false, 'c is left under the floor by the budget');
  const carried = AUDIO_KBPS + last(senders.get('B'))!.maxBitrate! / 1000;
  // B's connection measures what we let it carry, a little under: below the floor, but ours is the limit.
  let kbps = Math.ceil(LIMITED_SHARE * carried) + 1;
  assert.ok(kbps < AUDIO_KBPS + VIDEO_FLOOR_KBPS, `${kbps} kbps is under the floor`);
  const report = () => new Map([['T', { type: 'transport', id: 'T', selectedCandidatePairId: 'P' }], ['P', { type: 'candidate-pair', id: 'P', availableOutgoingBitrate: kbps * 1000 }]]);
  const peer = a.peers.get(b!.id)!;
  peer.rtp = { ...peer.rtp, stats: async () => report() as unknown as RTCStatsReport };
  const tick = async () => {
    clock.advance(TICK_MS);
    await flush();
    await flush();
  };
  for (let i = 0; i < 2 * AUTO_LOW_TICKS; i++) await tick();
  clock.advance(SHRINK_HOLD_MS);
  await flush();
  assert.equal(last(senders.get('B'))?.active, true, 'b keeps its video');
  assert.ok(!fit(b!).audioOnly.has(a.id));
  // Well under what we let it carry: weak after all.
  kbps = Math.floor(LIMITED_SHARE * carried) - 20;
  for (let i = 0; i < AUTO_LOW_TICKS; i++) await tick();
  clock.advance(SHRINK_HOLD_MS);
  await flush();
  assert.equal(last(senders.get('B'))?.active, false, 'now audio only');
});

test('videoFit false: everyone gets the full picture', { timeout: 2000 }, async () => {
  const { a, all: [, b], senders, fit } = meeting(['A', 'B'], { videoFit: false });
  fit(b!).show(a.id, 'camera', { width: 160, height: 90, visible: false });
  await flush();
  assert.equal(fit(a).adapting, false);
  assert.deepEqual(last(senders.get('B')), { active: true, scaleResolutionDownBy: 1, maxBitrate: 450_000, maxFramerate: 30 }, 'hidden and small, yet sent in full');
});

test('bad options are a TypeError with the library prefix', { timeout: 2000 }, () => {
  for (const bad of ['400', 50, Number.NaN, 2e6]) {
    assert.throws(() => meeting(['A'], { maxUplinkKbps: bad }), /^TypeError: secure-meeting: maxUplinkKbps \(max-uplink-kbps\) must be a number of kbps from 100 to 1000000, got /);
  }
  assert.throws(() => meeting(['A'], { videoFit: 'yes' }), /^TypeError: secure-meeting: videoFit must be true or false$/);
  const { all: [, b], fit } = meeting(['A', 'B']);
  assert.throws(() => fit(b!).show('x', 'camera', { width: -1, height: 9, visible: true }), /^TypeError: secure-meeting: show\(/);
});

test('junk and floods of views are dropped and counted; the next good one still applies', { timeout: 3000 }, async () => {
  const { clock, a, all: [, b], senders } = meeting(['A', 'B']);
  const from = a.peers.get(b!.id) as FakePeer;
  const send = (body: unknown) => a.router.dispatch(from, JSON.stringify({ type: 'video-view', body }));
  const good = { s: 'camera', w: 160, h: 90, v: true, p: false };
  for (const body of [{ ...good, s: 'mic' }, { ...good, w: -1 }, { ...good, h: 1.5 }, { ...good, h: 1e9 }, { ...good, v: 'yes' }, { s: 'camera' }]) send(body);
  assert.equal(a.router.dropped.invalid, 6);
  assert.equal(senders.get('B')!.sets.length, 0, 'nothing applied');
  for (let i = 0; i < 40; i++) send({ ...good, h: 90 + (i % 2) * 200 });
  assert.ok(a.router.dropped.limited >= 30, `limited ${a.router.dropped.limited}`);
  clock.advance(2000);
  send(good);
  await flush();
  assert.equal(last(senders.get('B'))?.scaleResolutionDownBy, 4);
  a.router.dispatch(from, JSON.stringify({ type: 'video-note', body: { audioOnly: 1 } }));
  assert.equal(a.router.dropped.invalid, 7);
});

// ---- the camera's capture size ----

/** A camera track that resizes on applyConstraints as Chromium's does (to the ideal asked), or refuses. */
function fakeCamera(width = 640, height = 360, refuse = false) {
  let size = { width, height };
  const asked: MediaTrackConstraints[] = [];
  const track = {
    kind: 'video',
    asked,
    getSettings: () => ({ ...size }),
    getConstraints: (): MediaTrackConstraints => ({ deviceId: 'cam', frameRate: { ideal: 24, max: 30 } }),
    applyConstraints: async (c: MediaTrackConstraints) => {
      asked.push(c);
      if (refuse) throw new DOMException('no', 'OverconstrainedError');
      size = { width: (c.width as ConstrainULongRange).ideal!, height: (c.height as ConstrainULongRange).ideal! };
    },
  };
  return track;
}

test('capture heights step by rungs within the lowest rung and the ceiling', { timeout: 2000 }, () => {
  assert.equal(captureHeightFor(90, 360), 180, 'a thumbnail: the lowest rung');
  assert.equal(captureHeightFor(200, 720), 360);
  assert.equal(captureHeightFor(720, 360), 360, 'never above what the camera was opened at');
  assert.equal(captureHeightFor(0, 360), 180, 'all hidden: the lowest rung, not nothing');
  assert.equal(captureHeightFor(90, 120), 120, 'a camera opened smaller than the lowest rung stays as it is');
});

test('the camera captures smaller once every member shows it small, and grows at once when one enlarges it', { timeout: 3000 }, async () => {
  const clock = new FakeClock();
  const camera = fakeCamera();
  let changes = 0;
  const sizer = new CaptureSizer(clock, () => changes++);
  const track = camera as unknown as MediaStreamTrack;
  sizer.update(track, 90);
  await flush();
  assert.equal(sizer.height, 360, 'a smaller size waits');
  clock.advance(CAPTURE_SHRINK_MS - 10);
  sizer.update(track, 200);
  clock.advance(20);
  await flush();
  assert.equal(sizer.height, 360, 'a member needing 200 keeps 360');
  sizer.update(track, 90);
  clock.advance(CAPTURE_SHRINK_MS);
  await flush();
  assert.deepEqual([sizer.height, sizer.ceiling, changes], [180, 360, 1]);
  assert.deepEqual(camera.asked.at(-1), { deviceId: 'cam', frameRate: { ideal: 24, max: 30 }, width: { ideal: 320 }, height: { ideal: 180 } }, 'the opened device and frame rate kept, the aspect ratio too');
  sizer.update(track, 720);
  await flush();
  assert.equal(sizer.height, 360, 'grown at once, to the ceiling and no more');
  sizer.update(track, null);
  clock.advance(CAPTURE_SHRINK_MS * 2);
  await flush();
  assert.equal(sizer.height, 360, 'a member with no word yet may need all of it');
  assert.equal(camera.asked.length, 2);
});

test('a camera that refuses to resize is counted and left as it is', { timeout: 2000 }, async () => {
  const clock = new FakeClock();
  const camera = fakeCamera(640, 360, true);
  const sizer = new CaptureSizer(clock, () => {});
  const track = camera as unknown as MediaStreamTrack;
  sizer.update(track, 90);
  clock.advance(CAPTURE_SHRINK_MS);
  await flush();
  sizer.update(track, 90);
  clock.advance(CAPTURE_SHRINK_MS * 3);
  await flush();
  assert.deepEqual([sizer.failures, camera.asked.length, sizer.height], [1, 1, 360]);
  const next = fakeCamera(1280, 720);
  sizer.update(next as unknown as MediaStreamTrack, 90);
  clock.advance(CAPTURE_SHRINK_MS);
  await flush();
  assert.deepEqual([sizer.height, sizer.ceiling], [180, 720], 'a new camera (another device) starts afresh');
});

test('the sender sizes its camera to the largest view of it; adaptation off or a silent member keeps it whole', { timeout: 3000 }, async () => {
  const camera = fakeCamera();
  const { clock, a, all: [, b, c], senders, fit } = meeting(['A', 'B', 'C'], {}, camera);
  fit(b!).show(a.id, 'camera', { width: 160, height: 90, visible: true });
  clock.advance(CAPTURE_SHRINK_MS + TICK_MS);
  await flush();
  assert.equal(fit(a).capture.height, 360, 'C has said nothing yet');
  fit(c!).show(a.id, 'camera', { width: 160, height: 90, visible: false });
  for (let t = 0; t <= CAPTURE_SHRINK_MS; t += TICK_MS) {
    clock.advance(TICK_MS);
    await flush();
  }
  assert.deepEqual(fit(a).capture, { height: 180, ceiling: 360 });
  assert.equal(last(senders.get('B'))?.scaleResolutionDownBy, 2, 'B\'s thumbnail now 2× down from 180, not 4× from 360');
  fit(c!).show(a.id, 'camera', { width: 1280, height: 720, visible: true });
  await flush();
  assert.equal(fit(a).capture.height, 360, 'C enlarged it: at once');
  const fixed = fakeCamera();
  const off = meeting(['A', 'B'], { videoFit: false }, fixed);
  off.fit(off.all[1]!).show(off.a.id, 'camera', { width: 160, height: 90, visible: true });
  off.clock.advance(CAPTURE_SHRINK_MS * 2);
  await flush();
  assert.equal(fixed.asked.length, 0, 'videoFit false: the camera is not touched');
});
