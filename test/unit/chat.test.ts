/**
 * Chat (core/features/chat.ts) between members whose control channels are
 * wired directly, on a fake clock: delivery to everyone, merging by id, the
 * caps, junk dropped and counted, history handed to a late joiner in bounded
 * batches, and the history kept per scope in a store (a Map here; the
 * browser's IndexedDB in the e2e suite). The sealing of stored records runs
 * on Node's real WebCrypto.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatWith, ChatEvent, HISTORY_BATCH, HISTORY_LIMIT, historyBatches, MAX_MESSAGE_LENGTH, type ChatStore } from '../../core/features/chat.js';
import type { ChatMessage } from '../../core/features/chat-log.js';
import { seal, storeScope, unseal } from '../../core/features/chat-seal.js';
import type { JoinKeys } from '../../core/features/feature.js';
import { MeetingErrorEvent } from '../../core/events.js';
import { MAX_CONTROL_BYTES } from '../../core/wire/registry.js';
import { FakeClock } from '../support/fake-clock.js';
import { link, meetAll, Member, type FakePeer } from '../support/feature-harness.js';

/** A device's store: records per scope, as IndexedDB would keep them. */
class MemoryDevice {
  readonly scopes = new Map<string, ChatMessage[]>();
  opened = 0;
  open = async (keys: JoinKeys): Promise<ChatStore> => {
    this.opened++;
    const list = () => this.scopes.get(keys.scope) ?? [];
    return {
      load: async () => [...list()],
      add: async (ms) => void this.scopes.set(keys.scope, [...list(), ...ms.filter((m) => !list().some((k) => k.id === m.id))].slice(-HISTORY_LIMIT)),
      clear: async () => void this.scopes.delete(keys.scope),
      close: () => {},
    };
  };
}

const noStore = chatWith(() => Promise.reject(new Error('not used')));
const member = (name: string, clock: FakeClock, feature = noStore, options: Record<string, unknown> = { persist: false }) =>
  new Member(name, clock, [feature], options);
const chatOf = (m: Member) => m.features.api(noStore);
const texts = (m: Member) => chatOf(m).messages.map((x) => x.text);
const trio = (clock: FakeClock) => meetAll(member('Ada', clock), member('Bo', clock), member('Cy', clock));
const deliver = (from: Member, to: Member, type: string, body: unknown) =>
  to.router.dispatch(to.peers.get(from.id) as FakePeer, JSON.stringify({ type, body }));
const id = (n: number) => n.toString(16).padStart(32, '0');
const settle = () => new Promise((r) => setImmediate(r));

test('a message reaches everyone, ours included, with the sender\'s id and name, the same id everywhere', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = trio(clock);
  const sent = chatOf(bo).send('  hello all  ');
  assert.equal(sent.text, 'hello all');
  assert.match(sent.id, /^[0-9a-f]{32}$/);
  for (const m of [ada, bo, cy]) {
    assert.deepEqual(chatOf(m).messages, [{ id: sent.id, from: bo.id, name: 'Bo', at: clock.now(), text: 'hello all' }], m.name);
    const event = m.events.at(-1);
    assert.ok(event instanceof ChatEvent && event.added.length === 1, m.name);
    assert.equal(event.change, m === bo ? 'sent' : 'received');
  }
});

test('the sender is whoever\'s link it came over, whatever the body says', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = trio(clock);
  deliver(bo, cy, 'chat', { id: id(1), at: clock.now(), text: 'as Ada', from: ada.id, name: 'Ada' });
  assert.deepEqual(chatOf(cy).messages.map((m) => [m.from, m.name]), [[bo.id, 'Bo']]);
});

test('the same message twice, live or in history, is kept once', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = trio(clock);
  const body = { id: id(7), at: clock.now(), text: 'once' };
  deliver(bo, ada, 'chat', body);
  deliver(bo, ada, 'chat', body);
  deliver(cy, ada, 'chat-history', { messages: [{ ...body, from: bo.id, name: 'Bo' }] });
  assert.deepEqual(texts(ada), ['once']);
  assert.equal(ada.events.filter((e) => e instanceof ChatEvent).length, 1, 'one event');
});

test('bad input to send() is a TypeError with the prefix; sending before joining is refused', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada] = trio(clock);
  assert.throws(() => chatOf(ada).send('x'.repeat(MAX_MESSAGE_LENGTH + 1)), { name: 'TypeError', message: `secure-meeting: a chat message must be 1–${MAX_MESSAGE_LENGTH} characters` });
  assert.throws(() => chatOf(ada).send('   '), TypeError);
  assert.throws(() => chatOf(ada).send(42 as unknown as string), { name: 'TypeError', message: 'secure-meeting: chat send() takes a string' });
  assert.equal(chatOf(ada).send('x'.repeat(MAX_MESSAGE_LENGTH)).text.length, MAX_MESSAGE_LENGTH);
  const early = member('Early', clock);
  assert.throws(() => chatOf(early).send('hi'), { name: 'SecureMeetingError', code: 'closed' });
  assert.throws(() => member('Bad', clock, noStore, { persist: 'no' }), { name: 'TypeError', message: 'secure-meeting: persist must be true or false' });
});

