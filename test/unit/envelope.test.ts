import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { deriveRoomKeys, type RoomKeys } from '../../core/crypto.js';
import { deflate, fromBase64Url, toBase64Url, utf8 } from '../../core/encoding.js';
import { EnvelopeCodec, MAX_CLOCK_SKEW_MS, MAX_ENVELOPE_BYTES, type DropReason } from '../../core/envelope.js';
import { createIdentity, type Identity } from '../../core/identity.js';
import type { Signal } from '../../core/wire/signals.js';

// Each member's identity: a signing key pair, its id the key's hash prefix.
let ALICE: Identity;
let BOB: Identity;
let CAROL: Identity;
const hello: Signal = { type: 'hello', body: { name: 'Alice' } };

let keys: RoomKeys;
let otherPasswordKeys: RoomKeys;
before(async () => {
  [keys, otherPasswordKeys] = await Promise.all([
    deriveRoomKeys({ password: 'pw', channel: 7 }),
    deriveRoomKeys({ password: 'pw2', channel: 7 }),
  ]);
  [ALICE, BOB, CAROL] = await Promise.all([createIdentity(), createIdentity(), createIdentity()]);
}, { timeout: 30_000 });

function onlyDrop(codec: EnvelopeCodec, reason: DropReason) {
  for (const [r, n] of Object.entries(codec.dropped)) assert.equal(n, r === reason ? 1 : 0, `dropped.${r}`);
}

test('a sealed envelope opens for the other member with header and body intact', { timeout: 30_000 }, async () => {
  const alice = new EnvelopeCodec(keys, ALICE);
  const bob = new EnvelopeCodec(keys, BOB);
  const frame = await alice.seal({ type: 'description', body: { description: { type: 'offer', sdp: 'v=0 sdp' }, name: 'Alice' } }, BOB.id);
  const outer = JSON.parse(frame);
  assert.deepEqual(Object.keys(outer), ['v', 'iv', 'ct']);
  assert.equal(outer.v, 2);
  assert.match(outer.iv, /^[A-Za-z0-9_-]{16}$/); // 12 bytes
  assert.ok(!frame.includes('Alice') && !frame.includes('v=0 sdp') && !frame.includes(ALICE.id) && !frame.includes(ALICE.publicKey), `nothing readable in ${frame}`);
  const opened = await bob.open(frame);
  assert.ok(opened, `opened; dropped ${JSON.stringify(bob.dropped)}`);
  assert.equal(opened.from, ALICE.id);
  assert.equal(opened.to, BOB.id);
  assert.equal(opened.key, ALICE.publicKey);
  assert.equal(opened.type, 'description');
  assert.deepEqual(opened.body, { description: { type: 'offer', sdp: 'v=0 sdp' }, name: 'Alice' });
  assert.ok(Math.abs(opened.ts - Date.now()) < 5000, `timestamp ${opened.ts} is now`);
  assert.ok(Object.values(bob.dropped).every((n) => n === 0), JSON.stringify(bob.dropped));
});

test('every envelope gets a fresh IV and nonce', { timeout: 30_000 }, async () => {
  const alice = new EnvelopeCodec(keys, ALICE);
  const frames = await Promise.all(Array.from({ length: 50 }, () => alice.seal(hello)));
  assert.equal(new Set(frames.map((f) => JSON.parse(f).iv)).size, 50);
  const bob = new EnvelopeCodec(keys, BOB);
  const nonces = new Set((await Promise.all(frames.map((f) => bob.open(f)))).map((m) => m?.nonce));
  assert.equal(nonces.size, 50);
});

test('a tampered ciphertext is dropped as undecryptable', { timeout: 10_000 }, async () => {
  const frame = JSON.parse(await new EnvelopeCodec(keys, ALICE).seal(hello));
  const ct: string = frame.ct;
  frame.ct = (ct[0] === 'A' ? 'B' : 'A') + ct.slice(1);
  const bob = new EnvelopeCodec(keys, BOB);
  assert.equal(await bob.open(JSON.stringify(frame)), undefined);
  onlyDrop(bob, 'undecryptable');
});

test('an envelope sealed with another password is dropped as undecryptable', { timeout: 10_000 }, async () => {
  const frame = await new EnvelopeCodec(otherPasswordKeys, ALICE).seal(hello);
  const bob = new EnvelopeCodec(keys, BOB);
  assert.equal(await bob.open(frame), undefined);
  onlyDrop(bob, 'undecryptable');
});

