/**
 * Files (core/features/files.ts) between members wired directly, their data
 * channels fake pairs that queue and drain like a browser's (Node has no
 * RTCDataChannel): chunking and reassembly, backpressure, the announced size
 * and hash enforced, cancel from either side, and hostile offers and
 * channels dropped and counted. The e2e suite sends real files in Chromium.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SecureMeetingError } from '../../core/errors.js';
import { MAX_CHANNELS_PER_PEER } from '../../core/features/channels.js';
import { CHUNK_BYTES, HIGH_WATER_BYTES, STEP_TIMEOUT_MS } from '../../core/features/file-wire.js';
import { FileEvent, files, MAX_INCOMING_PER_PEER, type FileTransfer } from '../../core/features/files.js';
import { FakeClock } from '../support/fake-clock.js';
import { meet, Member, type FakePeer } from '../support/feature-harness.js';
import { until } from '../support/wait.js';

const member = (name: string, clock: FakeClock, options: Record<string, unknown> = {}) => new Member(name, clock, [files], options);
const api = (m: Member) => m.features.api(files);
const trio = (clock: FakeClock) => meet(clock, [files], ['Ada', 'Bo', 'Cy']) as [Member, Member, Member];
const pair = (clock: FakeClock, options: Record<string, unknown> = {}) => meet(clock, [files], ['Ada', 'Bo'], options) as [Member, Member];
const fileEvents = (m: Member, type?: string) => m.events.filter((e): e is FileEvent => e instanceof FileEvent && (!type || e.type === type));
const ended = (m: Member, id: string) => fileEvents(m).find((e) => e.transfer.id === id && ['filedone', 'filecancel', 'fileerror'].includes(e.type));
const transferOf = (m: Member, id: string) => api(m).get(id) as FileTransfer;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = async (t: FileTransfer) => new Uint8Array(await (t.blob as Blob).arrayBuffer());
/** Runs `fn` once, synchronously, at the first of `m`'s events that `when` picks (as an app's listener would). */
const atFirst = (m: Member, when: (e: FileEvent) => boolean, fn: () => void) => {
  const push = m.events.push.bind(m.events);
  let done = false;
  m.events.push = (...events: Event[]) => {
    const n = push(...events);
    if (!done && events.some((e) => e instanceof FileEvent && when(e))) {
      done = true;
      fn();
    }
    return n;
  };
};
const firstBytes = (e: FileEvent) => e.type === 'fileprogress' && e.transfer.bytes > 0;
/** A control message as `from` would send it over its own link to `to`. */
const deliver = (from: Member, to: Member, type: string, body: unknown) =>
  to.router.dispatch(to.peers.get(from.id) as FakePeer, JSON.stringify({ type, body }));

test('a file reaches two members intact, chunked, with progress on both sides and backpressure held', { timeout: 20_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = trio(clock);
  const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 12_345));
  const id = api(ada).send(new File([bytes], 'report.pdf', { type: 'application/pdf' }));
  assert.equal(transferOf(ada, id).state, 'hashing');
  await until(() => [ada, bo, cy].every((m) => ended(m, id)), 'the transfer to end everywhere', 15_000);

  for (const m of [bo, cy]) {
    const t = transferOf(m, id);
    assert.equal(ended(m, id)?.type, 'filedone', m.name);
    assert.deepEqual([t.direction, t.name, t.size, t.type, t.from?.id, t.sha256], ['receive', 'report.pdf', bytes.length, 'application/pdf', ada.id, sha(bytes)]);
    assert.equal(t.blob?.type, 'application/octet-stream', 'never typed as what the sender claims');
    assert.equal(sha(await bytesOf(t)), sha(bytes), `${m.name} got the same bytes`);
    const progress = fileEvents(m, 'fileprogress').map((e) => e.transfer.bytes);
    assert.ok(progress.length >= 10 && progress.length <= 102, `${m.name}: one progress event per percent at most (${progress.length})`);
    assert.ok(progress.every((b, i) => i === 0 || b >= progress[i - 1]!), 'progress only grows');
  }
  const ours = transferOf(ada, id);
  assert.equal(ended(ada, id)?.type, 'filedone');
  assert.deepEqual(ours.recipients.map((r) => [r.peer.id, r.state, r.bytes]), [[bo.id, 'done', bytes.length], [cy.id, 'done', bytes.length]]);
  assert.equal(ours.total, 2 * bytes.length);
  assert.ok(fileEvents(ada, 'fileprogress').length >= 10, 'the sender sees progress too');
  for (const channel of ada.channels) {
    assert.equal(channel.label, `files:${id}`);
    assert.ok(channel.maxBuffered <= HIGH_WATER_BYTES + CHUNK_BYTES, `queued at most ${channel.maxBuffered} bytes`);
    const binary = channel.sent.filter((d): d is ArrayBuffer => d instanceof ArrayBuffer);
    assert.ok(binary.every((d) => d.byteLength <= CHUNK_BYTES), 'chunks of at most 64 KiB');
    assert.equal(binary.length, Math.ceil(bytes.length / CHUNK_BYTES));
    assert.equal(channel.readyState, 'closed');
  }
  assert.deepEqual(bo.failures, []);
});

