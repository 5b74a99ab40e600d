/**
 * The room says hello each time the relay opens (core/room/room.ts): the
 * first hello is sealed while the relay is dialled and published on arrival,
 * before anyone is told the relay is open; a reconnect publishes a fresh one,
 * since members who saw the first would drop it as a replay.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { deriveRoomKeys, type RoomKeys } from '../../core/crypto.js';
import { EnvelopeCodec } from '../../core/envelope.js';
import { createIdentity, type Identity } from '../../core/identity.js';
import { Room } from '../../core/room/room.js';
import { scriptedRelay } from '../support/scripted-relay.js';

let keys: RoomKeys;
let self: Identity;
let other: Identity;
before(async () => {
  keys = await deriveRoomKeys({ password: 'greeting-pw', channel: 9 });
  [self, other] = await Promise.all([createIdentity(), createIdentity()]);
}, { timeout: 20_000 });

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test('the hello is sealed while dialling, published on arrival before the room says open, and fresh on each reconnect', { timeout: 20_000 }, async () => {
  const relay = scriptedRelay();
  const room = new Room(relay.adapter, {
    message: () => {},
    state: (state) => void relay.log.push(`state ${state}`),
    error: (error) => assert.fail(error),
  }, Date.now);
  room.start(keys, '9', self, { type: 'hello', body: { name: 'Ada' } });
  room.connect();
  await settle(); // the seal finishes while the relay is still connecting
  relay.move('open');
  await settle();
  assert.equal(relay.published.length, 1, 'one hello on arrival');
  assert.deepEqual(relay.log, ['published', 'state open'], 'the hello leaves before anything reacts to the open state');

  relay.move('reconnecting');
  relay.move('open');
  await settle();
  assert.equal(relay.published.length, 2, 'a second hello after the reconnect');
  assert.notEqual(relay.published[1], relay.published[0], 'not the same envelope again');

  // Both open as a hello from us, and the second is not a replay of the first.
  const codec = new EnvelopeCodec(keys, other);
  const [first, second] = [await codec.open(relay.published[0]!), await codec.open(relay.published[1]!)];
  assert.equal(first?.type, 'hello');
  assert.equal(second?.type, 'hello');
  assert.equal(first?.from, self.id);
  assert.deepEqual(second?.body, { name: 'Ada' });
  room.close();
});

test('a relay reached long after dialling (it retried while down) gets a hello sealed then, not the one sealed ahead', { timeout: 20_000 }, async () => {
  let now = 1_800_000_000_000;
  const relay = scriptedRelay();
  const room = new Room(relay.adapter, { message: () => {}, state: () => {}, error: (error) => assert.fail(error) }, () => now);
  room.start(keys, '9', self, { type: 'hello', body: { name: 'Ada' } });
  room.connect();
  await settle();
  now += 60_000;
  relay.move('open');
  await settle();
  assert.equal(relay.published.length, 1);
  const hello = await new EnvelopeCodec(keys, other, { now: () => now }).open(relay.published[0]!);
  assert.equal(hello?.ts, now, 'sealed when the relay opened');
  room.close();
});
