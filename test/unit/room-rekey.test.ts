/**
 * A new epoch on the relay side (core/room/room.ts, rekey()): after a member
 * is removed, the room moves to the keys and blinded topic of a new secret.
 * On the relay it leaves the old topic and dials the new one, saying hello
 * there; off it (joining locked) it stays off and the next connect dials the
 * new topic. What the old keys sealed no longer opens; what it seals after
 * the move opens only with the new keys.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { deriveRoomKeys, type RoomKeys } from '../../core/crypto.js';
import { EnvelopeCodec } from '../../core/envelope.js';
import { createIdentity, type Identity } from '../../core/identity.js';
import type { Inbound } from '../../core/envelope.js';
import type { RelayAdapter, RelayHandlers, RelayState, RelayTarget } from '../../core/relay.js';
import { Room } from '../../core/room/room.js';

let oldKeys: RoomKeys;
let newKeys: RoomKeys;
let self: Identity;
let other: Identity;
before(async () => {
  [oldKeys, newKeys] = await Promise.all([
    deriveRoomKeys({ password: 'the-old-password', channel: 7 }),
    deriveRoomKeys({ password: 'kabefo-rimuta-sedovi-nupalo', channel: 7 }),
  ]);
  [self, other] = await Promise.all([createIdentity(), createIdentity()]);
}, { timeout: 30_000 });

interface Dial { target: RelayTarget; handlers: RelayHandlers; published: string[]; state: RelayState; closed: boolean }

/** A relay the test moves by hand; each connect() is one dial, kept with what was published on it. */
function scriptedRelay() {
  const dials: Dial[] = [];
  const adapter: RelayAdapter = {
    kind: 'scripted',
    connect(target, handlers) {
      const dial: Dial = { target, handlers, published: [], state: 'connecting', closed: false };
      dials.push(dial);
      handlers.state('connecting');
      return {
        get state() { return dial.state; },
        publish(data) {
          if (dial.state !== 'open') return false;
          dial.published.push(data);
          return true;
        },
        close() {
          dial.closed = true;
          // Reported late, as a socket's close event is: after the next dial has begun.
          setTimeout(() => {
            dial.state = 'closed';
            handlers.state('closed');
          }, 5);
        },
      };
    },
  };
  const open = (dial: Dial) => {
    dial.state = 'open';
    dial.handlers.state('open');
  };
  return { adapter, dials, open };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

function roomOn(adapter: RelayAdapter) {
  const states: string[] = [];
  const messages: Inbound[] = [];
  const room = new Room(adapter, {
    message: (m) => void messages.push(m),
    state: (s) => void states.push(s),
    error: (error) => assert.fail(error),
  }, Date.now);
  room.start(oldKeys, '7', self, { type: 'hello', body: { name: 'Ada' } });
  return { room, states, messages };
}

test('on the relay: rekey leaves the old topic, dials the new one and says hello there with the new keys', { timeout: 20_000 }, async () => {
  const relay = scriptedRelay();
  const { room, states } = roomOn(relay.adapter);
  room.connect();
  await settle();
  relay.open(relay.dials[0]!);
  await settle();
  assert.equal(relay.dials[0]!.target.topic, oldKeys.topic);

  room.rekey(newKeys);
  assert.equal(relay.dials.length, 2, 'dialled again at once');
  assert.equal(relay.dials[0]!.closed, true, 'the old topic is left');
  assert.equal(relay.dials[1]!.target.topic, newKeys.topic, 'on the new topic');
  assert.equal(relay.dials[1]!.target.channel, '7', 'the channel stays');
  assert.notEqual(newKeys.topic, oldKeys.topic);
  await settle(); // the old connection reports its closing after the new dial began
  relay.open(relay.dials[1]!);
  await settle();
  assert.equal(room.state, 'open', 'the old connection closing late does not make the room look closed');
  assert.ok(!states.slice(states.lastIndexOf('connecting')).includes('closed'), `no "closed" after the new dial: ${states.join(', ')}`);

  room.send({ type: 'bye', body: {} });
  await room.flushed();
  const [hello, bye] = relay.dials[1]!.published;
  assert.ok(hello && bye, 'a hello on arrival, then the bye');
  const oldCodec = new EnvelopeCodec(oldKeys, other);
  const newCodec = new EnvelopeCodec(newKeys, other);
  assert.equal(await oldCodec.open(hello), undefined, 'the old keys do not open the new hello');
  assert.equal(oldCodec.dropped.undecryptable, 1);
  assert.equal((await newCodec.open(hello))?.type, 'hello');
  assert.equal((await newCodec.open(bye))?.type, 'bye');
  room.close();
});

test('off the relay (joining locked): rekey does not dial; the next connect goes to the new topic', { timeout: 20_000 }, async () => {
  const relay = scriptedRelay();
  const { room } = roomOn(relay.adapter);
  room.connect();
  relay.open(relay.dials[0]!);
  await settle();
  room.disconnect();
  room.rekey(newKeys);
  await settle();
  assert.equal(relay.dials.length, 1, 'still off the relay: the join window decides when to go back');
  room.connect();
  assert.equal(relay.dials.length, 2);
  assert.equal(relay.dials[1]!.target.topic, newKeys.topic);
  relay.open(relay.dials[1]!);
  await settle();
  const hello = relay.dials[1]!.published[0];
  assert.equal((await new EnvelopeCodec(newKeys, other).open(hello!))?.from, self.id, 'our hello, under the new keys');
  room.close();
});

test('after the move, envelopes under the old keys are dropped and counted; the old connection is not heard', { timeout: 20_000 }, async () => {
  const relay = scriptedRelay();
  const { room, messages } = roomOn(relay.adapter);
  room.connect();
  relay.open(relay.dials[0]!);
  await settle();
  const oldSender = new EnvelopeCodec(oldKeys, other);
  relay.dials[0]!.handlers.message(await oldSender.seal({ type: 'hello', body: { name: 'Bo' } }));
  await settle();
  assert.equal(messages.length, 1, 'before the move, the old keys open');
  const before = room.dropped.undecryptable ?? 0;

  room.rekey(newKeys);
  relay.open(relay.dials[1]!);
  await settle();
  // Still delivered by the old connection's handlers: ignored, it is not the current one.
  relay.dials[0]!.handlers.message(await oldSender.seal({ type: 'hello', body: { name: 'Bo' } }));
  // On the new topic, or passed on by a member, under the old keys: undecryptable.
  room.receive(await oldSender.seal({ type: 'hello', body: { name: 'Bo' } }));
  relay.dials[1]!.handlers.message(await new EnvelopeCodec(newKeys, other).seal({ type: 'hello', body: { name: 'Bo' } }));
  await settle();
  assert.equal(messages.length, 2, 'only the envelope under the new keys reached the mesh');
  assert.equal(room.dropped.undecryptable, before + 1, 'the old-key envelope counted (earlier epochs\' counts kept)');
  room.close();
});
