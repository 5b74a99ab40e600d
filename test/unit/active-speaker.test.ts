/**
 * Active speaker (core/features/active-speaker.ts): the decision with its
 * hysteresis, sample by sample, and the feature sampling an injected level
 * source on a fake clock. The e2e suite shows a loud microphone taking the
 * highlight in real browsers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeSpeaker, ActiveSpeakerEvent, SAMPLE_MS, SpeakerDetector, type LevelSource } from '../../core/features/active-speaker.js';
import { FakeClock } from '../support/fake-clock.js';
import { link, Member } from '../support/feature-harness.js';

const loud = 0.3;
const quiet = 0.001;

/** Feeds `samples` (one per SAMPLE_MS) and returns the speaker after each. */
function run(detector: SpeakerDetector, samples: Record<string, number>[], start = 0): (string | null)[] {
  return samples.map((s, i) => detector.sample(new Map(Object.entries(s)), start + i * SAMPLE_MS));
}
/** Lets `n` samples be taken, each round of levels read before the next. */
async function samples(clock: FakeClock, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    clock.advance(SAMPLE_MS);
    await new Promise((r) => setImmediate(r));
  }
}
const repeat = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);

test('someone talking becomes the speaker only after being loudest for the hold time', { timeout: 5000 }, () => {
  const d = new SpeakerDetector({ silence: 0.01, holdMs: 900, pauseMs: 600, releaseMs: 2000 });
  const seen = run(d, repeat(5, { a: loud, b: quiet }));
  assert.deepEqual(seen, [null, null, null, 'a', 'a'], 'taken at the fourth sample: 900 ms after the first');
});

test('a short sound from someone else does not steal the highlight; sustained talk does', { timeout: 5000 }, () => {
  const d = new SpeakerDetector({ silence: 0.01, holdMs: 900, pauseMs: 600, releaseMs: 2000 });
  run(d, repeat(4, { a: loud, b: quiet }));
  assert.equal(d.current, 'a');
  // Bo coughs (two samples louder than Ada), then Ada goes on: she keeps it.
  const cough = run(d, [{ a: 0.1, b: 0.5 }, { a: 0.1, b: 0.5 }, { a: loud, b: quiet }], 4 * SAMPLE_MS);
  assert.deepEqual(cough, ['a', 'a', 'a']);
  // Alternating loudest every sample (talking over each other): no flicker.
  const over = run(d, Array.from({ length: 10 }, (_, i) => (i % 2 ? { a: 0.3, b: 0.2 } : { a: 0.2, b: 0.3 })), 7 * SAMPLE_MS);
  assert.ok(over.every((s) => s === 'a'), `stays with Ada: ${over.join()}`);
  // Bo talks on while Ada is quieter: after the hold, Bo.
  const taken = run(d, repeat(4, { a: 0.05, b: loud }), 17 * SAMPLE_MS);
  assert.deepEqual(taken, ['a', 'a', 'a', 'b']);
});

test('silence: the speaker is let go after the release time, not at the first quiet sample', { timeout: 5000 }, () => {
  const d = new SpeakerDetector({ silence: 0.01, holdMs: 900, pauseMs: 600, releaseMs: 2000 });
  run(d, repeat(4, { a: loud }));
  // A pause between sentences keeps the highlight.
  const pause = run(d, [...repeat(3, { a: quiet }), { a: loud }], 4 * SAMPLE_MS);
  assert.deepEqual(pause, ['a', 'a', 'a', 'a']);
  // Then quiet for good: released once 2 s have passed since last heard (7 × 300 ms = 2100 ms).
  const quietNow = run(d, repeat(8, { a: quiet }), 8 * SAMPLE_MS);
  assert.deepEqual(quietNow, ['a', 'a', 'a', 'a', 'a', 'a', null, null]);
  // Levels under the silence threshold never make anyone speaker.
  assert.deepEqual(run(d, repeat(10, { a: 0.009, b: 0.005 }), 16 * SAMPLE_MS), repeat(10, null));
});