test('bad input to send() is a typed error with the library prefix; an empty file goes through', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo] = pair(clock, { maxFileBytes: 1000 });
  assert.throws(() => api(ada).send('hello' as unknown as Blob), { name: 'TypeError', message: 'secure-meeting: files.send() takes a File or a Blob' });
  assert.throws(() => api(ada).send(new Blob([new Uint8Array(1001)])), { name: 'TypeError', message: 'secure-meeting: files.send(): 1001 bytes is over the 1000-byte cap (maxFileBytes)' });
  const alone = member('Alone', clock);
  assert.throws(() => api(alone).send(new Blob(['x'])), (e) => e instanceof SecureMeetingError && e.code === 'closed' && e.message === 'secure-meeting: files.send() needs a joined meeting');
  assert.throws(() => member('Odd', clock, { maxFileBytes: 0.5 }), { name: 'TypeError', message: 'secure-meeting: maxFileBytes must be a whole number of bytes from 1' });
  assert.equal(api(member('Default', clock)).maxBytes, 100 * 1024 * 1024);

  const id = api(ada).send(new Blob([]));
  await until(() => ended(bo, id) !== undefined && ended(ada, id) !== undefined, 'the empty file');
  assert.equal(ended(bo, id)?.type, 'filedone');
  assert.equal(transferOf(bo, id).name, 'file', 'a Blob has no name: it gets one');
  assert.equal(transferOf(bo, id).blob?.size, 0);
});

test('a hash that does not match is rejected: no file, the sender hears "bad"', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const [mallory, bo] = pair(clock);
  const id = '00000000000000aa';
  deliver(mallory, bo, 'file-offer', { id, name: 'x.bin', size: 4, type: '', sha256: sha(new Uint8Array([1, 2, 3, 4])) });
  const channel = mallory.openChannel(bo, `files:${id}`)!;
  await until(() => channel.readyState === 'open', 'the channel');
  await until(() => channel.other.sent.includes('go'), 'go');
  channel.send(new Uint8Array([1, 2, 3, 5]));
  await until(() => ended(bo, id) !== undefined, 'the verdict');
  assert.deepEqual([ended(bo, id)?.type, transferOf(bo, id).failure, transferOf(bo, id).blob], ['fileerror', 'hash', null]);
  assert.deepEqual(channel.other.sent, ['go', 'bad']);
});

test('more bytes than announced end the transfer at once; so do bytes on a channel no offer named', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const [mallory, bo] = pair(clock);
  const id = '00000000000000bb';
  deliver(mallory, bo, 'file-offer', { id, name: 'x.bin', size: 100, type: '', sha256: 'a'.repeat(64) });
  const channel = mallory.openChannel(bo, `files:${id}`)!;
  await until(() => channel.other.sent.includes('go'), 'go');
  channel.send(new Uint8Array(60));
  channel.send(new Uint8Array(60));
  await until(() => ended(bo, id) !== undefined, 'the end');
  assert.deepEqual([ended(bo, id)?.type, transferOf(bo, id).failure, transferOf(bo, id).bytes], ['fileerror', 'size', 60]);
  assert.equal(channel.other.sent.at(-1), 'cancel');

  // A channel for an id nobody offered, bytes right away: closed and counted.
  const stray = mallory.openChannel(bo, 'files:00000000000000cc')!;
  await until(() => stray.readyState === 'open', 'open');
  stray.send(new Uint8Array(10));
  await until(() => stray.readyState === 'closed', 'closed');
  assert.equal(api(bo).dropped.unclaimed, 1);
  assert.equal(api(bo).transfers.length, 1, 'nothing new appeared');
});

