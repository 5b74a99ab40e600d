/**
 * The features beyond seeing, hearing and chat, with a Firefox member beside
 * a Chromium one (Debian's firefox-esr through puppeteer-core, Playwright's
 * Chromium), over our ws relay: files both ways with the same bytes; the
 * waiting room and a host's controls acting on a Firefox member whose page
 * speaks German; connection quality and per-receiver video with Firefox as
 * the receiver and as the sender; a Chromium screen shown in Firefox, the
 * safety codes both compute, and the join window locked and opened again from Firefox. Run by `npm run test:firefox` in
 * test/hermetic-firefox.sh's namespace.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Page as FirefoxPage } from 'puppeteer-core';
import de from '../../components/i18n/de.js';
import { eventually, expectEveryoneSeesAndHearsEveryone, joinThroughGate, openChat, openMember, openParticipants, toolbarControl, useRelay, type Evaluates } from '../e2e/browser.js';
import { bothBrowsersForFile, inFirefox, joinFirefox, meetAcross, openFirefoxChat, openFirefoxMember, pressFirefox } from './firefox.js';

/** The bytes each side sends: a pattern both the test and the page can make. */
const pattern = (length: number, mul: number, add: number, mod: number) => Buffer.from(Array.from({ length }, (_, i) => (i * mul + add) % mod));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** What a member's page shows of its remote tiles, by name: hand, microphone, quality level and its words. */
const tiles = (page: Evaluates) => page.evaluate(() => Object.fromEntries(
  [...document.querySelector('secure-meeting')!.shadowRoot!.querySelectorAll('peer-tile:not([local])')].map((t) => [t.getAttribute('name') ?? '', {
    hand: t.hasAttribute('hand-raised'),
    muted: t.hasAttribute('audio-muted'),
    quality: t.getAttribute('quality') ?? '',
    label: t.shadowRoot?.querySelector('[part~=quality]')?.getAttribute('aria-label') ?? '',
  }]))) as Promise<Record<string, { hand: boolean; muted: boolean; quality: string; label: string }>>;

/** A page of either driver that evaluates a function given one argument. */
interface EvaluatesWith {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}

/** The greatest height of the video a member encodes toward `name` now (its outbound-rtp). */
const sendsHeight = (page: EvaluatesWith, name: string) => page.evaluate(async (who: string) => {
  type P = { name: string; rtp?: { stats(): Promise<RTCStatsReport> } };
  const meeting = (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, P> } }).meeting;
  const peer = [...meeting.peers.values()].find((p) => p.name === who);
  let height = 0;
  (await peer?.rtp?.stats())?.forEach((s: { type: string; kind?: string; frameHeight?: number }) => {
    if (s.type === 'outbound-rtp' && s.kind === 'video') height = Math.max(height, s.frameHeight ?? 0);
  });
  return height;
}, name);

/** A part's text and aria-pressed in the Firefox member's page (through shadow roots). */
const firefoxPart = (page: FirefoxPage, part: string) => inFirefox<{ text: string; pressed: string | null } | null>(page, `(deep) => {
  const e = [...deep(document)].find((e) => (e.getAttribute('part') ?? '').split(' ').includes(${JSON.stringify(part)}));
  return e ? { text: e.textContent.trim(), pressed: e.getAttribute('aria-pressed') } : null;
}`);

