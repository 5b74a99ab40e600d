/**
 * Shared by the end-to-end tests and the benchmarks: Debian's Chromium with
 * fake camera and microphone, allowed to use loopback ICE candidates (the
 * suites run in a loopback-only network namespace, test/hermetic.sh).
 */
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  // Host candidates as plain addresses, not mDNS names nobody here resolves.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A new, isolated member (own context = own storage), on the demo page. */
export async function openMember(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  // tsx compiles functions passed to page.evaluate with esbuild's keepNames,
  // which wraps named inner functions in a __name() helper the page lacks.
  await context.addInitScript('globalThis.__name ??= (fn) => fn');
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await page.goto(url);
  await page.waitForFunction(() => customElements.get('secure-meeting') !== undefined);
  return page;
}

/** Fills the join gate the way a person would, and presses Join. */
export async function joinThroughGate(page: Page, { channel, password, name }: { channel: number; password: string; name: string }): Promise<void> {
  await page.getByLabel('Channel').fill(String(channel));
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join' }).click();
}

/** Names on the remote tiles this member sees. */
export function remoteTileNames(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.querySelector('secure-meeting')?.shadowRoot;
    return [...(root?.querySelectorAll('peer-tile:not([local])') ?? [])].map((t) => t.getAttribute('name') ?? '');
  });
}

export interface ReceiveStats { framesDecoded: number; audioPacketsReceived: number; videoWidth: number }

/** Per remote member: frames decoded and audio packets received (WebRTC getStats), and the tile's decoded width. */
export function receiveStats(page: Page): Promise<Record<string, ReceiveStats>> {
  return page.evaluate(async () => {
    const el = document.querySelector('secure-meeting') as unknown as {
      meeting: { peers: Map<string, { name: string }>; getPeerStats(id: string): Promise<{ framesDecoded: number; audioPacketsReceived: number }> };
      shadowRoot: ShadowRoot;
    };
    const out: Record<string, ReceiveStats> = {};
    for (const [id, peer] of el.meeting.peers) {
      const stats = await el.meeting.getPeerStats(id);
      const tile = [...el.shadowRoot.querySelectorAll('peer-tile:not([local])')].find((t) => t.getAttribute('name') === peer.name);
      const video = tile?.shadowRoot?.querySelector('video');
      out[peer.name] = { framesDecoded: stats?.framesDecoded ?? 0, audioPacketsReceived: stats?.audioPacketsReceived ?? 0, videoWidth: video?.videoWidth ?? 0 };
    }
    return out;
  });
}