test('junk bodies are dropped and counted, never shown; nothing throws', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo] = trio(clock);
  const good = { id: id(1), at: clock.now(), text: 'ok' };
  const junk = [
    { ...good, text: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }, { ...good, text: '' }, { ...good, text: '  ' }, { ...good, text: 5 },
    { ...good, id: 'short' }, { ...good, id: id(10).toUpperCase() }, { ...good, at: -1 }, { ...good, at: 'now' }, { ...good, at: Infinity },
    { text: 'ok' },
  ];
  for (const body of junk) deliver(bo, ada, 'chat', body);
  const entry = { id: id(2), from: bo.id, name: 'Bo', at: clock.now(), text: 'h' };
  const badHistory = [
    {}, { messages: [] }, { messages: 'no' }, { messages: [{ ...entry, from: 'nobody' }] }, { messages: [{ ...entry, name: '' }] },
    { messages: [entry, { ...entry, text: '' }] }, { messages: Array.from({ length: HISTORY_BATCH + 1 }, (_, i) => ({ ...entry, id: id(100 + i) })) },
  ];
  for (const body of badHistory) deliver(bo, ada, 'chat-history', body);
  assert.deepEqual(chatOf(ada).messages, []);
  assert.equal(ada.router.dropped.invalid, junk.length + badHistory.length);
  assert.deepEqual(ada.failures, []);
});

test('a sender\'s time far from ours is replaced by ours; old history keeps its time, history from the future does not', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo] = trio(clock);
  const now = clock.now();
  deliver(bo, ada, 'chat', { id: id(1), at: now + 3_600_000, text: 'future' });
  deliver(bo, ada, 'chat-history', { messages: [
    { id: id(2), from: bo.id, name: 'Bo', at: now - 3_600_000, text: 'an hour ago' },
    { id: id(3), from: bo.id, name: 'Bo', at: now + 3_600_000, text: 'from the future' },
  ] });
  assert.deepEqual(chatOf(ada).messages.map((m) => [m.text, m.at]), [['an hour ago', now - 3_600_000], ['future', now], ['from the future', now]]);
});

test('a flood is cut by the rate limit; our own sending keeps to it and loses nothing', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo] = trio(clock);
  for (let i = 0; i < 40; i++) deliver(bo, ada, 'chat', { id: id(i), at: clock.now(), text: `m${i}` });
  assert.equal(ada.router.dropped.limited, 20, 'a burst of 20');
  assert.equal(texts(ada).length, 20);

  const [x, y] = trio(clock);
  for (let i = 0; i < 30; i++) chatOf(x).send(`n${i}`);
  assert.equal(texts(y).length, 20, 'the burst went at once, the rest waits');
  clock.advance(3000);
  assert.deepEqual(texts(y), Array.from({ length: 30 }, (_, i) => `n${i}`));
  assert.equal(y.router.dropped.limited, 0);
  x.leave();
});

test('a member who joins later gets the history from those present, once, within the cap', { timeout: 10000 }, () => {
  const clock = new FakeClock();
  const [ada, bo] = trio(clock);
  for (let i = 0; i < HISTORY_LIMIT + 30; i++) {
    chatOf(i % 2 ? ada : bo).send(`m${i}`);
    clock.advance(250);
  }
  assert.equal(chatOf(ada).messages.length, HISTORY_LIMIT, 'kept: the most recent');
  assert.equal(texts(ada)[0], 'm30');
  const dora = member('Dora', clock);
  dora.join();
  link(dora, ada);
  link(dora, bo);
  assert.deepEqual(texts(dora), texts(ada), 'the same 200, in the same order, each once');
  assert.deepEqual(chatOf(dora).messages.map((m) => m.name).slice(0, 2), ['Bo', 'Ada']);
  assert.equal(dora.router.dropped.limited, 0);
  assert.deepEqual(dora.events.filter((e) => e instanceof ChatEvent).map((e) => (e as ChatEvent).change).every((c) => c === 'history'), true);
});

test('history goes in batches bounded in count and size, each under the control channel\'s cap', { timeout: 5000 }, () => {
  const long = (n: number, ch: string): ChatMessage => ({ id: id(n), from: '0123456789abcdef', name: 'N'.repeat(64), at: n, text: ch.repeat(MAX_MESSAGE_LENGTH) });
  for (const ch of ['a', '\u0001', 'é']) {
    const all = Array.from({ length: HISTORY_LIMIT }, (_, i) => long(i, ch));
    const batches = historyBatches(all);
    assert.deepEqual(batches.flat().map((m) => m.id), all.map((m) => m.id), 'every message, in order');
    for (const b of batches) {
      assert.ok(b.length >= 1 && b.length <= HISTORY_BATCH);
      const wire = JSON.stringify({ type: 'chat-history', body: { messages: b } });
      assert.ok(wire.length < MAX_CONTROL_BYTES, `${wire.length} chars`);
    }
  }
  const short = Array.from({ length: HISTORY_LIMIT }, (_, i) => ({ ...long(i, 'a'), text: 'hi' }));
  assert.deepEqual(historyBatches(short).map((b) => b.length), [50, 50, 50, 50]);
});