describe('Firefox members use every feature', () => {
  const both = bothBrowsersForFile();

  test('files both ways: each side saves the bytes the other sent', { timeout: 150_000 }, async () => {
    const meeting = await meetAcross(both, both.demo.url, both.relay, 801, [['chromium', 'Chromium A'], ['firefox', 'Firefox F']]);
    try {
      const [a] = meeting.chromiumPages;
      const [f] = meeting.firefoxPages;

      // Chromium sends through "Send file"; Firefox keeps the Blob its Save hands to a download.
      const toFirefox = pattern(150_000, 31, 7, 251);
      await f!.evaluate(() => {
        const saved: Blob[] = [];
        const make = URL.createObjectURL.bind(URL);
        URL.createObjectURL = (o: Blob | MediaSource) => {
          if (o instanceof Blob) saved.push(o);
          return make(o);
        };
        Object.assign(window, { smSaved: saved });
      });
      await openChat(a!);
      const picking = a!.waitForEvent('filechooser', { timeout: 20_000 });
      await a!.getByRole('button', { name: 'Send file' }).click();
      await (await picking).setFiles({ name: 'from-chromium.bin', mimeType: 'application/octet-stream', buffer: toFirefox });
      await openFirefoxChat(f!);
      await eventually('Firefox to offer Save', async () => {
        try {
          await pressFirefox(f!, /^Save$/);
          return true;
        } catch {
          return false;
        }
      }, 60_000);
      const got = await eventually('Firefox to hand the file to a download', () => f!.evaluate(async () => {
        const blob = (window as unknown as { smSaved: Blob[] }).smSaved.at(-1);
        if (!blob) return null;
        const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
        return { size: blob.size, sha: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
      }));
      assert.deepEqual(got, { size: toFirefox.length, sha: sha256(toFirefox) }, 'Firefox saved the bytes Chromium sent');

      // Firefox sends: the file input in its chat panel, given a file as a person's pick would.
      const toChromium = pattern(120_000, 17, 3, 241);
      await inFirefox(f!, `(deep) => {
        const input = [...deep(document)].find((e) => e.tagName === 'INPUT' && e.type === 'file');
        const bytes = Uint8Array.from({ length: ${toChromium.length} }, (_, i) => (i * 17 + 3) % 241);
        const picked = new DataTransfer();
        picked.items.add(new File([bytes], 'from-firefox.bin', { type: 'application/octet-stream' }));
        input.files = picked.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      }`);
      const save = a!.locator('file-transfer').filter({ hasText: 'from-firefox.bin' }).getByRole('button', { name: 'Save' });
      await save.waitFor({ timeout: 60_000 });
      const downloading = a!.waitForEvent('download', { timeout: 20_000 });
      await save.click();
      const download = await downloading;
      assert.equal(download.suggestedFilename(), 'from-firefox.bin');
      const chunks: Buffer[] = [];
      for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
      assert.equal(sha256(Buffer.concat(chunks)), sha256(toChromium), 'Chromium saved the bytes Firefox sent');
    } finally {
      await meeting.close();
    }
  });

  test('a Firefox member in German waits until the Chromium host admits it; the host mutes it and lowers its hand, and it is told in German', { timeout: 150_000 }, async () => {
    const fields = { channel: 802, password: 'firefox-waiting-room' };
    const a = await openMember(both.chromium, both.demo.url);
    let f: FirefoxPage | null = null;
    try {
      await a.evaluate(() => Object.assign(document.querySelector('secure-meeting')!, { waitingRoom: true }));
      await joinThroughGate(a, { ...fields, name: 'Chromium A' });
      await eventually('Chromium A to host', () => a.evaluate(() =>
        document.querySelector('secure-meeting')!.shadowRoot!.querySelector('[part~=waiting-room]')?.getAttribute('aria-pressed') === 'true'), 30_000);

      f = await openFirefoxMember(both.firefox, both.demo.url);
      await f.evaluate(() => void (document.documentElement.lang = 'de'));
      await joinFirefox(f, both.relay, { ...fields, name: 'Firefox F' }, { waitingRoom: true, wait: false });
      await eventually('Firefox to be told to wait, in German', async () => (await firefoxPart(f!, 'waiting-message'))?.text === de.waitingTitle, 30_000);
      await a.getByRole('button', { name: 'Admit Firefox F', exact: true }).click();
      await eventually('the waiting screen to give way to the meeting', async () => (await firefoxPart(f!, 'waiting-message')) === null, 30_000);
      await expectEveryoneSeesAndHearsEveryone(new Map<string, Evaluates>([['Chromium A', a], ['Firefox F', f as unknown as Evaluates]]));
      assert.equal((await firefoxPart(f, 'leave'))?.text, de.toolbarLeave);
      await eventually('Firefox\'s status line in German', async () => (await firefoxPart(f!, 'status'))?.text === de.statusWithOthers(1));

      // The host asks Firefox to mute: its microphone goes off, and it is told who asked.
      await openParticipants(a);
      await a.getByRole('button', { name: 'Mute Firefox F', exact: true }).click();
      await eventually('Firefox\'s microphone to go off', async () => (await firefoxPart(f!, 'microphone'))?.pressed === 'false', 30_000);
      await eventually('Firefox to say who asked', async () => (await firefoxPart(f!, 'host-request'))?.text === de.moderationMuteYou('Chromium A'));
      await eventually('Chromium to see Firefox muted', async () => (await tiles(a))['Firefox F']?.muted === true);

      // Firefox raises its hand (the German button); the host lowers it.
      await pressFirefox(f, new RegExp(de.handRaise));
      await eventually('Chromium to see Firefox\'s hand', async () => (await tiles(a))['Firefox F']?.hand === true);
      await a.getByRole('button', { name: 'Lower hand of Firefox F', exact: true }).click();
      await eventually('Firefox\'s hand to go down', async () => (await firefoxPart(f!, 'hand'))?.pressed === 'false', 30_000);
      await eventually('Firefox to say its hand was lowered', async () => (await firefoxPart(f!, 'host-request'))?.text === de.moderationLowerYourHand('Chromium A'));
    } finally {
      await a.context().close();
      await f?.browserContext().close();
    }
  });

  test('quality and per-receiver video: Firefox rates its link, and a small tile gets a small picture whichever browser shows it', { timeout: 150_000 }, async () => {
    const meeting = await meetAcross(both, both.demo.url, both.relay, 803, [['chromium', 'Chromium A'], ['firefox', 'Firefox F']]);
    try {
      const [a] = meeting.chromiumPages;
      const [f] = meeting.firefoxPages;
      const fe = f as unknown as Evaluates;
      const fw = f as unknown as EvaluatesWith;
      // A level on each side's tile, from each browser's own statistics.
      const levels = ['good', 'fair', 'poor', 'bad'];
      const fSees = (await eventually('Firefox to rate its link to Chromium', async () => {
        const t = (await tiles(fe))['Chromium A'];
        return t && levels.includes(t.quality) && t.label.includes('rtt') ? t : null;
      }, 40_000))!;
      assert.match(fSees.label, /^Connection: (good|fair|poor|bad) \(rtt \d+ ms/);
      await eventually('Chromium to rate its link to Firefox', async () => levels.includes((await tiles(a!))['Firefox F']?.quality ?? ''), 40_000);

      // Per-receiver video, each way: the receiving element made small (the page's viewport stays, so the tile stays
      // in view: a tile out of view gets no video at all), the sender encodes at most 1.5 × the tile's height, and at
      // most half of what its camera captures.
      const shrink = (_: null) => void Object.assign(document.querySelector<HTMLElement>('secure-meeting')!.style, { width: '360px', height: '280px' });
      const tileHeight = (page: EvaluatesWith, of: string) => page.evaluate((who: string) =>
        document.querySelector('secure-meeting')!.shadowRoot!.querySelector(`peer-tile[name="${who}"]`)!.getBoundingClientRect().height, of);
      const captures = (page: EvaluatesWith) => page.evaluate((_: null) =>
        (document.querySelector('secure-meeting') as unknown as { meeting: { localStream: MediaStream | null } }).meeting.localStream?.getVideoTracks()[0]?.getSettings().height ?? 0, null);
      const ways: Array<[string, EvaluatesWith, string, EvaluatesWith]> = [['Chromium A', a! as unknown as EvaluatesWith, 'Firefox F', fw], ['Firefox F', fw, 'Chromium A', a! as unknown as EvaluatesWith]];
      for (const [sender, from, receiver, to] of ways) {
        await eventually(`${sender} to send ${receiver} video`, async () => (await sendsHeight(from, receiver)) > 0, 30_000);
        await to.evaluate(shrink, null);
        const capture = await captures(from);
        assert.ok(capture >= 240, `${sender} captures ${capture} rows`);
        await eventually(`${sender} to encode at most 1.5 × the height of ${receiver}'s small tile, and at most half of ${capture} rows`, async () => {
          const [h, tile] = [await sendsHeight(from, receiver), await tileHeight(to, sender)];
          return h > 0 && tile < 150 && h <= Math.min(1.5 * tile, capture / 2) ? { h, tile } : null;
        }, 40_000);
      }
    } finally {
      await meeting.close();
    }
  });

  test('Firefox shows a screen Chromium shares, the two agree on their safety codes, and Firefox locks joining for both and opens it again for a newcomer', { timeout: 150_000 }, async () => {
    const meeting = await meetAcross(both, both.demo.url, both.relay, 804, [['chromium', 'Chromium A'], ['firefox', 'Firefox F']]);
    try {
      const [a] = meeting.chromiumPages;
      const [f] = meeting.firefoxPages;
      // Chromium's fake display capture (1280×720) goes to Firefox's spotlight, decoding, with who presents.
      await (await toolbarControl(a!, /^Share screen/)).click();
      const shown = () => inFirefox<{ caption: string; width: number } | null>(f!, `(deep) => {
        const frame = [...deep(document)].find((e) => (e.getAttribute('part') ?? '').split(' ').includes('screen-frame'));
        return frame ? { caption: frame.querySelector('[part~=presenter]').textContent.trim(), width: frame.querySelector('video').videoWidth } : null;
      }`);
      const screen = await eventually('Firefox to show Chromium\'s screen, decoded', async () => {
        const s = await shown();
        return s && s.width >= 640 ? s : null;
      }, 40_000);
      assert.equal(screen!.caption, 'Chromium A is presenting');
      await (await toolbarControl(a!, /^Share screen/)).click();
      await eventually('the screen to leave Firefox\'s spotlight when Chromium stops', async () => (await shown()) === null, 30_000);

      // Safety codes: each side computes the pair's code and the room's from the keys it holds; they must agree.
      const codes = (page: Evaluates) => page.evaluate(async () => {
        const m = (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, unknown>; safetyCode(id: string): Promise<string | null>; roomCode(): Promise<string | null> } }).meeting;
        return { pair: await m.safetyCode([...m.peers.keys()][0]!), room: await m.roomCode() };
      });
      const [fromA, fromF] = [await codes(a!), await codes(f as unknown as Evaluates)];
      assert.match(fromF.pair ?? '', /^\d{5} \d{5} \d{5} \d{5}$/);
      assert.deepEqual(fromF, fromA, 'Firefox and Chromium compute the same pair and room codes');
      await pressFirefox(f!, /^Safety codes/);
      await eventually('Firefox\'s safety panel to show the pair code', async () =>
        (await inFirefox<string[]>(f!, `(deep) => [...deep(document)].filter((e) => (e.getAttribute('part') ?? '').split(' ').includes('safety-code')).map((e) => e.textContent.trim())`)).includes(fromA.pair!));

      // Lock now, pressed in Firefox: joining closes for both.
      await pressFirefox(f!, /^Lock now$/);
      const joinStatus = (page: Evaluates) => page.evaluate(() => document.querySelector('secure-meeting')!.shadowRoot!.querySelector('[part~=join-status]')?.textContent?.trim() ?? '');
      await eventually('joining to close for Firefox', async () => (await joinStatus(f as unknown as Evaluates)) === 'Joining closed', 30_000);
      await eventually('joining to close for Chromium too', async () => (await joinStatus(a!)) === 'Joining closed', 30_000);
      await expectEveryoneSeesAndHearsEveryone(meeting.members);

      // Allow joining, pressed in Firefox: it opens for both, and a newcomer gets in.
      await pressFirefox(f!, /^Allow joining$/);
      await eventually('joining to open for Chromium', async () => (await joinStatus(a!)).startsWith('Joining open'), 30_000);
      const c = await openMember(both.chromium, both.demo.url);
      try {
        await useRelay(c, both.relay.adapter, both.relay.url);
        await joinThroughGate(c, { channel: 804, password: meeting.password, name: 'Chromium C' });
        await expectEveryoneSeesAndHearsEveryone(new Map([...meeting.members, ['Chromium C', c]]));
      } finally {
        await c.context().close();
      }
    } finally {
      await meeting.close();
    }
  });
});