test('an envelope replayed into another topic fails the AAD check', { timeout: 30_000 }, async () => {
  const frame = await new EnvelopeCodec(keys, ALICE).seal(hello);
  const bob = new EnvelopeCodec({ envelopeKey: keys.envelopeKey, topic: 'f'.repeat(32) }, BOB);
  assert.equal(await bob.open(frame), undefined);
  onlyDrop(bob, 'undecryptable');
});

test('a replayed envelope is dropped the second time', { timeout: 10_000 }, async () => {
  const frame = await new EnvelopeCodec(keys, ALICE).seal(hello);
  const bob = new EnvelopeCodec(keys, BOB);
  assert.ok(await bob.open(frame));
  assert.equal(await bob.open(frame), undefined);
  onlyDrop(bob, 'replayed');
});

test('envelopes outside the clock-skew window are dropped as stale, both ways', { timeout: 10_000 }, async () => {
  const now = Date.now();
  const old = await new EnvelopeCodec(keys, ALICE, { now: () => now - MAX_CLOCK_SKEW_MS - 1 }).seal(hello);
  const future = await new EnvelopeCodec(keys, ALICE, { now: () => now + MAX_CLOCK_SKEW_MS + 1 }).seal(hello);
  const edge = await new EnvelopeCodec(keys, ALICE, { now: () => now - MAX_CLOCK_SKEW_MS + 1000 }).seal(hello);
  const bob = new EnvelopeCodec(keys, BOB, { now: () => now });
  assert.equal(await bob.open(old), undefined);
  assert.equal(await bob.open(future), undefined);
  assert.ok(await bob.open(edge));
  assert.equal(bob.dropped.stale, 2);
});

test('an oversize frame is dropped before parsing', { timeout: 10_000 }, async () => {
  const bob = new EnvelopeCodec(keys, BOB);
  assert.equal(await bob.open('{"v":1,"iv":"' + 'A'.repeat(MAX_ENVELOPE_BYTES) + '"}'), undefined);
  onlyDrop(bob, 'oversize');
  await assert.rejects(new EnvelopeCodec(keys, ALICE).seal({ type: 'hello', body: { name: 'x'.repeat(MAX_ENVELOPE_BYTES) } }), {
    name: 'SecureMeetingError', code: 'rejected',
  });
});

test('malformed frames are dropped as malformed', { timeout: 10_000 }, async () => {
  const bob = new EnvelopeCodec(keys, BOB);
  const good = JSON.parse(await new EnvelopeCodec(keys, ALICE).seal(hello));
  const bad = ['not json', '[]', 'null', '{"v":2,"iv":"x","ct":"y"}', JSON.stringify({ ...good, v: 1 }),
    JSON.stringify({ ...good, iv: 'AAAA' }), JSON.stringify({ ...good, ct: 'not base64!' }), JSON.stringify({ v: 2, iv: good.iv }),
    // The same fields, not in the exact shape seal() writes.
    JSON.stringify({ iv: good.iv, ct: good.ct, v: 2 }), JSON.stringify(good, null, 1)];
  for (const frame of bad) assert.equal(await bob.open(frame), undefined, frame);
  assert.equal(bob.dropped.malformed, bad.length);
  assert.equal(Object.values(bob.dropped).reduce((a, b) => a + b), bad.length);
});

test('an envelope addressed to another member is dropped as misaddressed', { timeout: 10_000 }, async () => {
  const frame = await new EnvelopeCodec(keys, ALICE).seal(hello, CAROL.id);
  const bob = new EnvelopeCodec(keys, BOB);
  assert.equal(await bob.open(frame), undefined);
  onlyDrop(bob, 'misaddressed');
  assert.ok(await new EnvelopeCodec(keys, CAROL).open(frame));
});

test('our own envelope echoed back by the relay is dropped as own', { timeout: 10_000 }, async () => {
  const alice = new EnvelopeCodec(keys, ALICE);
  assert.equal(await alice.open(await alice.seal(hello)), undefined);
  onlyDrop(alice, 'own');
});

test('a decryptable envelope with an invalid header or body is dropped as invalid', { timeout: 10_000 }, async () => {
  const bob = new EnvelopeCodec(keys, BOB);
  const alice = new EnvelopeCodec(keys, ALICE);
  const bodies: unknown[] = [
    { type: 'hello', body: { name: '' } },
    { type: 'hello', body: { name: 'x'.repeat(65) } },
    { type: 'description', body: { description: { type: 'pranswer', sdp: '' }, name: 'A' } },
    { type: 'candidate', body: { candidate: { candidate: 42 } } },
    { type: 'teleport', body: {} },
    { type: 'bye' },
  ];
  for (const body of bodies) assert.equal(await bob.open(await alice.seal(body as Signal)), undefined, JSON.stringify(body));
  const badSender = await new EnvelopeCodec(keys, { ...ALICE, id: 'not-an-id' }).seal(hello);
  assert.equal(await bob.open(badSender), undefined);
  assert.equal(bob.dropped.invalid, bodies.length + 1);
});

