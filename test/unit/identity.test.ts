/**
 * Member identity (core/identity.ts, core/envelope.ts): every envelope is
 * signed by its sender's identity key, whose hash is the sender's id, so a
 * member who knows the password still cannot seal in another's name. Plus
 * the cheap-checks-first and replay rules of issue 10, and the safety code.
 */
import assert from 'node:assert/strict';
import { before, mock, test } from 'node:test';
import { deriveRoomKeys, type RoomKeys } from '../../core/crypto.js';
import { fromBase64Url, inflate, toBase64Url, utf8 } from '../../core/encoding.js';
import { EnvelopeCodec, MAX_ENVELOPE_BYTES, MAX_REPLAY_ENTRIES } from '../../core/envelope.js';
import { createIdentity, idOf, pairSafetyCode, roomSafetyCode, type Identity } from '../../core/identity.js';
import type { Signal } from '../../core/wire/signals.js';

let keys: RoomKeys;
let alice: Identity;
let bob: Identity;
let mallory: Identity;
before(async () => {
  keys = await deriveRoomKeys({ password: 'pw', channel: 9 });
  [alice, bob, mallory] = await Promise.all([createIdentity(), createIdentity(), createIdentity()]);
}, { timeout: 30_000 });

const bye: Signal = { type: 'bye', body: {} };
const offer: Signal = { type: 'description', body: { description: { type: 'offer', sdp: 'v=0\r\na=fingerprint:sha-256 AA:BB\r\n' }, name: 'Bob' } };

test('an identity: the id is the hash prefix of its public key, a raw P-256 point', { timeout: 10_000 }, async () => {
  assert.match(alice.id, /^[0-9a-f]{16}$/);
  assert.equal(await idOf(alice.publicKey), alice.id);
  assert.notEqual(alice.id, bob.id);
  assert.equal(fromBase64Url(alice.publicKey)?.length, 65);
});

test('a bye or an offer sealed by one member in another\'s name is dropped as forged', { timeout: 10_000 }, async () => {
  const carol = new EnvelopeCodec(keys, await createIdentity());
  // Mallory's key, Bob's id: the id is not the key's.
  const asBob = new EnvelopeCodec(keys, { ...mallory, id: bob.id });
  // Bob's id and key, Mallory's signature: it does not verify.
  const withBobsKey = new EnvelopeCodec(keys, { ...bob, sign: mallory.sign });
  for (const codec of [asBob, withBobsKey]) {
    assert.equal(await carol.open(await codec.seal(bye)), undefined);
    assert.equal(await carol.open(await codec.seal(offer, undefined)), undefined);
  }
  assert.equal(carol.dropped.forged, 4);
  // The real Bob gets through.
  const real = await carol.open(await new EnvelopeCodec(keys, bob).seal(bye));
  assert.equal(real?.from, bob.id);
  assert.equal(real?.key, bob.publicKey);
});

test('a hello whose id does not match its key is dropped as forged', { timeout: 10_000 }, async () => {
  const carol = new EnvelopeCodec(keys, await createIdentity());
  const frame = await new EnvelopeCodec(keys, { ...alice, id: '0123456789abcdef' }).seal({ type: 'hello', body: { name: 'Alice' } });
  assert.equal(await carol.open(frame), undefined);
  assert.equal(carol.dropped.forged, 1);
});

test('a forwarded envelope altered by the member passing it on is dropped as forged', { timeout: 10_000 }, async () => {
  // Mallory holds the room key: she can open Alice's envelope and seal it again with another body, but not re-sign it.
  const carol = await createIdentity();
  const frame = await new EnvelopeCodec(keys, alice).seal(offer, carol.id);
  const { iv, ct } = JSON.parse(frame) as { iv: string; ct: string };
  const aes = { name: 'AES-GCM', iv: fromBase64Url(iv)!, additionalData: utf8(`secure-meeting/v2|${keys.topic}`) };
  // A description is deflated before it is sealed (envelope.ts): a 0 byte, then raw DEFLATE.
  const sealed = new Uint8Array(await crypto.subtle.decrypt(aes, keys.envelopeKey, fromBase64Url(ct)!));
  assert.equal(sealed[0], 0, 'deflated');
  const plain = new TextDecoder().decode((await inflate(sealed.subarray(1), 1 << 20))!);
  const altered = plain.replace('AA:BB', 'EE:FF');
  assert.notEqual(altered, plain);
  const iv2 = crypto.getRandomValues(new Uint8Array(12));
  const ct2 = new Uint8Array(await crypto.subtle.encrypt({ ...aes, iv: iv2 }, keys.envelopeKey, utf8(altered))); // not deflated: opens all the same
  const forwarded = JSON.stringify({ v: 2, iv: toBase64Url(iv2), ct: toBase64Url(ct2) });
  const receiver = new EnvelopeCodec(keys, carol);
  assert.equal(await receiver.open(forwarded), undefined);
  assert.equal(receiver.dropped.forged, 1);
  assert.ok(await receiver.open(frame), 'the original still opens');
});

