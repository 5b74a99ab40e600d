/**
 * Our ICE candidates ride in the description where they can (core/mesh/trickle.ts):
 * which still go as messages of their own, and how long a description waits
 * for gathering. Real RTCPeerConnections use it in every e2e join; the
 * headless e2e suite checks a newcomer's answer carries its candidates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describedCandidates, gathered, GATHER_WAIT_MS, Trickle } from '../../core/mesh/trickle.js';
import { FakeClock } from '../support/fake-clock.js';

const HOST = 'candidate:2881306533 1 udp 2122260223 127.0.0.1 35874 typ host generation 0';
const OTHER = 'candidate:1071093420 1 udp 2122194687 10.0.0.2 41000 typ host generation 0';
/** As Chromium sends a candidate: its string names the ICE username fragment; the SDP line does not. */
const own = (line: string, ufrag = 'CmPU'): RTCIceCandidateInit => ({ candidate: `${line} ufrag ${ufrag} network-id 1`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: ufrag });
const sdp = (ufrag: string, ...lines: string[]) =>
  ['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', `a=ice-ufrag:${ufrag}`, 'a=ice-pwd:x', ...lines.map((l) => `a=${l} network-id 1`), 'a=mid:0', ''].join('\r\n');

function trickle() {
  const sent: (RTCIceCandidateInit | null)[] = [];
  return { sent, t: new Trickle((c) => sent.push(c)) };
}

test('candidates a sent description carries, and the end of a complete gathering, go as no message of their own', { timeout: 5_000 }, () => {
  const { sent, t } = trickle();
  t.hold();
  t.candidate(own(HOST));
  t.candidate(null);
  assert.equal(sent.length, 0, 'held while the description waits');
  t.described(sdp('CmPU', HOST), true);
  t.release();
  assert.equal(sent.length, 0);
  // One gathered after the description left goes, and so would a later end of candidates.
  t.candidate(own(OTHER));
  assert.deepEqual(sent.map((c) => c?.candidate), [own(OTHER).candidate]);
});

test('a description sent before gathering ended lets the rest trickle, the end of candidates too, in order', { timeout: 5_000 }, () => {
  const { sent, t } = trickle();
  t.hold();
  t.candidate(own(HOST));
  t.candidate(own(OTHER));
  t.described(sdp('CmPU', HOST), false);
  t.candidate(null); // while still held: it waits behind the others
  t.release();
  assert.deepEqual(sent.map((c) => c?.candidate ?? null), [own(OTHER).candidate, null]);
});

test('an ICE restart changes the username fragment: the same address under the new one is a new candidate', { timeout: 5_000 }, () => {
  const { sent, t } = trickle();
  t.described(sdp('CmPU', HOST), true);
  t.candidate(own(HOST, 'NeW1'));
  assert.equal(sent.length, 1);
  assert.equal(describedCandidates(sdp('NeW1', HOST, OTHER)).size, 2);
});

test('a description that could not be made releases what was held: no candidate is lost', { timeout: 5_000 }, () => {
  const { sent, t } = trickle();
  t.hold();
  t.candidate(own(HOST));
  t.release();
  assert.equal(sent.length, 1);
});

/** Just what `gathered` reads of a connection. */
class Gathering extends EventTarget {
  iceGatheringState: RTCIceGatheringState = 'gathering';
  complete(): void {
    this.iceGatheringState = 'complete';
    this.dispatchEvent(new Event('icegatheringstatechange'));
  }
}

test('a description waits for gathering to end, and no longer than GATHER_WAIT_MS', { timeout: 5_000 }, async () => {
  const clock = new FakeClock();
  const state = (p: Promise<void>) => Promise.race([p.then(() => 'done'), new Promise((r) => setImmediate(() => r('waiting')))]);

  const ending = new Gathering();
  const early = gathered(ending as unknown as RTCPeerConnection, clock);
  clock.advance(5);
  assert.equal(await state(early), 'waiting');
  ending.complete();
  assert.equal(await state(early), 'done');
  assert.equal(clock.pending, 0, 'its timer cleared');

  const slow = new Gathering();
  const bounded = gathered(slow as unknown as RTCPeerConnection, clock);
  clock.advance(GATHER_WAIT_MS - 1);
  assert.equal(await state(bounded), 'waiting');
  clock.advance(1);
  assert.equal(await state(bounded), 'done');

  const done = new Gathering();
  done.iceGatheringState = 'complete';
  assert.equal(await state(gathered(done as unknown as RTCPeerConnection, clock)), 'done');
});
