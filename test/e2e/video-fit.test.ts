/**
 * Per-receiver video in Chromium (core/features/video-fit.ts): headless
 * members on our ws relay tell A how they show its camera, as tiles would;
 * A's own outbound statistics toward each show what it sends them.
 * Timing goals (how fast a shown tile gets bytes again) are in the bench
 * (bench/video-fit.ts); the waits here are generous deadlines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { demoAndBrowserForFile, eventually, meetThroughGate } from './browser.js';
import { fitMember, kbpsTo, type FitPage } from './video-fit-pages.js';

const shared = demoAndBrowserForFile();

async function meeting(names: string[], channel: number, options: Record<string, unknown> = {}): Promise<FitPage[]> {
  const pages: FitPage[] = [];
  for (const [i, name] of names.entries()) pages.push(await fitMember(shared.browser, shared.demo.url, name, channel, i === 0 ? options : {}));
  for (const p of pages) await eventually('everyone connected', async () => (await p.peers()).length === names.length - 1, 30_000);
  // Video flows to everyone before the test changes anything.
  for (const name of names.slice(1)) await eventually(`A sends video to ${name}`, async () => (await pages[0]!.out(name)).framesEncoded > 10, 30_000);
  return pages;
}

test('shown as a thumbnail on B and large on C: A sends B a small, cheap picture and C the full one', { timeout: 120_000 }, async () => {
  const [a, b, c] = await meeting(['A', 'B', 'C'], 21);
  await b!.show('A', 160, 90, true);
  await c!.show('A', 1280, 720, true);
  await eventually('A applies B\'s size', async () => ((await a!.applied('B'))?.scaleResolutionDownBy ?? 0) >= 3);
  await eventually('A encodes at most 1.5 × 90 rows for B', async () => {
    const out = await a!.out('B');
    return out.frameHeight > 0 && out.frameHeight <= 135 ? out : null;
  }, 30_000);
  // We ask for C's full size; on a loaded machine Chromium's own CPU adaptation may send fewer rows
  // for a while (a CI run saw it), and says so.
  assert.ok(((await a!.applied('C'))?.scaleResolutionDownBy ?? 1) <= 1, 'A asks for C\'s full size');
  await eventually('C gets the full 360 rows, unless the browser says its CPU limits them', async () => {
    const out = await a!.out('C');
    return out.frameHeight >= 300 || out.limitation === 'cpu' ? out : null;
  }, 30_000);
  // Let both settle on their rates, then measure them over the same seconds.
  await new Promise((r) => setTimeout(r, 3000));
  const [toB, toC] = await Promise.all([kbpsTo(a!, 'B', 4000), kbpsTo(a!, 'C', 4000)]);
  assert.ok(toB <= 0.5 * toC, `A sends B ${toB.toFixed(0)} kbps, C ${toC.toFixed(0)} kbps`);
  assert.ok(toB <= 120, `B's thumbnail stays near the table's 80 kbps: ${toB.toFixed(0)} kbps`);
  for (const p of [a, b, c]) await p!.leave();
});

test('B hides A\'s tile: A stops sending B video; shown again, it resumes', { timeout: 120_000 }, async () => {
  const [a, b] = await meeting(['A', 'B'], 22);
  await b!.show('A', 320, 180, true);
  await b!.show('A', 320, 180, false);
  await eventually('A stops its sender toward B', async () => (await a!.applied('B'))?.active === false);
  // Packets already queued drain first.
  await new Promise((r) => setTimeout(r, 500));
  const before = (await a!.out('B')).bytesSent;
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await a!.out('B')).bytesSent, before, 'no video bytes while hidden');
  await b!.show('A', 320, 180, true);
  const shownAt = Date.now();
  // The goal is 2 s (measured in the bench); a deadline of 5× that here.
  await eventually('video flows to B again', async () => (await a!.out('B')).bytesSent > before, 10_000);
  assert.ok(Date.now() - shownAt < 10_000);
  for (const p of [a, b]) await p!.leave();
});

test('with an upload budget the sum of A\'s video bitrates stays under it, and under the floor a member gets audio only and is told', { timeout: 150_000 }, async () => {
  const budget = 400;
  const [a, b, c] = await meeting(['A', 'B', 'C'], 23, { maxUplinkKbps: budget });
  await b!.show('A', 1280, 720, true);
  await c!.show('A', 1280, 720, true);
  await eventually('A shares its budget', async () => {
    const plans = await Promise.all([a!.applied('B'), a!.applied('C')]);
    return plans.every((p) => p?.active && p.maxBitrate < 450_000);
  });
  await new Promise((r) => setTimeout(r, 3000));
  const rates = await Promise.all([kbpsTo(a!, 'B', 5000), kbpsTo(a!, 'C', 5000)]);
  const sum = rates[0] + rates[1];
  assert.ok(sum < budget, `A's video: ${rates.map((r) => r.toFixed(0)).join(' + ')} = ${sum.toFixed(0)} kbps, budget ${budget}`);
  assert.ok(rates.every((r) => r > 20), `both still get video: ${rates.map((r) => r.toFixed(0)).join(', ')}`);

  // 150 kbps: 80 for two members' audio leaves 70, not enough for two pictures.
  await a!.setMaxUplinkKbps(150);
  const starved = await eventually('one member told it gets audio only', async () => {
    const flags = await Promise.all([b!.audioOnly('A'), c!.audioOnly('A')]);
    return flags.filter(Boolean).length === 1 ? flags : null;
  });
  const [off, on] = starved![0] ? [b!, c!] : [c!, b!];
  const offName = starved![0] ? 'B' : 'C';
  // The word goes out as A decides; A's sender stops once its setParameters has resolved.
  await eventually(`A's sender to ${offName} to stop`, async () => (await a!.applied(offName))?.active === false);
  assert.equal(await on.audioOnly('A'), false, 'the other member still gets video');
  await a!.setMaxUplinkKbps(null);
  await eventually('the budget lifted: video and word again', async () => !(await off.audioOnly('A')) && (await a!.applied(offName))?.active === true);
  for (const p of [a, b, c]) await p!.leave();
});

test('everyone shows A small: A\'s camera captures fewer rows; one enlarges it: the full size again', { timeout: 120_000 }, async () => {
  const [a, b, c] = await meeting(['A', 'B', 'C'], 25);
  const opened = await a!.capture();
  assert.equal(opened.ceiling, 360, 'opened at the default 640×360');
  await b!.show('A', 160, 90, true);
  await c!.show('A', 160, 90, false);
  // CAPTURE_SHRINK_MS (5 s) after the last word, and the camera's own restart.
  const small = await eventually('A\'s camera captures 180 rows', async () => {
    const now = await a!.capture();
    return now.track === 180 ? now : null;
  }, 40_000);
  assert.equal(small!.height, 180);
  await eventually('A still sends B its thumbnail', async () => {
    const out = await a!.out('B');
    return out.frameHeight > 0 && out.frameHeight <= 135 ? out : null;
  }, 30_000);
  await c!.show('A', 1280, 720, true);
  await eventually('A\'s camera back at 360 rows', async () => (await a!.capture()).track === 360, 30_000);
  await eventually('C gets the full 360 rows', async () => (await a!.out('C')).frameHeight >= 300, 30_000);
  for (const p of [a, b, c]) await p!.leave();
});

/** What the demo page's member sends `to` as video: bytes and the height of its frames (its outbound-rtp). */
function sentTo(page: Page, to: string): Promise<{ bytesSent: number; frameHeight: number }> {
  return page.evaluate(async (to) => {
    type P = { name: string; rtp: { stats(): Promise<RTCStatsReport> } };
    const meeting = (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, P> } }).meeting;
    const peer = [...meeting.peers.values()].find((p) => p.name === to);
    const out = { bytesSent: 0, frameHeight: 0 };
    (await peer!.rtp.stats()).forEach((s: { type: string; kind: string; bytesSent?: number; frameHeight?: number }) => {
      if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
      out.bytesSent += s.bytesSent ?? 0;
      out.frameHeight = Math.max(out.frameHeight, s.frameHeight ?? 0);
    });
    return out;
  }, to);
}

