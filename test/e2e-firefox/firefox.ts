/**
 * Debian's firefox-esr driven by puppeteer-core over WebDriver BiDi (no
 * browser download: Playwright's Firefox is a build of its own), with fake
 * camera and microphone and ICE on this machine's addresses. Members are
 * driven through the element's own API and DOM, as a page script would.
 */
import type { Browser as Chromium, Page as ChromiumPage } from 'playwright-core';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { AdapterName } from '../../components/index.js';
import { after, before } from 'node:test';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { TRACK_CONNECTIONS, expectEveryoneSeesAndHearsEveryone, joinThroughGate, launchBrowser, openMember, useRelay, type Evaluates, type EvaluatesSource } from '../e2e/browser.js';

export type { EvaluatesSource };

export const FIREFOX = process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr';

/**
 * Firefox, headless unless given an X `display` (startDisplay): on one it runs headful, and a screen share
 * captures that display (headless Firefox has no screen to capture).
 */
export function launchFirefox({ display }: { display?: string } = {}): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: display === undefined,
    ...(display === undefined ? {} : { env: { ...process.env, DISPLAY: display } }),
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      // Host candidates on loopback and on the test namespace's own address, as plain addresses.
      'media.peerconnection.ice.loopback': true,
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'media.autoplay.default': 0,
      'media.autoplay.blocking_policy': 0,
    },
  });
}