test('a short pause between words keeps a claim going; a long one ends it', { timeout: 5000 }, () => {
  const d = new SpeakerDetector({ silence: 0.01, holdMs: 900, pauseMs: 600, releaseMs: 2000 });
  // Talk, one quiet sample, talk: taken when 900 ms have passed since the claim began.
  assert.deepEqual(run(d, [{ a: loud }, { a: quiet }, { a: loud }, { a: loud }]), [null, null, null, 'a']);
  const e = new SpeakerDetector({ silence: 0.01, holdMs: 900, pauseMs: 600, releaseMs: 2000 });
  // A cough, a long silence, another cough: never anyone.
  const coughs = run(e, [{ a: loud }, ...repeat(3, { a: quiet }), { a: loud }, ...repeat(3, { a: quiet }), { a: loud }]);
  assert.ok(coughs.every((s) => s === null), coughs.join());
});

test('a member who leaves stops being the speaker at once', { timeout: 5000 }, () => {
  const d = new SpeakerDetector();
  run(d, repeat(4, { a: loud }));
  assert.equal(d.current, 'a');
  d.forget('a');
  assert.equal(d.current, null);
});

test('the feature samples its level source on the clock and tells the meeting who speaks', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const levels = new Map<string, number | undefined>();
  const audioLevels: LevelSource = (peer) => levels.get(peer.name);
  const [ada, bo, cy] = ['Ada', 'Bo', 'Cy'].map((n) => new Member(n, clock, [activeSpeaker], { audioLevels })) as [Member, Member, Member];
  for (const m of [ada, bo, cy]) m.join();
  link(ada, bo);
  link(ada, cy);
  const speaker = () => ada.features.api(activeSpeaker).current;

  levels.set('Bo', quiet).set('Cy', loud);
  await samples(clock, 3);
  assert.equal(speaker(), null, 'not yet: the hold time');
  await samples(clock, 1);
  assert.equal(speaker(), cy.id);
  const events = ada.events.filter((e): e is ActiveSpeakerEvent => e instanceof ActiveSpeakerEvent);
  assert.deepEqual(events.map((e) => e.id), [cy.id], 'one event, no flicker');

  // A source that fails or says nonsense for a member counts as not knowing their level.
  levels.set('Cy', Number.NaN).set('Bo', loud);
  await samples(clock, 5);
  assert.equal(speaker(), bo.id);

  const gone = ada.peers.get(bo.id)!;
  ada.peers.delete(bo.id);
  ada.features.peerLeft(gone);
  assert.equal(speaker(), null);
  assert.equal((ada.events.at(-1) as ActiveSpeakerEvent).id, null);

  ada.leave();
  assert.equal(clock.pending, 2, 'only the other members\' sampling timers are left');
});

test('an async level source works too; a round still reading is not started twice', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  let reads = 0;
  let release: () => void = () => {};
  const gate = () => new Promise<void>((r) => (release = r));
  let waiting = gate();
  const audioLevels: LevelSource = async () => {
    reads++;
    await waiting;
    return loud;
  };
  const [ada, bo] = [new Member('Ada', clock, [activeSpeaker], { audioLevels }), new Member('Bo', clock, [activeSpeaker], { audioLevels: () => 0 })];
  ada.join();
  link(ada, bo);
  await samples(clock, 3);
  assert.equal(reads, 1, 'the first round is still reading');
  for (let i = 0; i < 5; i++) {
    release(); // this round ends…
    await new Promise((r) => setImmediate(r));
    waiting = gate();
    await samples(clock, 1); // …and the next one starts
  }
  assert.equal(reads, 6);
  assert.equal(ada.features.api(activeSpeaker).current, bo.id);
});

test('audioLevels must be a function', { timeout: 5000 }, () => {
  assert.throws(() => new Member('Ada', new FakeClock(), [activeSpeaker], { audioLevels: 3 }), {
    name: 'TypeError',
    message: 'secure-meeting: audioLevels must be a function (peer) => level from 0 to 1',
  });
});