test('through the UI: A sends B video at the height of B\'s tile, and none while B hides it', { timeout: 150_000 }, async () => {
  const members = await meetThroughGate(shared.browser, shared.demo.url, ['A', 'B'], { channel: 24, password: 'video-fit-ui' }, async (name, page) => {
    if (name === 'B') await page.setViewportSize({ width: 800, height: 450 });
  });
  const [a, b] = [members.get('A')!, members.get('B')!];
  const tile = b.locator('secure-meeting peer-tile:not([local])');
  const shownRows = await tile.evaluate((el) => el.getBoundingClientRect().height * devicePixelRatio);
  assert.ok(shownRows > 0 && shownRows < 320, `B's tile of A is ${shownRows} rows`);
  await eventually('A encodes for the height of B\'s tile', async () => {
    const out = await sentTo(a, 'B');
    return out.frameHeight > 0 && out.frameHeight <= 1.5 * shownRows ? out : null;
  }, 30_000);
  await tile.locator('[part~=hide-video]').click();
  const stopped = await eventually('A stops sending B video', async () => {
    const before = await sentTo(a, 'B');
    await new Promise((r) => setTimeout(r, 1000));
    const after = await sentTo(a, 'B');
    return after.bytesSent === before.bytesSent ? after : null;
  }, 30_000);
  await tile.locator('[part~=hide-video]').click();
  await eventually('video flows to B again', async () => (await sentTo(a, 'B')).bytesSent > stopped!.bytesSent, 20_000);
  for (const page of members.values()) await page.context().close();
});