test('a member flooding history batches is cut by the rate limit', { timeout: 5000 }, () => {
  const clock = new FakeClock();
  const [ada, bo] = trio(clock);
  for (let i = 0; i < 40; i++) deliver(bo, ada, 'chat-history', { messages: [{ id: id(i), from: bo.id, name: 'Bo', at: clock.now() - i, text: 'h' }] });
  assert.equal(ada.router.dropped.limited, 24, 'a burst of 16, then 2 a second');
  assert.equal(texts(ada).length, 16);
});

test('the history is kept per scope: the same scope shows it again, another scope finds nothing; forget clears it', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const device = new MemoryDevice();
  const kept = chatWith(device.open);
  const keys = (scope: string) => ({ storeKey: null as unknown as CryptoKey, scope });
  const first = new Member('Ada', clock, [kept]);
  const other = new Member('Bo', clock, [kept], { persist: false });
  first.join(keys('right'));
  other.join(keys('right'));
  link(first, other);
  first.features.api(kept).send('to be kept');
  await settle();
  first.features.api(kept).send('me too');
  clock.advance(10);
  other.features.api(kept).send('and mine');
  await settle();
  first.leave();
  assert.equal(device.opened, 1, 'persist: false opens no store');
  assert.deepEqual(device.scopes.get('right')?.map((m) => m.text), ['to be kept', 'me too', 'and mine']);

  const again = new Member('Ada', clock, [kept]);
  again.join(keys('right'));
  await settle();
  assert.deepEqual(again.features.api(kept).messages.map((m) => m.text), ['to be kept', 'me too', 'and mine']);
  assert.equal((again.events.find((e) => e instanceof ChatEvent) as ChatEvent).change, 'restored');
  const wrong = new Member('Ada', clock, [kept]);
  wrong.join(keys('wrong'));
  await settle();
  assert.deepEqual(wrong.features.api(kept).messages, []);

  await again.features.api(kept).forget();
  assert.deepEqual(again.features.api(kept).messages, []);
  assert.equal(device.scopes.has('right'), false);
  assert.equal((again.events.at(-1) as ChatEvent).change, 'forgotten');
});

test('a store that fails is reported once, as a storage error, and the chat goes on', { timeout: 5000 }, async () => {
  const clock = new FakeClock();
  const broken = chatWith(async () => ({
    load: async () => [], add: async () => { throw new Error('QuotaExceededError'); }, clear: async () => {}, close: () => {},
  }));
  const [ada, bo] = [new Member('Ada', clock, [broken]), new Member('Bo', clock, [broken], { persist: false })];
  ada.join();
  bo.join();
  link(ada, bo);
  for (let i = 0; i < 3; i++) {
    ada.features.api(broken).send(`m${i}`);
    await settle();
  }
  const errors = ada.events.filter((e): e is MeetingErrorEvent => e instanceof MeetingErrorEvent);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.error.code, 'storage');
  assert.match(errors[0]!.error.message, /^secure-meeting: chat history cannot be kept on this device \(QuotaExceededError\)/);
  assert.deepEqual(bo.features.api(broken).messages.map((m) => m.text), ['m0', 'm1', 'm2']);

  const unavailable = new Member('Cy', clock, [chatWith(() => Promise.reject(new Error('IndexedDB is not available here')))]);
  unavailable.join();
  await settle();
  assert.equal(unavailable.events.filter((e) => e instanceof MeetingErrorEvent).length, 1);
});

test('a sealed record holds no plaintext, opens with its key only, and is filed under a hash of the scope', { timeout: 5000 }, async () => {
  const key = () => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const [right, wrong] = [await key(), await key()];
  const message: ChatMessage = { id: id(9), from: '0123456789abcdef', name: 'Zelda Secretname', at: 1, text: 'the plan is at noon' };
  const scope = await storeScope('a1b2c3');
  assert.match(scope, /^[0-9a-f]{32}$/);
  assert.notEqual(scope, await storeScope('a1b2c4'));
  assert.ok(!scope.includes('a1b2c3'));
  const a = await seal(right, scope, message);
  const b = await seal(right, scope, message);
  assert.notDeepEqual(a.iv, b.iv, 'a fresh IV per record');
  const bytes = Buffer.from(a.ct).toString('latin1');
  for (const plain of ['noon', 'Zelda', message.id, message.from]) assert.ok(!bytes.includes(plain), plain);
  assert.deepEqual(await unseal(right, a), message);
  assert.equal(await unseal(wrong, a), undefined);
  assert.equal(await unseal(right, { iv: a.iv, ct: new ArrayBuffer(40) }), undefined);
  assert.equal(await unseal(right, null), undefined);
});
