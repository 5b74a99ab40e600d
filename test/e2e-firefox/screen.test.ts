/**
 * A screen shared from Firefox: Debian's firefox-esr, headful on a virtual X
 * display (Xvfb), since headless Firefox has no screen to capture (the
 * cross-browser suite shows that refusal said in words). Its Share screen is
 * pressed with a real key press, as getDisplayMedia needs a person's gesture;
 * with the permission prompt off, Firefox captures the display itself. A
 * Chromium member (Playwright) shows that screen in its spotlight, decoding,
 * with who presents, until Firefox stops. Run by `npm run test:firefox` in
 * test/hermetic-firefox.sh's namespace.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, expectEveryoneSeesAndHearsEveryone, launchBrowser } from '../e2e/browser.js';
import { bothBrowsersForFile, inFirefox, inPage, meetAcross, pressFirefoxByKey, type EvaluatesSource } from './firefox.js';

/** The screen in this page's spotlight: who presents, and the width of the picture decoded; null when there is none. */
const spotlight = (page: EvaluatesSource) => inPage<{ caption: string; width: number } | null>(page, `(deep) => {
  const frame = [...deep(document)].find((e) => (e.getAttribute('part') ?? '').split(' ').includes('screen-frame'));
  return frame ? { caption: frame.querySelector('[part~=presenter]').textContent.trim(), width: frame.querySelector('video').videoWidth } : null;
}`);

describe('a screen shared from Firefox', () => {
  const both = bothBrowsersForFile({ display: true });

  test('Firefox shares its screen: Chromium shows it decoded, with who presents, until Firefox stops', { timeout: 150_000 }, async () => {
    const meeting = await meetAcross(both, both.demo.url, both.relay, 831, [['chromium', 'Chromium A'], ['firefox', 'Firefox F']]);
    try {
      const [a] = meeting.chromiumPages;
      const [f] = meeting.firefoxPages;
      const sharing = () => inFirefox<string | null>(f!, `(deep) => [...deep(document)].find((e) => e.tagName === 'BUTTON' && /^Share screen/.test(e.textContent.trim()))?.getAttribute('aria-pressed') ?? null`);
      assert.equal(await sharing(), 'false');

      await pressFirefoxByKey(f!, /^Share screen/);
      await eventually('Firefox to say it shares', async () => (await sharing()) === 'true', 30_000);
      // The display is 1280×720: Chromium decodes a real picture of it, at least half wide.
      const shown = await eventually('Chromium to show Firefox\'s screen, decoded', async () => {
        const s = await spotlight(a!);
        return s && s.width >= 640 ? s : null;
      }, 40_000);
      assert.equal(shown!.caption, 'Firefox F is presenting');
      const own = await eventually('Firefox to show its own screen in its spotlight', () => spotlight(f!), 20_000);
      assert.equal(own!.caption, 'You are presenting');

      await pressFirefoxByKey(f!, /^Share screen/);
      await eventually('the screen to leave Chromium\'s spotlight when Firefox stops', async () => (await spotlight(a!)) === null, 30_000);
      assert.equal(await sharing(), 'false');
      await expectEveryoneSeesAndHearsEveryone(meeting.members);
    } finally {
      await meeting.close();
    }
  });
});
