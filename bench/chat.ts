/**
 * Chat delivery latency between three members: each sends `perMember`
 * messages (4 a second, under the chat's rate limit, so none waits in our
 * own queue); each message carries its send time, read in the sending page
 * as performance.timeOrigin + performance.now(), and every other member
 * notes the same clock when the message reaches it (the `chat` event).
 * All pages run in one browser on one machine, so their clocks agree.
 */
import type { Browser, Page } from 'playwright-core';
import type { DemoServer } from '../demo/server.js';
import { joinThroughGate, openMember } from '../test/e2e/browser.js';

export interface ChatLatency { samples: number; p50Ms: number; p99Ms: number }

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

export async function chatLatency(browser: Browser, demo: DemoServer, channel: number, perMember = 30): Promise<ChatLatency> {
  const pages: Page[] = [];
  try {
    for (const name of ['One', 'Two', 'Three']) {
      const page = await openMember(browser, demo.url);
      pages.push(page);
      await joinThroughGate(page, { channel, password: `chat-${channel}`, name });
    }
    for (const page of pages) {
      await page.waitForFunction(() => {
        const m = (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { controlOpen: boolean }> } | null }).meeting;
        return m?.peers.size === 2 && [...m.peers.values()].every((p) => p.controlOpen);
      }, null, { timeout: 30_000 });
      await page.evaluate(() => {
        const latencies: number[] = [];
        Object.assign(window, { latencies });
        const meeting = (document.querySelector('secure-meeting') as unknown as { meeting: EventTarget }).meeting;
        meeting.addEventListener('chat', (e) => {
          const now = performance.timeOrigin + performance.now();
          const { change, added } = e as unknown as { change: string; added: { text: string }[] };
          if (change !== 'received') return;
          for (const m of added) latencies.push(now - Number(m.text.split(' ')[1]));
        });
      });
    }
    await Promise.all(pages.map((page) => page.evaluate(async (n) => {
      const { chat } = await import('/dist/secure-meeting.bundle.js' as string);
      const meeting = (document.querySelector('secure-meeting') as unknown as { meeting: { feature(f: unknown): { send(t: string): void } } }).meeting;
      for (let i = 0; i < n; i++) {
        meeting.feature(chat).send(`bench ${performance.timeOrigin + performance.now()} #${i}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }, perMember)));
    const expected = 2 * perMember;
    for (const page of pages) {
      await page.waitForFunction((n) => (window as unknown as { latencies: number[] }).latencies.length >= n, expected, { timeout: 30_000 });
    }
    const all = (await Promise.all(pages.map((p) => p.evaluate(() => (window as unknown as { latencies: number[] }).latencies)))).flat().sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 10) / 10;
    return { samples: all.length, p50Ms: round(quantile(all, 0.5)), p99Ms: round(quantile(all, 0.99)) };
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
}
