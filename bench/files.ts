/**
 * File transfer throughput on loopback: a 20 MiB file between two members
 * (headless meetings in two pages, the files feature end to end: hash,
 * offer, chunks with backpressure, the receiver's hash check), next to the
 * floor: two bare RTCPeerConnections in one page pushing the same bytes over
 * one data channel, same chunk size and backpressure.
 */
import type { Browser, Page } from 'playwright-core';
import type { DemoServer } from '../demo/server.js';
import { CHUNK_BYTES, HIGH_WATER_BYTES, LOW_WATER_BYTES } from '../core/features/file-wire.js';

export const FILE_BYTES = 20 * 1024 * 1024;
const MIB = 1024 * 1024;
const SETTINGS = { size: FILE_BYTES, chunk: CHUNK_BYTES, high: HIGH_WATER_BYTES, low: LOW_WATER_BYTES };

export interface FileFigures {
  /** send() → the receiver holds the checked file, MiB/s. */
  endToEndMiBps: number;
  /** The receiver's first byte → its last, MiB/s. */
  bytesMiBps: number;
  /** Two bare connections in one page, same chunks and backpressure, MiB/s. */
  rawMiBps: number;
  /** The same, the two connections in two pages (two renderer processes, as two members are), MiB/s. */
  rawTwoPagesMiBps: number;
  /** SHA-256 of the 20 MiB in Chromium (each side does one), ms. */
  hashMs: number;
}

async function headless(browser: Browser, demo: DemoServer, name: string, channel: number): Promise<Page> {
  const context = await browser.newContext();
  await context.addInitScript('globalThis.__name ??= (fn) => fn');
  const page = await context.newPage();
  await page.goto(`${demo.url}dist/`).catch(() => undefined);
  await page.evaluate(async ({ name, channel, relayUrl }) => {
    const { createMeeting, files } = await import('/dist/core/index.js' as string);
    const { websocketRelay } = await import('/dist/adapters/websocket/index.js' as string);
    const meeting = createMeeting({ channel, password: `files-bench-${channel}`, name, media: false, relay: websocketRelay({ url: relayUrl }) });
    const marks: Record<string, number> = {};
    const at = () => performance.timeOrigin + performance.now();
    meeting.addEventListener('fileprogress', (e: Event & { transfer: { bytes: number; size: number; direction: string } }) => {
      if (e.transfer.direction !== 'receive') return;
      marks['first'] ??= at();
      if (e.transfer.bytes === e.transfer.size) marks['last'] ??= at();
    });
    meeting.addEventListener('filedone', () => (marks['done'] = at()));
    Object.assign(window, { meeting, files: meeting.feature(files), marks });
    await meeting.join();
  }, { name, channel, relayUrl: `${demo.url.replace('http', 'ws')}relay/[TOPIC]` });
  return page;
}

type Win = { meeting: { peers: Map<string, { controlOpen: boolean }> }; files: { send(f: Blob): string }; marks: Record<string, number> };