test('a 64 K nested array is rejected without JSON.parse', { timeout: 10_000 }, async (t) => {
  const codec = new EnvelopeCodec(keys, alice);
  const junk = '['.repeat(MAX_ENVELOPE_BYTES / 2 - 1) + ']'.repeat(MAX_ENVELOPE_BYTES / 2 - 1);
  const parse = t.mock.method(JSON, 'parse');
  assert.equal(await codec.open(junk), undefined);
  assert.equal(parse.mock.callCount(), 0);
  assert.equal(codec.dropped.malformed, 1);
  mock.restoreAll();
});

test('a replay after the wall clock steps forward and back is still dropped', { timeout: 10_000 }, async () => {
  let wall = Date.now();
  let steady = 0;
  const receiver = new EnvelopeCodec(keys, bob, { now: () => wall, monotonic: () => steady });
  const sender = new EnvelopeCodec(keys, alice, { now: () => wall });
  const frame = await sender.seal(bye);
  assert.ok(await receiver.open(frame));
  // The clock jumps 6 minutes ahead (past the 5-minute window) while envelopes keep coming, which prunes the cache…
  wall += 6 * 60_000;
  steady += 1000;
  for (let i = 0; i < 300; i++) await receiver.open(await sender.seal(bye));
  // …then steps back: the old envelope is 4 minutes old, inside the window again.
  wall -= 2 * 60_000;
  assert.equal(await receiver.open(frame), undefined);
  assert.equal(receiver.dropped.replayed, 1);
});

test('the replay cache is bounded in entries', { timeout: 60_000 }, async () => {
  const receiver = new EnvelopeCodec(keys, bob);
  const sender = new EnvelopeCodec(keys, alice);
  const frames = await Promise.all(Array.from({ length: MAX_REPLAY_ENTRIES + 50 }, () => sender.seal(bye)));
  for (const frame of frames) await receiver.open(frame);
  assert.equal(receiver.replayEntries, MAX_REPLAY_ENTRIES);
  assert.equal(await receiver.open(frames.at(-1)!), undefined, 'a recent one is still remembered');
});

test('both members of a pair compute the same safety code; another key or fingerprint changes it', { timeout: 10_000 }, async () => {
  const a = { key: alice.publicKey, fingerprint: 'sha-256 AB:CD:EF' };
  const b = { key: bob.publicKey, fingerprint: 'sha-256 12:34:56' };
  const code = await pairSafetyCode(a, b);
  assert.match(code, /^\d{5} \d{5} \d{5} \d{5}$/);
  assert.equal(await pairSafetyCode(b, a), code);
  assert.equal(await pairSafetyCode({ ...a, fingerprint: 'SHA-256 ab:cd:ef' }, b), code, 'case does not matter');
  assert.notEqual(await pairSafetyCode({ ...a, fingerprint: 'sha-256 AB:CD:EE' }, b), code);
  assert.notEqual(await pairSafetyCode(a, { ...b, key: mallory.publicKey }), code);
  const room = await roomSafetyCode([alice.publicKey, bob.publicKey, mallory.publicKey]);
  assert.equal(await roomSafetyCode([mallory.publicKey, alice.publicKey, bob.publicKey]), room);
  assert.notEqual(await roomSafetyCode([alice.publicKey, bob.publicKey]), room);
});

test('two copies of one envelope opened side by side: one opens, the other is dropped as a replay', { timeout: 10_000 }, async () => {
  // Nothing stops a caller opening envelopes concurrently; the codec rechecks for replays once the signature is verified.
  const frame = await new EnvelopeCodec(keys, alice).seal(bye);
  const receiver = new EnvelopeCodec(keys, bob);
  const opened = await Promise.all([receiver.open(frame), receiver.open(frame), receiver.open(frame)]);
  assert.equal(opened.filter(Boolean).length, 1);
  assert.equal(receiver.dropped.replayed, 2);
});