/** An SDP the size and shape of Chromium's (audio, video, data; 184 lines, ≈7 KB). */
function chromiumLikeSdp(): string {
  const lines = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1 2'];
  for (const [mid, kind] of [[0, 'audio'], [1, 'video'], [2, 'application']] as const) {
    lines.push(`m=${kind} 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102`, 'c=IN IP4 0.0.0.0', `a=mid:${mid}`,
      'a=ice-ufrag:Xq3n', 'a=ice-pwd:7b2Gm9VqKcT0yYx4fHs1eLpA', 'a=fingerprint:sha-256 3A:9F:12:C4:55:0B:7E:AA:61:D2:19:8C:F0:43:BE:27:90:6D:11:5A:C8:3E:07:B9:24:F1:6A:D5:82:0C:E3:4B', 'a=setup:actpass');
    for (let pt = 96; pt < 124; pt++) lines.push(`a=rtpmap:${pt} VP8/90000`, `a=rtcp-fb:${pt} nack`, `a=rtcp-fb:${pt} goog-remb`, `a=fmtp:${pt} apt=${pt - 1}`);
  }
  return lines.join('\r\n').slice(0, 7000) + '\r\n';
}

/** Seals `plain` by hand with the room key, as a member holding it could (the AAD as envelope.ts binds it). */
async function sealRaw(plain: Uint8Array<ArrayBuffer>): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const additionalData = utf8(`secure-meeting/v2|${keys.topic}`);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, keys.envelopeKey, plain));
  return JSON.stringify({ v: 2, iv: toBase64Url(iv), ct: toBase64Url(ct) });
}
const marked = (bytes: Uint8Array) => {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes, 1);
  return out;
};

test('a description is deflated before sealing: a Chromium-sized offer fits in 4 KB, and opens intact', { timeout: 10_000 }, async () => {
  const sdp = chromiumLikeSdp();
  const offer: Signal = { type: 'description', body: { description: { type: 'offer', sdp }, name: 'Alice' } };
  const frame = await new EnvelopeCodec(keys, ALICE).seal(offer, BOB.id);
  // Mosquitto's WebSockets listener delivers a message over 4 KB a 4 KB read per 100 ms (envelope.ts).
  assert.ok(frame.length < 4000, `sealed ${sdp.length} bytes of SDP into ${frame.length}`);
  const bob = new EnvelopeCodec(keys, BOB);
  const opened = await bob.open(frame);
  assert.deepEqual(opened?.type === 'description' && opened.body.description.sdp, sdp);
  const { iv, ct } = JSON.parse(frame) as { iv: string; ct: string };
  const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64Url(iv)!, additionalData: utf8(`secure-meeting/v2|${keys.topic}`) }, keys.envelopeKey, fromBase64Url(ct)!));
  assert.equal(plain[0], 0, 'marked as deflated');
  const helloFrame = await new EnvelopeCodec(keys, ALICE).seal({ type: 'hello', body: { name: sdp.slice(0, 2000) } });
  assert.ok(helloFrame.length > 2000 * 1.3, 'anything but a description is sealed as it is (its content may be another party\'s)');
});

test('a deflated envelope that would inflate past the cap, or is not DEFLATE, is dropped; the next one opens', { timeout: 10_000 }, async () => {
  const bob = new EnvelopeCodec(keys, BOB);
  // 4 MB of one letter deflates to a few KB: a bomb only a member (with the room key) could send.
  const bomb = marked(await deflate(utf8('A'.repeat(4 << 20))));
  assert.ok(bomb.length < MAX_ENVELOPE_BYTES / 2);
  assert.equal(await bob.open(await sealRaw(bomb)), undefined);
  onlyDrop(bob, 'oversize');
  const junk = await sealRaw(marked(utf8('not deflate at all')));
  assert.equal(await bob.open(junk), undefined);
  assert.equal(bob.dropped.invalid, 1);
  const good = await new EnvelopeCodec(keys, ALICE).seal({ type: 'description', body: { description: { type: 'answer', sdp: chromiumLikeSdp() }, name: 'Alice' } }, BOB.id);
  assert.ok(await bob.open(good), 'failures are per message');
});
