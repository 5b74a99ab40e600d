/**
 * Debian's firefox-esr driven by puppeteer-core over WebDriver BiDi (no
 * browser download: Playwright's Firefox is a build of its own), with fake
 * camera and microphone and ICE on this machine's addresses. Members are
 * driven through the element's own API and DOM, as a page script would.
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { AdapterName } from '../../components/index.js';

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
): Promise<void> {
  await page.evaluate(
    async (r, f) => {
      const el = document.querySelector('secure-meeting') as unknown as HTMLElement & {
        adapter: string;
        relay: string;
        adapterOptions: unknown;
        join(f: unknown): Promise<void>;
      };
      Object.assign(el, { adapter: r.adapter, relay: r.url, adapterOptions: r.options ?? {} });
      await el.join(f);
    },
    relay,
    fields,
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
function openChat(page: Page): Promise<void> {
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
  await openChat(page);
  await page.evaluate(`(() => {
    ${DEEP}
    [...deep(document)].find((e) => e.tagName === 'CHAT-PANEL').shadowRoot.querySelector('#input').focus();
  })()`);
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** The chat texts the member's panel shows (opening it if needed). */
export async function firefoxChatTexts(page: Page): Promise<string[]> {
  await openChat(page);
  return page.evaluate(`(() => {
    ${DEEP}
    const panel = [...deep(document)].find((e) => e.tagName === 'CHAT-PANEL');
    return [...(panel?.shadowRoot?.querySelectorAll('[part~=text]') ?? [])].map((e) => e.textContent ?? '');
  })()`) as Promise<string[]>;
}