test('a channel may come before its offer, but only its offer\'s member claims it, and not forever', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = trio(clock);
  const early = ada.openChannel(bo, 'files:00000000000000dd')!;
  await until(() => early.readyState === 'open', 'open');
  deliver(ada, bo, 'file-offer', { id: '00000000000000dd', name: 'a', size: 1, type: 'text/plain', sha256: sha(new Uint8Array([7])) });
  await until(() => early.other.sent.includes('go'), 'the late offer claims the early channel');
  early.send(new Uint8Array([7]));
  await until(() => ended(bo, '00000000000000dd')?.type === 'filedone', 'done');

  // Cy's channel naming Ada's offer is not Ada's: refused. A channel no offer ever names: closed after the wait.
  deliver(ada, bo, 'file-offer', { id: '00000000000000ee', name: 'b', size: 1, type: '', sha256: 'b'.repeat(64) });
  const impostor = cy.openChannel(bo, 'files:00000000000000ee')!;
  const orphan = cy.openChannel(bo, 'files:00000000000000ff')!;
  await until(() => impostor.readyState === 'closed', 'the impostor refused');
  assert.equal(orphan.readyState, 'open');
  clock.advance(STEP_TIMEOUT_MS);
  await until(() => orphan.readyState === 'closed', 'the orphan closed');
  assert.equal(api(bo).dropped.unclaimed, 2);
  // Ada's offer whose channel never came: given up, and Ada told.
  assert.deepEqual([ended(bo, '00000000000000ee')?.type, transferOf(bo, '00000000000000ee').failure], ['fileerror', 'timeout']);
  assert.equal(clock.pending, 0, 'no timer left');
});

test('junk offers are dropped and counted; oversize and too many at once are refused and the sender told', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo] = pair(clock, { maxFileBytes: 1000 });
  const good = { id: '0000000000000001', name: 'ok.txt', size: 10, type: 'text/plain', sha256: 'c'.repeat(64) };
  for (const junk of [{}, { ...good, id: 'nothex' }, { ...good, name: '' }, { ...good, name: 'n'.repeat(256) }, { ...good, size: -1 },
    { ...good, size: 1.5 }, { ...good, type: '<script>' }, { ...good, sha256: 'C'.repeat(64) }, { ...good, sha256: 'c'.repeat(63) }]) {
    deliver(ada, bo, 'file-offer', junk);
    clock.advance(1000);
  }
  assert.equal(bo.router.dropped.invalid, 9);
  assert.equal(api(bo).transfers.length, 0);

  const cancels: string[] = [];
  ada.router.dispatch = ((original) => (peer: FakePeer, data: unknown) => {
    if (typeof data === 'string' && data.includes('"file-cancel"')) cancels.push(JSON.parse(data).body.id);
    original.call(ada.router, peer, data);
  })(ada.router.dispatch);
  deliver(ada, bo, 'file-offer', { ...good, id: '0000000000000002', size: 1001 });
  for (let i = 0; i < MAX_INCOMING_PER_PEER + 1; i++) deliver(ada, bo, 'file-offer', { ...good, id: `000000000000001${i}` });
  deliver(ada, bo, 'file-offer', { ...good, id: '0000000000000010' });
  assert.deepEqual(api(bo).dropped, { 'too-big': 1, busy: 1, duplicate: 1, unclaimed: 0 });
  assert.deepEqual(cancels, ['0000000000000002', `000000000000001${MAX_INCOMING_PER_PEER}`]);
  assert.equal(api(bo).transfers.length, MAX_INCOMING_PER_PEER);

  for (let i = 0; i < 30; i++) deliver(ada, bo, 'file-offer', { ...good, id: `00000000000002${String(i).padStart(2, '0')}` });
  assert.equal(bo.router.dropped.limited, 27, "a burst of 10 (7 used above), then 2 a second");
  assert.deepEqual(bo.failures, []);
});

