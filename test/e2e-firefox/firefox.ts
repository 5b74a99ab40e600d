/**
 * Debian's firefox-esr driven by puppeteer-core over WebDriver BiDi (no
 * browser download: Playwright's Firefox is a build of its own), with fake
 * camera and microphone and ICE on this machine's addresses. Members are
 * driven through the element's own API and DOM, as a page script would.
 */
import type { Browser as Chromium, Page as ChromiumPage } from 'playwright-core';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { AdapterName } from '../../components/index.js';
import { expectEveryoneSeesAndHearsEveryone, joinThroughGate, openMember, useRelay, type Evaluates } from '../e2e/browser.js';

export const FIREFOX = process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr';

export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
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

/** A new member in its own browser context (own storage), on the demo page. */
export async function openFirefoxMember(browser: Browser, url: string): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
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

/** Runs `body` (a function's source, given `deep`, the walk through shadow roots) in the member's page. */
export function inFirefox<T>(page: Page, body: string): Promise<T> {
  return page.evaluate(`(async () => { ${DEEP}\n return (${body})(deep); })()`) as Promise<T>;
}

export interface Relay {
  adapter: AdapterName;
  url: string;
}

export interface CrossMeeting {
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
      await joinThroughGate(member, { ...fields, name });
      chromiumPages.push(member);
      members.set(name, member);
    } else {
      const member = await openFirefoxMember(browsers.firefox, page);
      await joinFirefox(member, relay, { ...fields, name });
      firefoxPages.push(member);
      members.set(name, member as unknown as Evaluates);
    }
  }
  await expectEveryoneSeesAndHearsEveryone(members);
  return {
    chromiumPages,
    firefoxPages,
    members,
    close: async () => {
      for (const member of chromiumPages) await member.context().close();
      for (const member of firefoxPages) await member.browserContext().close();
    },
  };
}
