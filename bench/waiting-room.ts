/**
 * The waiting room: a host and two members it admitted meet with
 * `waiting-room` on; a newcomer knocks; the host presses Admit in its knock
 * list: ms until the newcomer decodes a first frame from the first member,
 * and from every member (each connects once the signed admission reaches
 * it). Admit's time is read in the host's page and the frames' in the
 * newcomer's, as performance.timeOrigin + performance.now(): one browser on
 * one machine, so the clocks agree.
 */
import type { Browser, Page } from 'playwright-core';
import type { DemoServer } from '../demo/server.js';
import { joinThroughGate, openMember } from '../test/e2e/browser.js';

/** Medians, ms from Admit: all three control channels open at the newcomer, its first decoded frame, frames from all three. */
export interface AdmitFigures { linkedMs: number; firstMs: number; allMs: number; runs: number }

const el = (page: Page) => page.locator('secure-meeting');

async function knockAndAdmit(host: Page, page: Page, name: string, channel: number): Promise<void> {
  await page.evaluate(() => Object.assign(document.querySelector('secure-meeting')!, { waitingRoom: true }));
  await joinThroughGate(page, { channel, password: `waiting-${channel}`, name });
  await el(host).getByRole('button', { name: `Admit ${name}` }).click({ timeout: 30_000 });
}

/** One run: ms from Admit to the newcomer's first decoded frame from the first member and from all three. */
async function admitOnce(browser: Browser, demo: DemoServer, channel: number): Promise<{ linked: number; first: number; all: number }> {
  const pages: Page[] = [];
  try {
    const host = await openMember(browser, demo.url);
    pages.push(host);
    await host.evaluate(() => Object.assign(document.querySelector('secure-meeting')!, { waitingRoom: true }));
    await joinThroughGate(host, { channel, password: `waiting-${channel}`, name: 'Host' });
    // Host once no one answered its hello: the hosts' toggle appears.
    await el(host).getByRole('button', { name: 'Waiting room' }).waitFor({ timeout: 30_000 });
    for (const name of ['One', 'Two']) {
      const page = await openMember(browser, demo.url);
      pages.push(page);
      await knockAndAdmit(host, page, name, channel);
    }
    for (const page of pages) {
      await page.waitForFunction(() => {
        const m = (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { controlOpen: boolean }> } | null }).meeting;
        return m?.peers.size === 2 && [...m.peers.values()].every((p) => p.controlOpen);
      }, null, { timeout: 30_000 });
    }
    await host.evaluate(() => {
      document.querySelector('secure-meeting')!.addEventListener('knock-admit', () => {
        Object.assign(window, { admittedAt: performance.timeOrigin + performance.now() });
      }, { once: true });
    });
    const newcomer = await openMember(browser, demo.url);
    pages.push(newcomer);
    await knockAndAdmit(host, newcomer, 'Newcomer', channel);
    const frames = await newcomer.evaluate(async () => {
      const meeting = (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { controlOpen: boolean }>; getPeerStats(id: string): Promise<{ framesDecoded: number } | undefined> } }).meeting;
      let first = 0;
      let linked = 0;
      const deadline = performance.now() + 60_000;
      while (performance.now() < deadline) {
        const decoding = (await Promise.all([...meeting.peers.keys()].map(async (id) => ((await meeting.getPeerStats(id))?.framesDecoded ?? 0) > 0))).filter(Boolean).length;
        const now = performance.timeOrigin + performance.now();
        if (decoding > 0 && first === 0) first = now;
        if (linked === 0 && [...meeting.peers.values()].filter((p) => p.controlOpen).length === 3) linked = now;
        if (decoding === 3) return { linked: linked || now, first, all: now };
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`the newcomer decoded frames from ${meeting.peers.size} members' links, not all 3, within 60 s of Admit`);
    });
    const admittedAt = await host.evaluate(() => (window as unknown as { admittedAt: number }).admittedAt);
    return { linked: frames.linked - admittedAt, first: frames.first - admittedAt, all: frames.all - admittedAt };
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
}

export async function admitFigures(browser: Browser, demo: DemoServer, channel: number, runs: number, median: (xs: number[]) => number): Promise<AdmitFigures> {
  const out: { linked: number; first: number; all: number }[] = [];
  for (let i = 0; i < runs; i++) out.push(await admitOnce(browser, demo, channel + i));
  const round = (x: number) => Math.round(x);
  return { linkedMs: round(median(out.map((r) => r.linked))), firstMs: round(median(out.map((r) => r.first))), allMs: round(median(out.map((r) => r.all))), runs };
}
