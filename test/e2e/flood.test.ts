/**
 * A flood of hellos end to end (issue 10): real Chromium, the demo page, our
 * WebSocket relay, in the loopback-only namespace. Someone who knows the
 * password publishes 600 sealed hellos from fresh identities on a member's
 * topic; the member never holds more than the cap of connections, makes
 * them slowly enough that the browser never refuses one (closed ones count
 * towards its limit until collected), and a real newcomer who joins after
 * the flood still meets it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { deriveRoomKeys } from '../../core/crypto.js';
import { EnvelopeCodec } from '../../core/envelope.js';
import { createIdentity } from '../../core/identity.js';
import { MAX_PENDING } from '../../core/mesh/pending.js';
import { eventually, joinThroughGate, demoAndBrowserForFile, openMember, receiveStats } from './browser.js';

const CHANNEL = 744;
const PASSWORD = 'flood-of-hellos-pw';
const HELLOS = 600;
/** The relay lets each socket send 50 frames a second (burst 100): the flood spreads over several, each under it. */
const SOCKETS = 10;

const shared = demoAndBrowserForFile();

/** Samples, every 50 ms, the most connections the page holds open and the most members it lists. */
function watchLoad(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = window as unknown as { smConnections: RTCPeerConnection[]; most: { connections: number; members: number } };
    const el = document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, unknown> } | null };
    w.most = { connections: 0, members: 0 };
    setInterval(() => {
      const open = w.smConnections.filter((pc) => pc.connectionState !== 'closed').length;
      w.most.connections = Math.max(w.most.connections, open);
      w.most.members = Math.max(w.most.members, el.meeting?.peers.size ?? 0);
    }, 50);
  });
}

const mostLoad = (page: Page) => page.evaluate(() => (window as unknown as { most: { connections: number; members: number } }).most);
const pendingCounts = (page: Page) => page.evaluate(() => (document.querySelector('secure-meeting') as unknown as { meeting: { pendingDropped: Record<string, number> } }).meeting.pendingDropped);
const membersOf = (page: Page) => page.evaluate(() => (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, unknown> } }).meeting.peers.size);

test('600 sealed hellos from fresh ids: the member holds at most the cap, and a real newcomer still gets in', { timeout: 150_000 }, async () => {
  const target = await openMember(shared.browser, shared.demo.url);
  await joinThroughGate(target, { channel: CHANNEL, password: PASSWORD, name: 'Target' });
  await target.waitForFunction(() => (document.querySelector('secure-meeting') as unknown as { meeting: { state: string } | null }).meeting?.state === 'joined', null, { timeout: 30_000 });
  await watchLoad(target);

  // Mallory knows the password: her hellos open and verify (each from a fresh identity of hers), so the member must answer them.
  const keys = await deriveRoomKeys({ password: PASSWORD, channel: CHANNEL });
  const hellos = await Promise.all(Array.from({ length: HELLOS }, async (_, i) =>
    new EnvelopeCodec(keys, await createIdentity()).seal({ type: 'hello', body: { name: `Ghost ${i}` } })));
  const url = `${shared.demo.url.replace('http', 'ws')}relay/${keys.topic}`;
  const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket)).once('error', reject);
  })));
  await Promise.all(sockets.map(async (socket, s) => {
    for (let i = s; i < HELLOS; i += SOCKETS) {
      socket.send(hellos[i]!);
      await new Promise((r) => setTimeout(r, 25)); // 40 frames/s per socket, under the relay's limit
    }
  }));
  await eventually('the member to have taken the flood in', async () => (await mostLoad(target)).members >= MAX_PENDING, 30_000);
  for (const socket of sockets) socket.close();

  // A real newcomer, after the flood: both decode each other within 30 s.
  const newcomer = await openMember(shared.browser, shared.demo.url);
  await joinThroughGate(newcomer, { channel: CHANNEL, password: PASSWORD, name: 'Newcomer' });
  await eventually('the newcomer and the member to decode each other', async () => {
    const [a, b] = [await receiveStats(target), await receiveStats(newcomer)];
    return (a['Newcomer']?.framesDecoded ?? 0) > 5 && (b['Target']?.framesDecoded ?? 0) > 5;
  }, 30_000);

  const most = await mostLoad(target);
  // MAX_PENDING ghosts at most, plus the newcomer; connections also count the two the member keeps prepared.
  assert.ok(most.members <= MAX_PENDING + 1, `at most ${MAX_PENDING + 1} members listed at once (saw ${most.members})`);
  assert.ok(most.connections <= MAX_PENDING + 3, `at most ${MAX_PENDING + 3} connections open at once (saw ${most.connections})`);
  const counts = await pendingCounts(target);
  assert.equal(counts['failed'], 0, `the browser never refused a connection (${JSON.stringify(counts)})`);
  // The ghosts never connect: they are all gone after the pending timeout.
  await eventually('the ghosts to be gone', async () => (await membersOf(target)) === 1, 40_000);
  await Promise.all([target, newcomer].map((p) => p.context().close()));
});