async function featureRun(browser: Browser, demo: DemoServer, channel: number): Promise<{ endToEnd: number; bytes: number }> {
  const pages = [await headless(browser, demo, 'Sender', channel), await headless(browser, demo, 'Receiver', channel)];
  try {
    for (const page of pages) {
      await page.waitForFunction(() => { const m = (window as unknown as Win).meeting; return m.peers.size === 1 && [...m.peers.values()].every((p) => p.controlOpen); }, null, { timeout: 30_000 });
    }
    const [sender, receiver] = pages as [Page, Page];
    const t0 = await sender.evaluate((size) => {
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(data.subarray(i, i + 65_536));
      const file = new File([data], 'bench.bin');
      const start = performance.timeOrigin + performance.now();
      (window as unknown as Win).files.send(file);
      return start;
    }, FILE_BYTES);
    await receiver.waitForFunction(() => (window as unknown as Win).marks['done'] !== undefined, null, { timeout: 120_000 });
    const marks = await receiver.evaluate(() => (window as unknown as Win).marks);
    return { endToEnd: marks['done']! - t0, bytes: marks['last']! - marks['first']! };
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
}

/** Two connections in one page, wired directly; the same bytes pushed as the feature pushes them. */
async function rawRun(browser: Browser, demo: DemoServer): Promise<{ ms: number; hashMs: number }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${demo.url}dist/`).catch(() => undefined);
    return await page.evaluate(async ({ size, chunk, high, low }) => {
      const [a, b] = [new RTCPeerConnection(), new RTCPeerConnection()];
      // Each with its control channel, as a member's connection has, so the file's channel is a second one.
      for (const [pc, other] of [[a, b], [b, a]] as const) {
        pc.onicecandidate = (e) => void other.addIceCandidate(e.candidate ?? undefined);
        pc.createDataChannel('control', { negotiated: true, id: 0 });
      }
      const channel = a.createDataChannel('raw');
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(data.subarray(i, i + 65_536));
      const h0 = performance.now();
      await crypto.subtle.digest('SHA-256', data);
      const hashMs = performance.now() - h0;
      const received = new Promise<number>((resolve) => {
        b.ondatachannel = ({ channel: inbound }) => {
          inbound.binaryType = 'arraybuffer';
          let got = 0;
          inbound.onmessage = ({ data: d }) => {
            got += (d as ArrayBuffer).byteLength;
            if (got === size) resolve(performance.now());
          };
        };
      });
      await a.setLocalDescription();
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription();
      await a.setRemoteDescription(b.localDescription!);
      await new Promise((r) => (channel.onopen = r));
      channel.bufferedAmountLowThreshold = low;
      const t0 = performance.now();
      for (let o = 0; o < size; o += chunk) {
        while (channel.bufferedAmount > high) await new Promise((r) => (channel.onbufferedamountlow = r));
        channel.send(data.subarray(o, Math.min(size, o + chunk)));
      }
      const ms = (await received) - t0;
      a.close();
      b.close();
      return { ms, hashMs };
    }, SETTINGS);
  } finally {
    await context.close();
  }
}

/**
 * The same over two pages (two renderer processes, as two members are),
 * descriptions passed by the test with all candidates in them: what the
 * feature is measured against in its own setting.
 */
async function rawTwoPagesRun(browser: Browser, demo: DemoServer): Promise<number> {
  const pages: Page[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${demo.url}dist/`).catch(() => undefined);
      pages.push(page);
    }
    const [a, b] = pages as [Page, Page];
    const gathered = `async (pc) => { if (pc.iceGatheringState !== 'complete') await new Promise((r) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())); return pc.localDescription.toJSON(); }`;
    const offer = await a.evaluate(async (gathered) => {
      const pc = new RTCPeerConnection();
      pc.createDataChannel('control', { negotiated: true, id: 0 });
      const channel = pc.createDataChannel('raw');
      Object.assign(window, { pc, channel });
      await pc.setLocalDescription();
      return (0, eval)(gathered)(pc);
    }, gathered);
    const answer = await b.evaluate(async ({ offer, gathered, size }) => {
      const pc = new RTCPeerConnection();
      pc.createDataChannel('control', { negotiated: true, id: 0 });
      const done = new Promise<number>((resolve) => {
        pc.ondatachannel = ({ channel }) => {
          channel.binaryType = 'arraybuffer';
          let got = 0;
          channel.onmessage = ({ data }) => {
            got += (data as ArrayBuffer).byteLength;
            if (got === size) resolve(performance.timeOrigin + performance.now());
          };
        };
      });
      Object.assign(window, { pc, done });
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription();
      return (0, eval)(gathered)(pc);
    }, { offer, gathered, size: FILE_BYTES });
    const t0 = await a.evaluate(async ({ answer, size, chunk, high, low }) => {
      const { pc, channel } = window as unknown as { pc: RTCPeerConnection; channel: RTCDataChannel };
      await pc.setRemoteDescription(answer);
      if (channel.readyState !== 'open') await new Promise((r) => (channel.onopen = r));
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(data.subarray(i, i + 65_536));
      channel.bufferedAmountLowThreshold = low;
      const start = performance.timeOrigin + performance.now();
      void (async () => {
        for (let o = 0; o < size; o += chunk) {
          while (channel.bufferedAmount > high) await new Promise((r) => (channel.onbufferedamountlow = r));
          channel.send(data.subarray(o, Math.min(size, o + chunk)));
        }
      })();
      return start;
    }, { answer, ...SETTINGS });
    const end = await b.evaluate(() => (window as unknown as { done: Promise<number> }).done);
    return end - t0;
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
}

export async function fileFigures(browser: Browser, demo: DemoServer, runs: number, median: (xs: number[]) => number): Promise<FileFigures> {
  const endToEnd: number[] = [];
  const bytes: number[] = [];
  const raw: number[] = [];
  const rawTwo: number[] = [];
  const hash: number[] = [];
  // Alternating, so the machine's drift touches both alike.
  for (let i = 0; i < runs; i++) {
    const f = await featureRun(browser, demo, 900 + i);
    endToEnd.push(f.endToEnd);
    bytes.push(f.bytes);
    const r = await rawRun(browser, demo);
    raw.push(r.ms);
    hash.push(r.hashMs);
    rawTwo.push(await rawTwoPagesRun(browser, demo));
  }
  const rate = (ms: number) => Math.round((FILE_BYTES / MIB / (ms / 1000)) * 10) / 10;
  return {
    endToEndMiBps: rate(median(endToEnd)), bytesMiBps: rate(median(bytes)), rawMiBps: rate(median(raw)),
    rawTwoPagesMiBps: rate(median(rawTwo)), hashMs: Math.round(median(hash)),
  };
}

export function printFileFigures(f: FileFigures): void {
  console.log(`\nFile transfer, ${FILE_BYTES / MIB} MiB between two members on loopback (${CHUNK_BYTES / 1024} KiB chunks, backpressure at ${HIGH_WATER_BYTES / MIB} MiB / ${LOW_WATER_BYTES / 1024} KiB)\n`);
  console.log('| measure | value |\n| --- | --- |');
  console.log(`| Floor: two bare RTCPeerConnections in one page, one data channel, same chunks and backpressure | ${f.rawMiBps} MiB/s |`);
  console.log(`| … the two connections in two pages (two renderer processes, as two members) | ${f.rawTwoPagesMiBps} MiB/s |`);
  console.log(`| files feature, receiver's first byte → last byte | ${f.bytesMiBps} MiB/s (ratio to one page ${(f.bytesMiBps / f.rawMiBps).toFixed(2)}, to two pages ${(f.bytesMiBps / f.rawTwoPagesMiBps).toFixed(2)}) |`);
  console.log(`| files feature, send() → receiver holds the checked file (hash both sides, offer, bytes, check) | ${f.endToEndMiBps} MiB/s |`);
  console.log(`| SHA-256 of the ${FILE_BYTES / MIB} MiB in Chromium (WebCrypto, each side once) | ${f.hashMs} ms |`);
}
