/**
 * The headless API on its own: a page that loads only the published core and
 * WebSocket-adapter entry points (no components, no Lit) holds a meeting.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { launchBrowser } from './browser.js';

let demo: DemoServer;
let browser: Browser;
before(async () => {
  demo = await startDemoServer({ port: 0 });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await demo?.close();
});

async function headlessMember(name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${demo.url}dist/`).catch(() => undefined); // any same-origin page will do
  await page.evaluate(async ({ name, relayUrl }) => {
    const { createMeeting } = await import('/dist/core/index.js' as string);
    const { websocketRelay } = await import('/dist/adapters/websocket/index.js' as string);
    const meeting = createMeeting({ channel: 12, password: 'headless', name, relay: websocketRelay({ url: relayUrl }) });
    const log: string[] = [];
    for (const type of ['state', 'peerjoin', 'peerleave']) {
      meeting.addEventListener(type, (e: Event & { state?: string; peer?: { name: string } }) => log.push(`${type}:${e.state ?? e.peer?.name}`));
    }
    Object.assign(window, { meeting, log });
    await meeting.join();
  }, { name, relayUrl: `${demo.url.replace('http', 'ws')}relay/[TOPIC]` });
  return page;
}

type Win = { meeting: { peers: Map<string, { name: string; stream: MediaStream | null }>; getPeerStats(id: string): Promise<{ framesDecoded: number }>; leave(): Promise<void>; dropped: Record<string, number> }; log: string[] };

test('createMeeting + websocketRelay alone: two pages meet, decode video, and see the other leave', async () => {
  const ada = await headlessMember('Ada');
  const bo = await headlessMember('Bo');
  const decoded = () => ada.evaluate(async () => {
    const { meeting } = window as unknown as Win;
    const [id, peer] = [...meeting.peers][0] ?? [];
    return id && peer?.stream ? { name: peer.name, frames: (await meeting.getPeerStats(id)).framesDecoded } : null;
  });
  const deadline = Date.now() + 20_000;
  let seen = await decoded();
  while (!(seen && seen.frames > 10) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    seen = await decoded();
  }
  assert.equal(seen?.name, 'Bo');
  assert.ok(seen.frames > 10, `Ada decoded ${seen.frames} frames from Bo`);

  await bo.evaluate(() => (window as unknown as Win).meeting.leave());
  while (Date.now() < deadline + 10_000 && (await ada.evaluate(() => (window as unknown as Win).meeting.peers.size)) > 0) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = await ada.evaluate(() => (window as unknown as Win).log);
  assert.deepEqual(log, ['state:deriving', 'state:connecting', 'state:joined', 'peerjoin:Bo', 'peerleave:Bo']);
  assert.deepEqual(await bo.evaluate(() => (window as unknown as Win).log.filter((l) => l.startsWith('state'))),
    ['state:deriving', 'state:connecting', 'state:joined', 'state:left']);
});
