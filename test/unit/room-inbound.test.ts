/**
 * Inbound envelopes on the relay side (core/room/room.ts, receive()): opened
 * while earlier ones are still opening, at most OPEN_AHEAD at once, and
 * handed on strictly in arrival order, whichever finishes first. A frame
 * that cannot be opened is dropped and counted, and the next goes on.
 * Decryption is held by the test (crypto.subtle.decrypt, wrapped) so the
 * overlap is seen, not timed.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { deriveRoomKeys, type RoomKeys } from '../../core/crypto.js';
import { EnvelopeCodec, type Inbound } from '../../core/envelope.js';
import { createIdentity, type Identity } from '../../core/identity.js';
import type { RelayAdapter } from '../../core/relay.js';
import { OPEN_AHEAD, Room } from '../../core/room/room.js';

let keys: RoomKeys;
let self: Identity;
let other: Identity;
before(async () => {
  keys = await deriveRoomKeys({ password: 'inbound-order-pw', channel: 9 });
  [self, other] = await Promise.all([createIdentity(), createIdentity()]);
}, { timeout: 30_000 });

const offline: RelayAdapter = { kind: 'offline', connect: () => ({ state: 'connecting', publish: () => false, close() {} }) };

/** Holds every decryption until the test releases it; `inFlight` counts those started and not yet released. */
function holdDecryption(t: { mock: { method: (o: object, m: string, f: unknown) => unknown } }) {
  const subtle = globalThis.crypto.subtle;
  const real = subtle.decrypt.bind(subtle);
  const held: (() => void)[] = [];
  let inFlight = 0;
  let most = 0;
  t.mock.method(subtle, 'decrypt', async (...args: Parameters<SubtleCrypto['decrypt']>) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise<void>((resolve) => held.push(resolve));
    inFlight--;
    return real(...args);
  });
  return { held, get inFlight() { return inFlight; }, get most() { return most; } };
}

const ticks = async (n = 20) => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };
/** Waits (polling, 5 s at most) until `check` holds: a released decryption runs for real, off the test's ticks. */
const until = async (what: string, check: () => boolean) => {
  const end = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

function roomFor(messages: Inbound[]) {
  const room = new Room(offline, { message: (m) => void messages.push(m), state: () => {}, error: () => {} }, Date.now);
  room.start(keys, '9', self, { type: 'hello', body: { name: 'Ada' } });
  return room;
}

const names = (messages: Inbound[]) => messages.map((m) => (m.body as { name: string }).name);

test('envelopes open side by side and are handed on in arrival order, whichever finishes first', { timeout: 20_000 }, async (t) => {
  const theirs = new EnvelopeCodec(keys, other);
  const frames = await Promise.all(['one', 'two', 'three'].map((name) => theirs.seal({ type: 'hello', body: { name } })));
  const decrypt = holdDecryption(t);
  const messages: Inbound[] = [];
  const room = roomFor(messages);
  for (const frame of frames) room.receive(frame);
  await ticks();
  assert.equal(decrypt.inFlight, 3, 'all three are being opened before the first is done');
  decrypt.held[2]!();
  decrypt.held[1]!();
  await until('the second and third to be opened', () => decrypt.inFlight === 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(names(messages), [], 'the later ones wait for the first');
  decrypt.held[0]!();
  await until('all three', () => messages.length === 3);
  assert.deepEqual(names(messages), ['one', 'two', 'three']);
});

test(`at most OPEN_AHEAD (${OPEN_AHEAD}) open at once; one that cannot be opened is dropped, counted, and the next goes on`, { timeout: 20_000 }, async (t) => {
  const theirs = new EnvelopeCodec(keys, other);
  const stranger = new EnvelopeCodec(await deriveRoomKeys({ password: 'another-room-pw', channel: 9 }), other);
  const count = OPEN_AHEAD + 3;
  const frames = await Promise.all(Array.from({ length: count }, (_, i) =>
    (i === 1 ? stranger : theirs).seal({ type: 'hello', body: { name: `m${i}` } })));
  const decrypt = holdDecryption(t);
  const messages: Inbound[] = [];
  const room = roomFor(messages);
  for (const frame of frames) room.receive(frame);
  for (let released = 0; released < count; released++) {
    await until(`decryption ${released + 1}`, () => decrypt.held.length > released);
    await ticks();
    assert.ok(decrypt.inFlight <= OPEN_AHEAD, `${decrypt.inFlight} opening at once`);
    decrypt.held[released]!();
  }
  await until('every message', () => messages.length === count - 1);
  assert.equal(decrypt.most, OPEN_AHEAD, 'the places were used');
  assert.deepEqual(names(messages), frames.map((_, i) => `m${i}`).filter((n) => n !== 'm1'));
  assert.equal(room.dropped.undecryptable, 1, 'sealed under another room\'s key');
});
