/**
 * `npx secure-meeting-relay` as a site owner runs it: the packed tarball
 * installed into an empty folder (offline, test/support/fresh-install.ts),
 * the relay started with npx, a two-member meeting in real Chromium through
 * it, /healthz and /metrics, a wrong API key refused, and SIGTERM; and two
 * CLI relays on one real Redis, a member on each.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { readCli, type CliConfig } from '../../adapters/cli/options.js';
import { startRelay, type RunningRelay } from '../../adapters/cli/relay.js';
import { freshInstall, type FreshInstall } from '../support/fresh-install.js';
import { startRedis } from '../support/redis.js';
import { expectEveryoneSeesAndHearsEveryone, joinThroughGate, launchBrowser, openMember, useRelay } from './browser.js';

interface Started {
  readonly child: ChildProcess;
  readonly base: string;
  /** The relay's own process: npx runs it under a shell, which would not pass SIGTERM on. */
  readonly pid: number;
  readonly lines: () => Array<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
}

function start(fresh: FreshInstall, args: string[]): Promise<Started> {
  const { command, args: all, cwd } = fresh.npx(['secure-meeting-relay', ...args]);
  const child = spawn(command, all, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = (): Array<Record<string, unknown>> => out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the relay did not start:\n${out}${err}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const listening = lines().find((line) => line['msg'] === 'listening');
      if (listening === undefined) return;
      clearTimeout(timer);
      resolve({ child, base: String(listening['url']), pid: Number(listening['pid']), lines, exited });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the relay exited (${code}) before listening:\n${out}${err}`));
    });
  });
}

describe('npx secure-meeting-relay from the packed tarball', () => {
  let fresh: FreshInstall;
  let demo: DemoServer;
  let browser: Browser;
  const children: ChildProcess[] = [];

  before(async () => {
    fresh = await freshInstall(['socket.io']);
    demo = await startDemoServer({ port: 0 });
    browser = await launchBrowser();
  }, { timeout: 180_000 });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await browser?.close();
    await demo?.close();
  }, { timeout: 60_000 });

  test('serves a meeting and its health and metrics, refuses a wrong key, and exits 0 on SIGTERM', { timeout: 120_000 }, async () => {
    const relay = await start(fresh, ['--port', '0', '--relay', 'both', '--api-keys', 'site-key', '--drain-ms', '2000']);
    children.push(relay.child);
    const health = await fetch(`${relay.base}/healthz`);
    assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);

    const ws = relay.base.replace(/^http/, 'ws');
    const members = new Map<string, Page>();
    for (const name of ['Alice', 'Bertrand']) {
      const page = await openMember(browser, demo.url);
      await useRelay(page, 'ws', `${ws}/relay/[TOPIC]?apiKey=[API_KEY]`, { apiKey: 'site-key' });
      await joinThroughGate(page, { channel: 731, password: 'npx-relay-meeting', name });
      members.set(name, page);
    }
    await expectEveryoneSeesAndHearsEveryone(members);

    const stranger = new WebSocket(`${ws}/relay/${'0'.repeat(32)}?apiKey=guess`);
    stranger.on('error', () => {});
    assert.equal(await new Promise((resolve) => stranger.once('close', (code) => resolve(code))), 4001);

    const metrics = await (await fetch(`${relay.base}/metrics`)).text();
    assert.match(metrics, /^secure_meeting_relay_members\{relay="ws"\} 2$/m);
    assert.match(metrics, /^secure_meeting_relay_refusals_total\{relay="ws",reason="unauthorized"\} 1$/m);
    const frames = Number(/^secure_meeting_relay_frames_received_total\{relay="ws"\} (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(frames >= 4, `the meeting's signaling went through the relay (${frames} frames)`);

    process.kill(relay.pid, 'SIGTERM');
    assert.equal(await relay.exited, 0);
    assert.deepEqual(relay.lines().map((line) => line['msg']), ['listening', 'signal', 'draining', 'stopped']);
    const logged = JSON.stringify(relay.lines());
    assert.ok(!logged.includes('site-key') && !logged.includes('npx-relay-meeting'), 'no key or password in the logs');
    for (const page of members.values()) await page.context().close();
  });

  test('two relays on one Redis: members on different instances meet', { timeout: 90_000 }, async () => {
    const redis = await startRedis();
    const relays: RunningRelay[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        relays.push(await startRelay(readCli(['--port', '0', '--redis', redis.url], {}) as CliConfig, () => {}));
      }
      const members = new Map<string, Page>();
      for (const [i, name] of ['Alice', 'Bertrand'].entries()) {
        const page = await openMember(browser, demo.url);
        await useRelay(page, 'ws', `ws://127.0.0.1:${relays[i]!.address().port}/relay/[TOPIC]`);
        await joinThroughGate(page, { channel: 732, password: 'across-instances', name });
        members.set(name, page);
      }
      await expectEveryoneSeesAndHearsEveryone(members);
      for (const page of members.values()) await page.context().close();
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
      await redis.stop();
    }
  });
});
