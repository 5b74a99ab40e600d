/**
 * Files between three members in real Chromium, through the headless API
 * (core and the WebSocket adapter only): a 5 MB file of random bytes reaches
 * both others intact, compared here in Node by bytes and SHA-256 apart from
 * the library's own check, with progress on both sides; a receiver who
 * cancels stops the sender's bytes to it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { eventually, demoAndBrowserForFile } from './browser.js';

const shared = demoAndBrowserForFile();

interface Logged { type: string; id: string; state: string; bytes: number; total: number; cancelledBy: string | null; recipients: { name: string; state: string; bytes: number }[] }
interface FilesWin {
  meeting: { peers: Map<string, { name: string; controlOpen: boolean }>; leave(): Promise<void> };
  files: { send(file: Blob): string; cancel(id: string): void; get(id: string): { blob: Blob | null } | undefined };
  fileLog: Logged[];
  /** Transfer ids to cancel at their first bytes. */
  cancelOnProgress: Set<string>;
  toBase64(bytes: Uint8Array): string;
  fromBase64(text: string): Uint8Array;
}
const win = () => window as unknown as FilesWin;

/** A member holding a headless meeting, logging every file event. */
async function member(name: string, channel: number): Promise<Page> {
  const context = await shared.browser.newContext();
  await context.addInitScript('globalThis.__name ??= (fn) => fn');
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${name} page error] ${error.message}`));
  await page.goto(`${shared.demo.url}dist/`).catch(() => undefined); // any same-origin page will do
  await page.evaluate(async ({ name, channel, relayUrl }) => {
    const { createMeeting, files } = await import('/dist/core/index.js' as string);
    const { websocketRelay } = await import('/dist/adapters/websocket/index.js' as string);
    const meeting = createMeeting({ channel, password: 'files e2e', name, media: false, relay: websocketRelay({ url: relayUrl }) });
    const w = window as unknown as FilesWin;
    w.fileLog = [];
    w.cancelOnProgress = new Set();
    for (const type of ['fileoffer', 'fileprogress', 'filedone', 'filecancel', 'fileerror']) {
      meeting.addEventListener(type, (e: Event & { transfer: { id: string; state: string; bytes: number; total: number; cancelledBy: string | null; recipients: { peer: { name: string }; state: string; bytes: number }[] } }) => {
        const t = e.transfer;
        w.fileLog.push({ type, id: t.id, state: t.state, bytes: t.bytes, total: t.total, cancelledBy: t.cancelledBy,
          recipients: t.recipients.map((r) => ({ name: r.peer.name, state: r.state, bytes: r.bytes })) });
        if (type === 'fileprogress' && t.bytes > 0 && w.cancelOnProgress.delete(t.id)) w.files.cancel(t.id);
      });
    }
    w.toBase64 = (bytes) => {
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    };
    w.fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    Object.assign(w, { meeting, files: meeting.feature(files) });
    await meeting.join();
  }, { name, channel, relayUrl: `${shared.demo.url.replace('http', 'ws')}relay/[TOPIC]` });
  return page;
}

/** Three members whose control channels to each other are all open. */
async function trio(channel: number): Promise<Page[]> {
  const pages: Page[] = [];
  for (const name of ['Ada', 'Bo', 'Cy']) pages.push(await member(name, channel));
  for (const page of pages) {
    await page.waitForFunction(() => {
      const { meeting } = window as unknown as FilesWin;
      return meeting.peers.size === 2 && [...meeting.peers.values()].every((p) => p.controlOpen);
    }, null, { timeout: 30_000 });
  }
  return pages;
}

const logOf = (page: Page, id: string) => page.evaluate((id) => (window as unknown as FilesWin).fileLog.filter((e) => e.id === id), id);
const endOf = async (page: Page, id: string) => (await logOf(page, id)).find((e) => ['filedone', 'filecancel', 'fileerror'].includes(e.type));

test('a 5 MB file of random bytes reaches two members intact, with progress on both sides', { timeout: 120_000 }, async () => {
  const [ada, bo, cy] = (await trio(31)) as [Page, Page, Page];
  const bytes = randomBytes(5 * 1024 * 1024);
  const id = await ada.evaluate((b64) => {
    const w = window as unknown as FilesWin;
    return w.files.send(new File([w.fromBase64(b64) as BlobPart], 'random.bin', { type: 'application/octet-stream' }));
  }, bytes.toString('base64'));
  for (const [name, page] of [['Ada', ada], ['Bo', bo], ['Cy', cy]] as const) {
    await eventually(`${name} to finish`, () => endOf(page, id), 60_000);
  }
  for (const [name, page] of [['Bo', bo], ['Cy', cy]] as const) {
    assert.equal((await endOf(page, id))?.type, 'filedone', name);
    const got = Buffer.from(await page.evaluate(async (id) => {
      const w = window as unknown as FilesWin;
      return w.toBase64(new Uint8Array(await w.files.get(id)!.blob!.arrayBuffer()));
    }, id), 'base64');
    assert.equal(got.length, bytes.length, `${name}: size`);
    assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(bytes).digest('hex'), `${name}: SHA-256`);
    assert.ok(got.equals(bytes), `${name}: the same bytes`);
    const progress = (await logOf(page, id)).filter((e) => e.type === 'fileprogress');
    assert.ok(progress.length >= 10, `${name} saw ${progress.length} progress events`);
    assert.ok(progress.some((e) => e.bytes > 0 && e.bytes < bytes.length), `${name} saw it part way`);
  }
  const sent = await logOf(ada, id);
  assert.ok(sent.filter((e) => e.type === 'fileprogress').length >= 10, 'the sender saw progress');
  assert.deepEqual(sent.at(-1)?.recipients.map((r) => [r.name, r.state, r.bytes]).sort(), [['Bo', 'done', bytes.length], ['Cy', 'done', bytes.length]]);
  await Promise.all([ada, bo, cy].map((p) => p.context().close()));
});

test('a receiver who cancels stops the sender\'s bytes to it; both say cancelled, the other member still gets the file', { timeout: 120_000 }, async () => {
  const [ada, bo, cy] = (await trio(32)) as [Page, Page, Page];
  const size = 30 * 1024 * 1024;
  // Bo cancels at the first bytes; the id is known only once sent, so Bo's page learns it from the offer.
  await bo.evaluate(() => {
    const w = window as unknown as FilesWin;
    (w.meeting as unknown as EventTarget).addEventListener('fileoffer', (e) => w.cancelOnProgress.add((e as Event & { transfer: { id: string } }).transfer.id));
  });
  const id = await ada.evaluate((size) => {
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) data[i] = i & 0xff;
    return (window as unknown as FilesWin).files.send(new File([data], 'big.bin'));
  }, size);
  const boEnd = await eventually('Bo to cancel', () => endOf(bo, id), 60_000);
  assert.deepEqual([boEnd?.type, boEnd?.cancelledBy], ['filecancel', 'us']);
  const toBo = async () => (await logOf(ada, id)).at(-1)?.recipients.find((r) => r.name === 'Bo');
  const stopped = await eventually('Ada to see Bo cancel', async () => ((await toBo())?.state === 'cancelled' ? toBo() : null), 30_000);
  assert.ok(stopped!.bytes < size, `Ada had sent Bo ${stopped!.bytes} of ${size} bytes`);
  await eventually('Cy to finish', () => endOf(cy, id), 90_000);
  assert.equal((await endOf(cy, id))?.type, 'filedone');
  assert.equal((await endOf(ada, id))?.type, 'filedone', 'done: Cy got it');
  assert.equal((await toBo())?.bytes, stopped!.bytes, 'nothing more went to Bo after the cancel');
  const boLast = (await logOf(bo, id)).at(-1)!;
  assert.ok(boLast.bytes < size, 'Bo never got the whole file');
  await Promise.all([ada, bo, cy].map((p) => p.context().close()));
});
