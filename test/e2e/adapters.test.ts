/**
 * The three-member meeting over each other relay the kit speaks to, in real
 * Chromium with fake devices, hermetic like every networked suite: a real
 * Mosquitto broker (with a password file and an ACL), our Socket.IO relay
 * (served by the demo), and a generic broadcast relay that knows nothing of
 * us, addressed with `[CHANNEL_ID]`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { WebSocket, WebSocketServer } from 'ws';
import type { AdapterName } from '../../components/index.js';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import {
  eventually,
  expectEveryoneSeesAndHearsEveryone,
  joinThroughGate,
  launchBrowser,
  openMember,
  remoteTileNames,
  useRelay,
} from './browser.js';

const NAMES = ['Alice', 'Bertrand', 'Carol'];
const BROKER_USER = { username: 'meeting-site', password: 'broker-secret-4821' };

/**
 * A generic broadcast relay, like the many public ones: every frame goes, as
 * binary, to every other socket on the same URL path. 20 lines, no knowledge
 * of secure-meeting.
 */
function startGenericRelay(): Promise<{ port: number; paths: Set<string>; frames: () => number; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const pathOf = new WeakMap<WebSocket, string>();
  const paths = new Set<string>();
  let frames = 0;
  wss.on('connection', (ws, req) => {
    pathOf.set(ws, req.url ?? '/');
    paths.add(req.url ?? '/');
    ws.on('message', (data) => {
      frames += 1;
      for (const other of wss.clients) {
        if (other !== ws && other.readyState === WebSocket.OPEN && pathOf.get(other) === pathOf.get(ws)) other.send(data, { binary: true });
      }
    });
  });
  const close = () => new Promise<void>((done) => { for (const c of wss.clients) c.terminate(); wss.close(() => done()); });
  return new Promise((resolve) => wss.once('listening', () => resolve({ port: (wss.address() as AddressInfo).port, paths, frames: () => frames, close })));
}

/** Three members join the same channel and password through the gate, over the given relay, and each sees and hears the other two. */
async function meetOver(browser: Browser, demo: DemoServer, channel: number, adapter: AdapterName, relay: string, options: Record<string, unknown> = {}): Promise<Map<string, Page>> {
  const members = new Map<string, Page>();
  for (const name of NAMES) {
    // The demo page loads the one file that holds this relay's adapter.
    const page = await openMember(browser, `${demo.url}?relay=${adapter}`);
    await useRelay(page, adapter, relay, options);
    await joinThroughGate(page, { channel, password: `over-${adapter}-${channel}`, name });
    members.set(name, page);
  }
  await expectEveryoneSeesAndHearsEveryone(members);
  return members;
}

async function leaveAll(members: Map<string, Page>): Promise<void> {
  await Promise.all([...members.values()].map((page) => page.context().close()));
}

describe('a meeting over each relay adapter, end to end', () => {
  let demo: DemoServer;
  let browser: Browser;
  let mosquitto: Mosquitto;

  before(async () => {
    demo = await startDemoServer({ port: 0 });
    browser = await launchBrowser();
    mosquitto = await startMosquitto({ users: [{ ...BROKER_USER, acl: ['topic readwrite secure-meeting/v1/#'] }] });
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
    await demo?.close();
    await mosquitto?.close();
  }, { timeout: 60_000 });

  test('MQTT: three members meet through a real Mosquitto with a password file and an ACL', { timeout: 60_000 }, async () => {
    const members = await meetOver(browser, demo, 612, 'mqtt', mosquitto.url, BROKER_USER);
    await leaveAll(members);
  });

  test('MQTT: wrong broker credentials are shown in plain words at the gate', { timeout: 30_000 }, async () => {
    const page = await openMember(browser, `${demo.url}?relay=mqtt`);
    await useRelay(page, 'mqtt', mosquitto.url, { ...BROKER_USER, password: 'not-it' });
    await joinThroughGate(page, { channel: 612, password: 'whatever-it-is', name: 'Dora' });
    const alert = String(await eventually('an error at the gate', async () => (await page.getByRole('alert').textContent())?.trim()));
    assert.match(alert, /user ?name or password/i);
    assert.ok(!alert.includes('not-it'), 'the broker password is not shown');
    assert.ok(await page.getByRole('button', { name: 'Join' }).isVisible());
    await page.context().close();
  });

  test('Socket.IO: three members meet through the Socket.IO relay', { timeout: 60_000 }, async () => {
    const members = await meetOver(browser, demo, 613, 'socketio', demo.url);
    assert.ok(demo.socketio.connections() >= NAMES.length, 'the members are on the Socket.IO relay');
    await leaveAll(members);
  });

  test('generic broadcast relay: three members meet, addressed by [CHANNEL_ID], every frame forwarded as binary', { timeout: 60_000 }, async () => {
    const generic = await startGenericRelay();
    try {
      const members = await meetOver(browser, demo, 614, 'ws', `ws://127.0.0.1:${generic.port}/meet/[CHANNEL_ID]`);
      assert.deepEqual([...generic.paths], ['/meet/614']);
      assert.ok(generic.frames() >= 6, `the relay carried the signaling (${generic.frames()} frames)`);
      for (const page of members.values()) assert.equal((await remoteTileNames(page)).length, 2);
      await leaveAll(members);
    } finally {
      await generic.close();
    }
  });
});
