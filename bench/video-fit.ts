/**
 * Per-receiver video (core/features/video-fit.ts), 4 members on the ws
 * relay, in one run: member A's total upload (outbound-rtp bytesSent, all
 * its connections, audio included) and the CPU time per second of A's own
 * browser (A runs alone in a second Chromium, so the CPU is A's: CDP
 * SystemInfo.getProcessInfo summed over that browser's processes, which
 * covers the encoder threads, not only the page's main thread) with
 *  - adaptation switched off (`videoFit: false`), tiles small,
 *  - all three others showing A as a 160×90 thumbnail,
 *  - all three showing A large (1280×720);
 * then the ratio of bytes A sends a thumbnail receiver to a full-size one
 * (target ≤ 0.2), a hidden receiver's bytes (target 0), and the time from a
 * hidden tile shown again to A's bytes toward it growing (median; goal 2 s).
 * The others "show" A through the headless API, as their tiles would.
 */
import type { Browser } from 'playwright-core';
import type { DemoServer } from '../demo/server.js';
import { launchBrowser } from '../test/e2e/browser.js';
import { fitMember, kbpsTo, type FitPage } from '../test/e2e/video-fit-pages.js';

export interface VideoFitFigures {
  /** Kbps A uploads in all / CPU ms per second of A's browser, per case. */
  off: { uploadKbps: number; cpuMsPerS: number };
  small: { uploadKbps: number; cpuMsPerS: number };
  large: { uploadKbps: number; cpuMsPerS: number };
  thumbnailKbps: number;
  fullKbps: number;
  thumbnailToFull: number;
  hiddenBytes: number;
  showToBytesMs: number;
  runs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MEASURE_MS = 6000;
const SETTLE_MS = 4000;

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`video-fit bench: timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Upload and CPU of A over MEASURE_MS. */
async function measure(a: FitPage, cpu: () => Promise<number>): Promise<{ uploadKbps: number; cpuMsPerS: number }> {
  const [bytes0, cpu0, t0] = [await a.totalBytesSent(), await cpu(), Date.now()];
  await sleep(MEASURE_MS);
  const [bytes1, cpu1, t1] = [await a.totalBytesSent(), await cpu(), Date.now()];
  return { uploadKbps: Math.round(((bytes1 - bytes0) * 8) / (t1 - t0)), cpuMsPerS: Math.round(((cpu1 - cpu0) * 1000 * 1000) / (t1 - t0)) };
}

export async function videoFitFigures(browser: Browser, demo: DemoServer, channel: number, runs: number, median: (xs: number[]) => number): Promise<VideoFitFigures> {
  const own = await launchBrowser();
  const session = await own.newBrowserCDPSession();
  /** Seconds of CPU A's browser has used, all its processes. */
  const cpu = async () => {
    const { processInfo } = await session.send('SystemInfo.getProcessInfo') as { processInfo: { cpuTime: number }[] };
    return processInfo.reduce((sum, p) => sum + p.cpuTime, 0);
  };
  const others: FitPage[] = [];
  let a: FitPage | null = null;
  const others3 = ['B', 'C', 'D'];
  const joinA = async (options: Record<string, unknown>) => {
    a = await fitMember(own, demo.url, 'A', channel, options);
    const me = a;
    await until('A connected to all', async () => (await me.peers()).length === 3);
    for (const n of others3) await until(`A sends ${n} video`, async () => (await me.out(n)).framesEncoded > 10);
    return me;
  };
  const showAll = async (w: number, h: number) => {
    for (const o of others) await o.show('A', w, h, true);
  };
  try {
    for (const name of others3) others.push(await fitMember(browser, demo.url, name, channel));
    // Adaptation off: everyone gets A's full picture, however small the tiles.
    let me = await joinA({ videoFit: false });
    await showAll(160, 90);
    await sleep(SETTLE_MS);
    const off = await measure(me, cpu);
    await me.leave();
    for (const o of others) await until(`${'A'} gone`, async () => !(await o.peers()).includes('A'));

    me = await joinA({});
    await showAll(160, 90);
    for (const n of others3) await until(`thumbnail for ${n}`, async () => ((await me.applied(n))?.scaleResolutionDownBy ?? 0) >= 3);
    await sleep(SETTLE_MS);
    const small = await measure(me, cpu);
    await showAll(1280, 720);
    for (const n of others3) await until(`full size for ${n}`, async () => (await me.applied(n))?.scaleResolutionDownBy === 1);
    await sleep(SETTLE_MS);
    const large = await measure(me, cpu);

    // B and C show A small, D large: the same seconds for both rates.
    await others[0]!.show('A', 160, 90, true);
    await others[1]!.show('A', 160, 90, true);
    await until('thumbnail for B', async () => ((await me.applied('B'))?.scaleResolutionDownBy ?? 0) >= 3);
    await sleep(SETTLE_MS);
    const [thumbnailKbps, fullKbps] = await Promise.all([kbpsTo(me, 'B', MEASURE_MS), kbpsTo(me, 'D', MEASURE_MS)]);

    // Hidden, then shown again: bytes while hidden, and the time to bytes once shown.
    let hiddenBytes = 0;
    const resumes: number[] = [];
    for (let i = 0; i < runs; i++) {
      await others[0]!.show('A', 160, 90, false);
      await until('B hidden', async () => (await me.applied('B'))?.active === false);
      await sleep(500); // what was queued drains
      const before = (await me.out('B')).bytesSent;
      await sleep(2000);
      const after = (await me.out('B')).bytesSent;
      hiddenBytes = Math.max(hiddenBytes, after - before);
      const shown = performance.now();
      await others[0]!.show('A', 160, 90, true);
      while ((await me.out('B')).bytesSent <= after) {
        if (performance.now() - shown > 20_000) throw new Error('video-fit bench: no bytes 20 s after showing the tile again');
        await sleep(10);
      }
      resumes.push(performance.now() - shown);
      await sleep(1000);
    }
    await me.leave();
    return {
      off, small, large,
      thumbnailKbps: Math.round(thumbnailKbps),
      fullKbps: Math.round(fullKbps),
      thumbnailToFull: Math.round((thumbnailKbps / fullKbps) * 100) / 100,
      hiddenBytes,
      showToBytesMs: Math.round(median(resumes)),
      runs,
    };
  } finally {
    for (const o of others) await o.leave().catch(() => {});
    await own.close();
  }
}

export function printVideoFitFigures(f: VideoFitFigures): void {
  console.log('\nPer-receiver video, 4 members (ws relay): member A\'s upload (all its connections) and its browser\'s CPU\n');
  console.log('| case | A uploads | A\'s CPU time per second |\n| --- | --- | --- |');
  console.log(`| adaptation off (videoFit: false), tiles small | ${f.off.uploadKbps} kbps | ${f.off.cpuMsPerS} ms |`);
  console.log(`| all three show A as 160×90 thumbnails | ${f.small.uploadKbps} kbps (${(f.small.uploadKbps / f.off.uploadKbps).toFixed(2)} × off) | ${f.small.cpuMsPerS} ms |`);
  console.log(`| all three show A large (1280×720) | ${f.large.uploadKbps} kbps | ${f.large.cpuMsPerS} ms |`);
  console.log(`| bytes to a thumbnail receiver / to a full-size one (target ≤ 0.2) | ${f.thumbnailToFull} (${f.thumbnailKbps} / ${f.fullKbps} kbps) | |`);
  console.log(`| video bytes to a receiver with A's tile hidden, over 2 s (target 0) | ${f.hiddenBytes} | |`);
  console.log(`| hidden tile shown again → bytes flowing to it, median of ${f.runs} (goal ≤ 2 s) | ${f.showToBytesMs} ms | |`);
}