/** A virtual X display (Debian's Xvfb, 1280×720) for a headful Firefox; Xvfb picks a free display number. */
export async function startDisplay(): Promise<{ display: string; close(): void }> {
  const xvfb = spawn(process.env['XVFB_PATH'] ?? 'Xvfb', ['-displayfd', '3', '-screen', '0', '1280x720x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  xvfb.stderr!.on('data', (chunk: Buffer) => void (errors = (errors + chunk.toString()).slice(-2000)));
  const number = await new Promise<string>((resolve, reject) => {
    let out = '';
    (xvfb.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    xvfb.once('error', (error) => reject(new Error(`secure-meeting tests: Xvfb did not start (${error.message}); install xvfb`)));
    xvfb.once('exit', (code) => reject(new Error(`secure-meeting tests: Xvfb exited with ${code}: ${errors.trim()}`)));
  });
  return { display: `:${number}`, close: () => void xvfb.kill() };
}

/**
 * A new member in its own browser context (own storage) and its own window, on the demo page. Its own
 * window keeps it in view: a tab behind another is hidden, and a hidden page asks for no video.
 */
export async function openFirefoxMember(browser: Browser, url: string): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage({ type: 'window' });
  // As in Chromium (openMember): window.smConnections, and the __name helper tsx's keepNames needs.
  await page.evaluateOnNewDocument('globalThis.__name ??= (fn) => fn');
  await page.evaluateOnNewDocument(TRACK_CONNECTIONS);
  page.on('pageerror', (error) => console.error(`[firefox page error] ${String(error)}`));
  await page.goto(url);
  await page.waitForFunction(() => customElements.get('secure-meeting') !== undefined);
  return page;
}

/** Points the element at a relay and joins with the element's join(), resolving once it is in. */
export async function joinFirefox(
  page: Page,
  relay: { adapter: AdapterName; url: string; options?: Record<string, unknown> },
  fields: { channel: number; password: string; name: string },
  { waitingRoom = false, wait = true }: { waitingRoom?: boolean; wait?: boolean } = {},
): Promise<void> {
  await page.evaluate(
    async (r, f, waitingRoom, wait) => {
      const el = document.querySelector('secure-meeting') as unknown as HTMLElement & {
        adapter: string;
        relay: string;
        adapterOptions: unknown;
        waitingRoom: boolean;
        join(f: unknown): Promise<void>;
      };
      Object.assign(el, { adapter: r.adapter, relay: r.url, adapterOptions: r.options ?? {}, waitingRoom });
      const joined = el.join(f);
      // Not waited for (a waiting room holds it): a failure still shows on the page.
      if (wait) await joined;
      else joined.catch((e: unknown) => console.error(`[join failed] ${String(e)}`));
    },
    relay,
    fields,
    waitingRoom,
    wait,
  );
}

/**
 * Joins as a person does in the form: the relay set on the element as a page would, then each field focused and
 * typed into, the given boxes ticked (by their label), and Join pressed with a real key press.
 */
export async function joinFirefoxThroughGate(
  page: Page, relay: { adapter: AdapterName; url: string }, fields: { channel: number; password: string; name: string }, tick: readonly string[] = [],
): Promise<void> {
  await page.evaluate((r) => void Object.assign(document.querySelector('secure-meeting')!, { adapter: r.adapter, relay: r.url }), relay);
  const focus = (id: string) => inFirefox<boolean>(page, `(deep) => {
    const input = [...deep(document)].find((e) => e.tagName === 'INPUT' && e.id === ${JSON.stringify(id)});
    input?.focus();
    if (input) input.value = '';
    return input !== undefined;
  }`);
  for (const [id, text] of [['channel', String(fields.channel)], ['password', fields.password], ['name', fields.name]] as const) {
    if (!(await focus(id))) throw new Error(`no #${id} in the Firefox member's join form`);
    await page.keyboard.type(text);
  }
  for (const label of tick) {
    const ticked = await inFirefox<boolean>(page, `(deep) => {
      const box = [...deep(document)].find((e) => e.tagName === 'LABEL' && e.textContent.trim() === ${JSON.stringify(label)})?.querySelector('input[type=checkbox]');
      if (box && !box.checked) box.click();
      return box?.checked === true;
    }`);
    if (!ticked) throw new Error(`no box "${label}" to tick in the Firefox member's join form`);
  }
  await pressFirefoxByKey(page, /^Join$/);
}

/** Every element under `root`, through open shadow roots: the page's own way to find the chat box. */
const DEEP = `function* deep(root) { for (const el of root.querySelectorAll('*')) { yield el; if (el.shadowRoot) yield* deep(el.shadowRoot); } }`;

/** Presses one of the member's buttons, found by its accessible text (aria-label, else its text), as a person would. */
export async function pressFirefox(page: Page, name: RegExp): Promise<void> {
  const pressed = await page.evaluate(`(() => {
    ${DEEP}
    const label = (e) => (e.getAttribute('aria-label') ?? e.textContent ?? '').trim();
    const button = [...deep(document)].find((e) => e.tagName === 'BUTTON' && ${name}.test(label(e)));
    button?.click();
    return button !== undefined;
  })()`);
  if (!pressed) throw new Error(`no button ${name} on the Firefox member's page`);
}

/**
 * Presses one of the member's buttons with a real key press (Enter on it, focused), for what a browser allows only on
 * a person's own gesture (a screen share). A button the toolbar moved under "More" is reached by opening More first.
 */
export async function pressFirefoxByKey(page: Page, name: RegExp): Promise<void> {
  const focused = await page.evaluate(`(async () => {
    ${DEEP}
    const label = (e) => (e.getAttribute('aria-label') ?? e.textContent ?? '').trim();
    const find = (test) => [...deep(document)].find((e) => e.tagName === 'BUTTON' && test(label(e)));
    const button = find((l) => ${name}.test(l));
    if (!button) return false;
    if (!button.checkVisibility()) {
      const more = find((l) => l === 'More');
      if (more && more.getAttribute('aria-expanded') !== 'true') more.click();
      for (let i = 0; i < 50 && !button.checkVisibility(); i++) await new Promise((r) => setTimeout(r, 100));
    }
    button.focus();
    return button.getRootNode().activeElement === button;
  })()`);
  if (!focused) throw new Error(`no button ${name} to focus on the Firefox member's page`);
  await page.keyboard.press('Enter');
}

/** Every status line and alert the member's page shows now. */
export function firefoxStatusTexts(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    ${DEEP}
    return [...deep(document)].filter((e) => ['status', 'alert'].includes(e.getAttribute('role'))).map((e) => e.textContent.trim()).filter(Boolean);
  })()`) as Promise<string[]>;
}

/** Opens the chat panel (it is made when first opened) and waits for its message box. */
export function openFirefoxChat(page: Page): Promise<void> {
  return page.evaluate(`(async () => {
    ${DEEP}
    const find = (test) => [...deep(document)].find(test);
    const label = (e) => (e.getAttribute('aria-label') ?? e.textContent ?? '').trim();
    const toggle = find((e) => e.tagName === 'BUTTON' && /^Chat/.test(label(e)));
    if (toggle.getAttribute('aria-expanded') !== 'true') toggle.click();
    const box = () => find((e) => e.tagName === 'CHAT-PANEL')?.shadowRoot?.querySelector('#input');
    for (let i = 0; i < 100 && !box(); i++) await new Promise((r) => setTimeout(r, 100));
  })()`) as Promise<void>;
}

/** Sends a message the way a person does: typed into the chat box, Enter pressed. */
export async function sendFirefoxChat(page: Page, text: string): Promise<void> {
  await openFirefoxChat(page);
  await page.evaluate(`(() => {
    ${DEEP}
    [...deep(document)].find((e) => e.tagName === 'CHAT-PANEL').shadowRoot.querySelector('#input').focus();
  })()`);
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** The chat texts the member's panel shows (opening it if needed). */
export async function firefoxChatTexts(page: Page): Promise<string[]> {
  await openFirefoxChat(page);
  return page.evaluate(`(() => {
    ${DEEP}
    const panel = [...deep(document)].find((e) => e.tagName === 'CHAT-PANEL');
    return [...(panel?.shadowRoot?.querySelectorAll('[part~=text]') ?? [])].map((e) => e.textContent ?? '');
  })()`) as Promise<string[]>;
}

/** Runs `body` (a function's source, given `deep`, the walk through shadow roots) in a member's page, of either browser. */
export function inPage<T>(page: EvaluatesSource, body: string): Promise<T> {
  return page.evaluate(`(async () => { ${DEEP}\n return (${body})(deep); })()`) as Promise<T>;
}

/** Runs `body` as `inPage` does, in the Firefox member's page. */
export const inFirefox = <T>(page: Page, body: string): Promise<T> => inPage<T>(page, body);

/** Whether the member's page has a button whose accessible text matches `name` now. */
export const firefoxHasButton = (page: Page, name: RegExp): Promise<boolean> => inFirefox<boolean>(page, `(deep) => {
  const label = (e) => (e.getAttribute('aria-label') ?? e.textContent ?? '').trim();
  return [...deep(document)].some((e) => e.tagName === 'BUTTON' && ${name}.test(label(e)));
}`);

export interface Relay {
  adapter: AdapterName;
  url: string;
}

export interface CrossMeeting {
  /** The password everyone joined with, for a newcomer (or a rejoin) in a test. */
  password: string;
  chromiumPages: ChromiumPage[];
  firefoxPages: Page[];
  /** Every member by name, each page as `Evaluates`. */
  members: Map<string, Evaluates>;
  close(): Promise<void>;
}

/**
 * Members join in the order of `lineup`, each in its own context of its browser, on the demo page
 * (`pageUrl`): Chromium through the form, Firefox through join(). Resolves once each decodes every
 * other's video and receives their audio.
 */
export async function meetAcross(
  browsers: { chromium: Chromium; firefox: Browser },
  pageUrl: string,
  relay: Relay,
  channel: number,
  lineup: Array<['chromium' | 'firefox', string]>,
  /** Run on each member's page before it joins (to lend it media, say). */
  prepare: (name: string, page: Evaluates) => Promise<void> = async () => {},
): Promise<CrossMeeting> {
  const page = relay.adapter === 'mqtt' ? `${pageUrl}?relay=mqtt` : pageUrl;
  const fields = { channel, password: `cross-browser-${channel}` };
  const members = new Map<string, Evaluates>();
  const chromiumPages: ChromiumPage[] = [];
  const firefoxPages: Page[] = [];
  for (const [kind, name] of lineup) {
    if (kind === 'chromium') {
      const member = await openMember(browsers.chromium, page);
      await useRelay(member, relay.adapter, relay.url);
      await prepare(name, member);
      await joinThroughGate(member, { ...fields, name });
      chromiumPages.push(member);
      members.set(name, member);
    } else {
      const member = await openFirefoxMember(browsers.firefox, page);
      await prepare(name, member as unknown as Evaluates);
      await joinFirefox(member, relay, { ...fields, name });
      firefoxPages.push(member);
      members.set(name, member as unknown as Evaluates);
    }
  }
  await expectEveryoneSeesAndHearsEveryone(members);
  return {
    password: fields.password,
    chromiumPages,
    firefoxPages,
    members,
    close: async () => {
      for (const member of chromiumPages) await member.context().close();
      for (const member of firefoxPages) await member.browserContext().close();
    },
  };
}

/** What a file of cross-browser tests shares: the demo server (its ws relay), Chromium and Firefox. */
export interface BothBrowsers {
  readonly demo: DemoServer;
  readonly chromium: Chromium;
  readonly firefox: Browser;
  /** The demo's own WebSocket relay. */
  readonly relay: Relay;
}

/**
 * Starts the demo, Chromium and Firefox before the file's tests (in the `describe` it is called in) and stops them
 * after. With `display`, Firefox runs headful on a virtual X display of its own (startDisplay).
 */
export function bothBrowsersForFile({ display = false }: { display?: boolean } = {}): BothBrowsers {
  const held: { demo?: DemoServer; chromium?: Chromium; firefox?: Browser; screen?: { display: string; close(): void } } = {};
  before(async () => {
    held.demo = await startDemoServer({ port: 0 });
    held.chromium = await launchBrowser();
    if (display) held.screen = await startDisplay();
    held.firefox = await launchFirefox(held.screen ? { display: held.screen.display } : {});
  }, { timeout: 90_000 });
  after(async () => {
    await held.firefox?.close();
    held.screen?.close();
    await held.chromium?.close();
    await held.demo?.close();
  }, { timeout: 60_000 });
  return {
    get demo() { return held.demo as DemoServer; },
    get chromium() { return held.chromium as Chromium; },
    get firefox() { return held.firefox as Browser; },
    get relay(): Relay { return { adapter: 'ws', url: `${held.demo!.url.replace(/^http/, 'ws').replace(/\/$/, '')}/relay/[TOPIC]` }; },
  };
}
