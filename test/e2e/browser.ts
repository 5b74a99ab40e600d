/**
 * Shared by the end-to-end tests and the benchmarks: Debian's Chromium with
 * fake camera and microphone, allowed to use loopback ICE candidates (the
 * suites run in a loopback-only network namespace, test/hermetic.sh).
 */
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AdapterName } from '../../components/index.js';
import { startDemoServer, type DemoServer } from '../../demo/server.js';

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

/** `fakeCameras`: how many fake cameras the browser lists (Chromium's default is one). */
export function launchBrowser({ fakeCameras = 1 }: { fakeCameras?: number } = {}): Promise<Browser> {
  const args = fakeCameras === 1 ? CHROMIUM_ARGS
    : CHROMIUM_ARGS.map((a) => (a === '--use-fake-device-for-media-stream' ? `${a}=device-count=${fakeCameras}` : a));
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

/** A new, isolated member (own context = own storage), on the demo page. */
export async function openMember(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  // tsx compiles functions passed to page.evaluate with esbuild's keepNames,
  // which wraps named inner functions in a __name() helper the page lacks.
  await context.addInitScript('globalThis.__name ??= (fn) => fn');
  await context.addInitScript(TRACK_CONNECTIONS);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await page.goto(url);
  await page.waitForFunction(() => customElements.get('secure-meeting') !== undefined);
  return page;
}

/**
 * Keeps every RTCPeerConnection the page makes in `window.smConnections`, so
 * a test can find one pair's sockets (links.ts's connectionPorts) and cut that link.
 */
export const TRACK_CONNECTIONS = `{
  const Native = RTCPeerConnection;
  const all = [];
  class Tracked extends Native {
    constructor(config) { super(config); all.push(this); }
  }
  Object.defineProperty(Tracked, 'generateCertificate', { value: Native.generateCertificate.bind(Native) });
  Object.assign(window, { RTCPeerConnection: Tracked, smConnections: all });
}`;

/** Fills the join gate the way a person would, and presses Join. */
export async function joinThroughGate(page: Page, { channel, password, name }: { channel: number; password: string; name: string }): Promise<void> {
  await page.getByLabel('Channel').fill(String(channel));
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join' }).click();
}

/**
 * A toolbar button by its name, opening "More" first when the toolbar had no
 * room for it (a host's toolbar holds more, and moves the rest there).
 */
export async function toolbarControl(page: Page, name: string | RegExp) {
  const bar = page.getByRole('group', { name: 'Meeting controls' });
  const button = bar.getByRole('button', { name });
  if (!(await button.isVisible())) {
    const more = bar.getByRole('button', { name: 'More' });
    if ((await more.getAttribute('aria-expanded')) !== 'true') await more.click();
  }
  return button;
}

/** Opens the participants panel from the toolbar, unless it is open. */
export async function openParticipants(page: Page): Promise<void> {
  const toggle = page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name: /^Participants/ });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.getByRole('region', { name: /^Participants/ }).waitFor({ timeout: 20_000 });
}

/**
 * A page of either driver: Playwright's (Chromium) or puppeteer-core's
 * (Firefox, test/e2e-firefox); the checks below only evaluate in it.
 */
export interface Evaluates {
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
}

/** A page of either driver that evaluates an expression's source. */
export interface EvaluatesSource {
  evaluate(expression: string): Promise<unknown>;
}

/** The toolbar's Chat button. */
const chatButton = (page: Page) => page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name: /^Chat/ });

/** Opens the chat panel (made when first opened), unless it is open, and waits for its message box. */
export async function openChat(page: Page): Promise<void> {
  const toggle = chatButton(page);
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.getByLabel('Message', { exact: true }).waitFor({ timeout: 20_000 });
}

/** The texts in the member's chat panel, as shown (opening it if needed). */
export async function chatTexts(page: Page): Promise<string[]> {
  await openChat(page);
  return page.evaluate(() => {
    const panel = document.querySelector('secure-meeting')!.shadowRoot!.querySelector('chat-panel');
    return [...(panel?.shadowRoot?.querySelectorAll('[part~=text]') ?? [])].map((e) => e.textContent ?? '');
  });
}

/** Sends a message as a person does: typed into the box, Enter pressed. */
export async function sendChat(page: Page, text: string): Promise<void> {
  await openChat(page);
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/** Names on the remote tiles this member sees. */
export function remoteTileNames(page: Evaluates): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.querySelector('secure-meeting')?.shadowRoot;
    return [...(root?.querySelectorAll('peer-tile:not([local])') ?? [])].map((t) => t.getAttribute('name') ?? '');
  });
}

export interface ReceiveStats { framesDecoded: number; audioPacketsReceived: number; videoWidth: number }