test('the receiver cancels: the sender stops for that member only; both say cancelled', { timeout: 20_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = trio(clock);
  // Bo cancels at its first bytes, as a person pressing Cancel at once would.
  atFirst(bo, firstBytes, () => api(bo).cancel(id));
  const id = api(ada).send(new Blob([new Uint8Array(randomBytes(4 * 1024 * 1024))]));
  await until(() => ada.channels.length === 2, 'the channels');
  const [toBo] = ada.channels;
  await until(() => ended(bo, id) !== undefined && transferOf(ada, id).recipients[0]?.state === 'cancelled', 'the cancel at both ends');
  assert.deepEqual([ended(bo, id)?.type, transferOf(bo, id).cancelledBy], ['filecancel', 'us']);
  const sentThen = toBo!.sent.length;
  await until(() => ended(ada, id) !== undefined, 'Cy\'s copy', 15_000);
  assert.equal(toBo!.sent.length, sentThen, 'nothing more went to Bo');
  assert.ok(transferOf(bo, id).bytes < 4 * 1024 * 1024);
  assert.deepEqual(transferOf(ada, id).recipients.map((r) => r.state), ['cancelled', 'done']);
  assert.equal(ended(ada, id)?.type, 'filedone', 'Cy got it');
  assert.equal(ended(cy, id)?.type, 'filedone');
});

test('the sender cancels: every receiver says cancelled by them; a member leaving fails its transfers', { timeout: 20_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo, cy] = trio(clock);
  atFirst(bo, firstBytes, () => api(ada).cancel(id));
  const id = api(ada).send(new Blob([new Uint8Array(randomBytes(4 * 1024 * 1024))]));
  await until(() => [ada, bo, cy].every((m) => ended(m, id)), 'cancelled everywhere');
  for (const m of [bo, cy]) assert.deepEqual([ended(m, id)?.type, transferOf(m, id).cancelledBy], ['filecancel', 'them'], m.name);
  assert.deepEqual([ended(ada, id)?.type, transferOf(ada, id).cancelledBy], ['filecancel', 'us']);

  let gone = false;
  atFirst(ada, (e) => firstBytes(e) && e.transfer.direction === 'receive', () => {
    const peer = ada.peers.get(bo.id)!;
    ada.peers.delete(bo.id);
    ada.features.peerLeft(peer);
    gone = true;
  });
  const next = api(bo).send(new Blob([new Uint8Array(randomBytes(2 * 1024 * 1024))]));
  await until(() => gone, 'bytes to Ada');
  assert.deepEqual([ended(ada, next)?.type, transferOf(ada, next).failure], ['fileerror', 'closed']);
});

test('channels: a label no feature owns is closed and counted; a member holds at most a few open', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const [ada, bo] = pair(clock);
  const stranger = ada.openChannel(bo, 'chat:1')!;
  const bare = ada.openChannel(bo, 'nolabel')!;
  await until(() => stranger.readyState === 'closed' && bare.readyState === 'closed', 'refused');
  assert.equal(bo.features.channelDropped.unknown, 2);

  const many = Array.from({ length: MAX_CHANNELS_PER_PEER + 2 }, (_, i) => ada.openChannel(bo, `files:${String(i).padStart(16, 'a')}`)!);
  await until(() => many.every((c) => c.readyState !== 'connecting'), 'all answered');
  await until(() => many.filter((c) => c.readyState === 'closed').length === 2, 'the two over the cap closed');
  assert.equal(bo.features.channelDropped.excess, 2);
  // Once some close, there is room again.
  many[0]!.close();
  await until(() => many[0]!.readyState === 'closed', 'closed');
  const again = ada.openChannel(bo, 'files:bbbbbbbbbbbbbbbb')!;
  await until(() => again.readyState === 'open', 'open');
  await new Promise((r) => setImmediate(r));
  assert.equal(again.readyState, 'open');
  assert.equal(bo.features.channelDropped.excess, 2);
});
