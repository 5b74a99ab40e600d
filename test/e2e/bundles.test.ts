/**
 * One file per relay, as a CMS gets it: each single-file bundle is the only
 * file served beside a plain HTML page (no dist/ folder), and three members
 * meet over that bundle's relay in real Chromium with fake devices, hermetic
 * like every networked suite: our ws relay, a real Mosquitto, our Socket.IO
 * relay. The page must fetch no script but the bundle. `npm run build` first.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AdapterName } from '../../components/index.js';
import { createRelayServer } from '../../adapters/websocket/server.js';
import { createSocketIoRelay } from '../../adapters/socketio/server.js';
import { startMosquitto } from '../support/mosquitto.js';
import { expectEveryoneSeesAndHearsEveryone, joinThroughGate, launchBrowser, openMember } from './browser.js';

const NAMES = ['Alice', 'Bertrand', 'Carol'];
/** Generous for three joins and media flowing on a busy 2-core machine (about 30 s there). */
const MEETING_TIMEOUT = 120_000;

interface CmsSite {
  url: string;
  file: string;
  /** Every path the browser asked this server for. */
  requested: string[];
  close(): Promise<void>;
}

/**
 * A page as a CMS would serve it: a temporary folder holding index.html and
 * one bundle copied out of dist/, served by a static server that knows no
 * other file. The relay is set in the markup, as a site owner would.
 */
async function startCmsSite(file: string, adapter: AdapterName, relay: string): Promise<CmsSite> {
  const folder = await mkdtemp(join(tmpdir(), 'sm-cms-'));
  await writeFile(join(folder, file), await readFile(join('dist', file)));
  await writeFile(join(folder, 'index.html'), `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>A CMS page</title><link rel="icon" href="data:,"><script type="module" src="/media/${file}"></script></head>
<body><h1>Team meeting</h1><secure-meeting adapter="${adapter}" relay="${relay}"></secure-meeting></body>
</html>`);
  const routes = new Map([['/', 'index.html'], [`/media/${file}`, file]]);
  const requested: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname;
    requested.push(path);
    const name = routes.get(path);
    if (name === undefined) return void res.writeHead(404).end();
    void readFile(join(folder, name)).then((body) => {
      res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    file,
    requested,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** Three members meet through the site's page and see and hear each other; the pages fetched no other script. */
async function meetOn(browser: Browser, site: CmsSite, channel: number, relayMembers?: () => number): Promise<void> {
  const members = new Map<string, Page>();
  try {
    for (const name of NAMES) {
      const page = await openMember(browser, site.url);
      await joinThroughGate(page, { channel, password: `one-file-${channel}`, name });
      members.set(name, page);
    }
    await expectEveryoneSeesAndHearsEveryone(members);
    if (relayMembers) assert.equal(relayMembers(), NAMES.length, 'every member is on this relay');
    for (const [name, page] of members) {
      const scripts = await page.evaluate(() =>
        performance.getEntriesByType('resource').map((e) => e.name).filter((n) => !n.startsWith('data:')));
      assert.deepEqual(scripts, [new URL(`/media/${site.file}`, site.url).href], `${name}'s page fetched only the bundle`);
    }
    // The page names its icon inline (data:), so the browser has no reason to ask for anything but the page and the one file.
    assert.deepEqual([...new Set(site.requested)].sort(), ['/', `/media/${site.file}`]);
  } finally {
    await Promise.all([...members.values()].map((page) => page.context().close()));
  }
}

describe('each single-file bundle, served alone, carries a meeting over its relay', () => {
  let browser: Browser;

  before(async () => {
    browser = await launchBrowser();
  }, { timeout: 30_000 });

  after(async () => {
    await browser?.close();
  }, { timeout: 30_000 });

  test('secure-meeting.bundle.js over our WebSocket relay', { timeout: MEETING_TIMEOUT }, async () => {
    const relay = createRelayServer({ port: 0, path: '/relay/' });
    await relay.ready;
    const site = await startCmsSite('secure-meeting.bundle.js', 'ws', `ws://127.0.0.1:${relay.address().port}/relay/[TOPIC]`);
    try {
      await meetOn(browser, site, 901, () => relay.connections());
    } finally {
      await site.close();
      await relay.close();
    }
  });

  test('secure-meeting.mqtt.bundle.js over a real Mosquitto', { timeout: MEETING_TIMEOUT }, async () => {
    const mosquitto = await startMosquitto();
    const site = await startCmsSite('secure-meeting.mqtt.bundle.js', 'mqtt', mosquitto.url);
    try {
      await meetOn(browser, site, 902);
    } finally {
      await site.close();
      await mosquitto.close();
    }
  });

  test('secure-meeting.socketio.bundle.js over our Socket.IO relay', { timeout: MEETING_TIMEOUT }, async () => {
    const relay = createSocketIoRelay({ port: 0 });
    await relay.ready;
    const site = await startCmsSite('secure-meeting.socketio.bundle.js', 'socketio', `http://127.0.0.1:${relay.address().port}`);
    try {
      await meetOn(browser, site, 903, () => relay.connections());
    } finally {
      await site.close();
      await relay.close();
    }
  });
});