/** Per remote member: frames decoded and audio packets received (WebRTC getStats), and the tile's decoded width. */
export function receiveStats(page: Evaluates): Promise<Record<string, ReceiveStats>> {
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

/** Polls until check() returns truthy; fails with what it last saw. */
export async function eventually<T>(what: string, check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(last)}`);
}

export const sameMembers = (seen: string[], expected: string[]): boolean =>
  [...seen].sort().join() === [...expected].sort().join();

/** Points the page's <secure-meeting> at a relay, as a site owner would with attributes and the adapterOptions property. */
export async function useRelay(page: Page, adapter: AdapterName, relay: string, adapterOptions: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    ([a, r, o]) => Object.assign(document.querySelector('secure-meeting')!, { adapter: a, relay: r, adapterOptions: o }),
    [adapter, relay, adapterOptions] as const,
  );
}

/**
 * Every member sees a tile for each other member, and from each of them video
 * frames keep decoding and audio packets keep arriving (not just "connected").
 */
export async function expectEveryoneSeesAndHearsEveryone(members: ReadonlyMap<string, Evaluates>): Promise<void> {
  const names = [...members.keys()];
  for (const [name, page] of members) {
    const others = names.filter((n) => n !== name);
    await eventually(`${name} to see tiles for ${others}`, async () => sameMembers(await remoteTileNames(page), others));
  }
  const first = new Map<string, Record<string, ReceiveStats>>();
  for (const [name, page] of members) first.set(name, await receiveStats(page));
  for (const [name, page] of members) {
    await eventually(`${name} to decode video and receive audio from every other member`, async () => {
      const now = await receiveStats(page);
      const before = first.get(name)!;
      return names.filter((n) => n !== name).every((n) =>
        now[n] && before[n] &&
        now[n].framesDecoded > before[n].framesDecoded + 10 &&
        now[n].audioPacketsReceived > before[n].audioPacketsReceived + 10 &&
        now[n].videoWidth > 0);
    });
  }
}

/**
 * Members who join one after another through the gate, each page first
 * made ready by `prepare` (if given), until everyone sees and hears everyone.
 */
export async function meetThroughGate(
  browser: Browser,
  url: string,
  names: readonly string[],
  fields: { channel: number; password: string },
  prepare: (name: string, page: Page) => Promise<void> = async () => {},
): Promise<Map<string, Page>> {
  const members = new Map<string, Page>();
  for (const name of names) {
    const page = await openMember(browser, url);
    await prepare(name, page);
    await joinThroughGate(page, { ...fields, name });
    members.set(name, page);
  }
  await expectEveryoneSeesAndHearsEveryone(members);
  return members;
}

/** The demo server, a browser and members who met there through the gate: a suite's whole setup; `close()` ends it. */
export interface DemoMeeting { demo: DemoServer; browser: Browser; members: Map<string, Page>; close(): Promise<void> }

export async function demoMeeting(names: readonly string[], fields: { channel: number; password: string }): Promise<DemoMeeting> {
  const demo = await startDemoServer({ port: 0 });
  const browser = await launchBrowser();
  const close = async () => {
    await browser.close();
    await demo.close();
  };
  try {
    return { demo, browser, members: await meetThroughGate(browser, demo.url, names, fields), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The demo server and one browser for a whole test file: started in a
 * `before` hook, closed in an `after` hook (60 s budget each). Read them
 * from the returned object inside tests.
 */
export function demoAndBrowserForFile(): { readonly demo: DemoServer; readonly browser: Browser } {
  const held: { demo?: DemoServer; browser?: Browser } = {};
  before(async () => {
    held.demo = await startDemoServer({ port: 0 });
    held.browser = await launchBrowser();
  }, { timeout: 60_000 });
  after(async () => {
    await held.browser?.close();
    await held.demo?.close();
  }, { timeout: 60_000 });
  return {
    get demo() { return held.demo as DemoServer; },
    get browser() { return held.browser as Browser; },
  };
}

/** The candidate types of the pair each open connection uses, on both ends (connections kept in `smConnections`). */
export function selectedTypes(page: Page): Promise<Array<{ local: string; remote: string }>> {
  return page.evaluate(async () => {
    type Report = { type: string; selectedCandidatePairId?: string; localCandidateId?: string; remoteCandidateId?: string; candidateType?: string };
    const out: Array<{ local: string; remote: string }> = [];
    for (const pc of (window as unknown as { smConnections: RTCPeerConnection[] }).smConnections) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      stats.forEach((r: Report) => {
        if (r.type !== 'transport' || r.selectedCandidatePairId === undefined) return;
        const pair = stats.get(r.selectedCandidatePairId) as Report | undefined;
        const local = (stats.get(pair?.localCandidateId ?? '') as Report | undefined)?.candidateType;
        const remote = (stats.get(pair?.remoteCandidateId ?? '') as Report | undefined)?.candidateType;
        if (local && remote) out.push({ local, remote });
      });
    }
    return out;
  });
}

/** Everything in every IndexedDB database of the page, bytes read as UTF-8, Latin-1 and UTF-16, with the names of databases and stores. */
export const dumpIndexedDb = (page: Evaluates) => page.evaluate(async () => {
  const show = (v: unknown): string => {
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
      const b = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      return [new TextDecoder().decode(b), Array.from(b, (c) => String.fromCharCode(c)).join(''), new TextDecoder('utf-16le').decode(b)].join('|');
    }
    if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}:${show(x)}`).join(',');
    return String(v);
  };
  const ask = <T>(r: IDBRequest<T>) => new Promise<T>((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  const lines: string[] = [];
  let records = 0;
  for (const { name } of await indexedDB.databases()) {
    const open = indexedDB.open(name!);
    const db = await ask(open);
    for (const store of db.objectStoreNames) {
      const s = db.transaction(store).objectStore(store);
      const [values, keys] = [await ask(s.getAll()), await ask(db.transaction(store).objectStore(store).getAllKeys())];
      records += values.length;
      lines.push(`${name}/${store}: ${keys.map(show).join(' ')} ${values.map(show).join('\n')}`);
    }
    db.close();
  }
  return { dump: lines.join('\n'), records };
});
