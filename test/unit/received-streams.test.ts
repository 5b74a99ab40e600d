/**
 * What a receiver shows of a member's media (core/mesh/received.ts): only
 * the tracks the rules admit, in streams of its own, following what the
 * browser adds to and removes from its streams later. Node has no
 * MediaStream, so a small stand-in behaves as the browser's does for this
 * (tracks in a set; `addtrack`/`removetrack` fire only when the browser,
 * here the test, changes a remote stream). The browser suite
 * (test/e2e/moderation.test.ts) shows it with real WebRTC.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReceivedStreams } from '../../core/mesh/received.js';

class Track {
  enabled = true;
  readyState: 'live' | 'ended' = 'live';
  constructor(readonly kind: 'audio' | 'video', readonly id: string) {}
}

let streams = 0;
class Stream extends EventTarget {
  readonly id = `stream-${++streams}`;
  readonly #tracks = new Set<Track>();
  constructor(tracks: Track[] = []) {
    super();
    for (const t of tracks) this.#tracks.add(t);
  }
  getTracks() { return [...this.#tracks]; }
  addTrack(t: Track) { this.#tracks.add(t); }
  removeTrack(t: Track) { this.#tracks.delete(t); }
  /** What the browser does on renegotiation: change the stream, and say so. */
  browserAdds(t: Track) {
    this.#tracks.add(t);
    this.dispatchEvent(Object.assign(new Event('addtrack'), { track: t }));
  }
  browserRemoves(t: Track) {
    this.#tracks.delete(t);
    this.dispatchEvent(Object.assign(new Event('removetrack'), { track: t }));
  }
}
(globalThis as unknown as { MediaStream: typeof Stream }).MediaStream = Stream;

type Rule = (track: Track, streamId: string) => boolean;
const receiver = (rule: Rule) => {
  let changes = 0;
  const r = new ReceivedStreams(rule as never, () => void changes++);
  return { r, changes: () => changes, add: (t: Track, s?: Stream) => r.add(t as never, s as never) };
};
const kinds = (s: MediaStream | null | undefined) => (s?.getTracks() ?? []).map((t) => t.kind).sort().join();

test('a held-back track is not in the shown stream and is disabled; admitting it later shows it again', { timeout: 5000 }, () => {
  let camera = false;
  const { r, add, changes } = receiver((t) => t.kind === 'audio' || camera);
  const mic = new Track('audio', 'mic');
  const cam = new Track('video', 'cam');
  const remote = new Stream([mic, cam]);
  add(mic, remote);
  add(cam, remote);
  assert.equal(kinds(r.first), 'audio');
  assert.equal(r.shown.get(remote.id), r.first, 'keyed by the sender\'s stream id');
  assert.notEqual(r.first as unknown, remote, 'never the browser\'s own stream');
  assert.equal(cam.enabled, false);
  assert.equal(mic.enabled, true);
  assert.deepEqual(remote.getTracks(), [mic, cam], 'the browser\'s stream is left as it is');

  const before = changes();
  camera = true;
  r.refilter();
  assert.equal(kinds(r.first), 'audio,video');
  assert.equal(cam.enabled, true);
  assert.equal(changes(), before + 1);
  r.refilter();
  assert.equal(changes(), before + 1, 'nothing changed: no update');
  camera = false;
  r.refilter();
  assert.equal(kinds(r.first), 'audio');
  assert.equal(cam.enabled, false);
});

test('a track the browser puts into a known stream later (no track event, as with setStreams) is held back too', { timeout: 5000 }, () => {
  const { r, add } = receiver((t) => t.kind === 'audio');
  const mic = new Track('audio', 'mic');
  const remote = new Stream([mic]);
  add(mic, remote);
  const forced = new Track('video', 'forced');
  remote.browserAdds(forced);
  assert.equal(kinds(r.first), 'audio');
  assert.equal(forced.enabled, false);
});

test('the rule sees the sender\'s stream id (a screen is told apart from a camera); a rule that throws holds back', { timeout: 5000 }, () => {
  let screenId = '';
  const { r, add } = receiver((t, id) => {
    if (t.kind === 'audio') throw new Error('a rule that breaks');
    return id === screenId;
  });
  const cam = new Track('video', 'cam');
  const mic = new Track('audio', 'mic');
  const main = new Stream([cam, mic]);
  const screen = new Stream([new Track('video', 'screen')]);
  screenId = screen.id;
  add(cam, main);
  add(mic, main);
  add(screen.getTracks()[0] as Track, screen);
  assert.equal(kinds(r.first), '', 'camera not admitted, and the throwing rule held the audio back');
  assert.equal(kinds(r.shown.get(screen.id)), 'video');
  assert.equal(r.shown.size, 2);
});

test('a stream whose last track the browser removed is let go; the first stays; tracks without a stream share one of ours', { timeout: 5000 }, () => {
  const { r, add } = receiver(() => true);
  const cam = new Track('video', 'cam');
  const main = new Stream([cam]);
  const screenTrack = new Track('video', 'screen');
  const screen = new Stream([screenTrack]);
  add(cam, main);
  add(screenTrack, screen);
  assert.equal(r.shown.size, 2);
  screen.browserRemoves(screenTrack);
  assert.equal(r.shown.size, 1);
  assert.equal(r.shown.has(screen.id), false);
  main.browserRemoves(cam);
  assert.equal(r.shown.size, 1, 'the first stream is kept (peer.stream)');
  assert.equal(kinds(r.first), '');

  const { r: loose, add: addLoose } = receiver(() => true);
  addLoose(new Track('audio', 'a'));
  addLoose(new Track('video', 'v'));
  assert.equal(kinds(loose.first), 'audio,video');
  assert.equal(loose.shown.size, 1);
});

test('an ended track is not shown', { timeout: 5000 }, () => {
  const { r, add } = receiver(() => true);
  const cam = new Track('video', 'cam');
  const main = new Stream([cam]);
  add(cam, main);
  cam.readyState = 'ended';
  r.refilter();
  assert.equal(kinds(r.first), '');
});
