/**
 * Screen share and the layout, end to end: real Chromium with fake devices
 * and its fake display capture (getDisplayMedia gives a 1280×720 test
 * pattern under --use-fake-ui-for-media-stream, no picker), the demo page and
 * our WebSocket relay, in the loopback-only namespace. A shared screen is
 * seen large on every member's screen, decoding, with who presents, and goes
 * when stopped (the button, or the browser's own "Stop sharing"), also while
 * joining is closed; on a phone-sized page the toolbar's Leave stays in view.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { deriveRoomKeys } from '../../core/crypto.js';
import type { DemoServer } from '../../demo/server.js';
import { demoMeeting, eventually, toolbarControl, type DemoMeeting } from './browser.js';

const NAMES = ['Alice', 'Bertrand', 'Carol'];
const CHANNEL = 612;
const PASSWORD = 'screen-share-test-pw';

/** A toolbar control by name, opening "More" first when it moved in there. */
interface Screen { caption: string; local: boolean; width: number; decoded: number; stream: string }

/**
 * The spotlight as this member sees it: each screen's caption, the width its
 * video element decoded, and frames decoded so far for its track (WebRTC
 * getStats; 0 for our own screen, which is not received).
 */
const screens = (page: Page): Promise<Screen[]> => page.evaluate(async () => {
  const root = document.querySelector('secure-meeting')!.shadowRoot!;
  const decoded = new Map<string, number>();
  for (const pc of (window as unknown as { smConnections: RTCPeerConnection[] }).smConnections) {
    if (pc.connectionState === 'closed') continue;
    (await pc.getStats()).forEach((r: { type: string; trackIdentifier?: string; framesDecoded?: number }) => {
      if (r.type === 'inbound-rtp' && r.trackIdentifier) decoded.set(r.trackIdentifier, r.framesDecoded ?? 0);
    });
  }
  return [...root.querySelectorAll('[part~=screen-frame]')].map((f) => {
    const v = f.querySelector('video')!;
    const stream = v.srcObject as MediaStream | null;
    return {
      caption: f.querySelector('[part~=presenter]')!.textContent!.trim(),
      local: f.classList.contains('local'),
      width: v.videoWidth,
      decoded: decoded.get(stream?.getVideoTracks()[0]?.id ?? '') ?? 0,
      stream: stream?.id ?? '',
    };
  });
});

/** The stream each remote tile shows, by name: a presenter's tile keeps their camera, never the screen. */
const tileStreams = (page: Page) => page.evaluate(() => {
  const root = document.querySelector('secure-meeting')!.shadowRoot!;
  return Object.fromEntries([...root.querySelectorAll('peer-tile:not([local])')].map((t) =>
    [t.getAttribute('name'), ((t as unknown as { stream: MediaStream | null }).stream)?.id ?? '']));
});

/** Everyone sees the presenter's screen large, at the capture's size, and the others go on decoding it. */
async function expectScreenSeen(members: Map<string, Page>, presenter: string): Promise<void> {
  for (const [name, page] of members) {
    const caption = name === presenter ? 'You are presenting' : `${presenter} is presenting`;
    const first = (await eventually(`${name} to see ${presenter}'s screen decoding`, async () => {
      const seen = await screens(page);
      return seen.length === 1 && seen[0]!.caption === caption && seen[0]!.width === 1280 && (name === presenter || seen[0]!.decoded > 0) ? seen[0]! : undefined;
    }, 30_000)) as Screen;
    // Frames of the screen's own track go on being decoded (our own preview is not received).
    if (name !== presenter) {
      await eventually(`${name}'s view of the screen to keep playing`, async () => ((await screens(page))[0]?.decoded ?? 0) > first.decoded + 10);
      const tiles = await tileStreams(page);
      assert.ok(tiles[presenter] && tiles[presenter] !== first.stream, `${name}: ${presenter}'s tile shows their camera, not the screen`);
    }
  }
}

/** The spotlight is gone everywhere, the grid is whole again, and the screen's stream was let go. */
async function expectScreenGone(members: Map<string, Page>): Promise<void> {
  for (const [name, page] of members) {
    await eventually(`${name} to see the grid again`, async () => (await screens(page)).length === 0 &&
      (await page.evaluate(() => !document.querySelector('secure-meeting')!.shadowRoot!.querySelector('[part=grid]')!.classList.contains('strip'))));
    await eventually(`${name} to have let go of the screen's stream`, () => page.evaluate(() => {
      const el = document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { streams: Map<string, MediaStream> }> } };
      return [...el.meeting.peers.values()].every((p) => p.streams.size === 1);
    }));
  }
}

describe('screen share and the layout, end to end', () => {
  let meeting: DemoMeeting | undefined;
  let demo: DemoServer;
  let members: Map<string, Page>;

  before(async () => {
    meeting = await demoMeeting(NAMES, { channel: CHANNEL, password: PASSWORD });
    ({ demo, members } = meeting);
  }, { timeout: 120_000 });

  after(() => meeting?.close(), { timeout: 60_000 });

  test('a shared screen is seen large by all with who presents; the others cannot share meanwhile; stopping restores the grid', { timeout: 120_000 }, async () => {
    const bertrand = members.get('Bertrand')!;
    const share = await toolbarControl(bertrand, /^Share screen/);
    await share.click();
    await eventually('Bertrand\'s toggle to be pressed', async () => (await share.getAttribute('aria-pressed')) === 'true');
    await expectScreenSeen(members, 'Bertrand');
    const alices = await toolbarControl(members.get('Alice')!, /^Share screen/);
    await eventually('Alice\'s Share button to say Bertrand presents', async () =>
      (await alices.isDisabled()) && /Bertrand is presenting/.test(await alices.innerText()));

    await share.click();
    await expectScreenGone(members);
    assert.equal(await alices.isDisabled(), false, 'Alice can share again');
  });

  test('the browser\'s own "Stop sharing" (the track ends) stops the share for everyone', { timeout: 120_000 }, async () => {
    const carol = members.get('Carol')!;
    await (await toolbarControl(carol, /^Share screen/)).click();
    await expectScreenSeen(members, 'Carol');
    // What Chromium's "Stop sharing" bar does: the capture ends and the track says so.
    await carol.evaluate(() => {
      const root = document.querySelector('secure-meeting')!.shadowRoot!;
      const track = (root.querySelector('[part~=screen-frame].local video') as HTMLVideoElement).srcObject as MediaStream;
      const video = track.getVideoTracks()[0]!;
      video.stop();
      video.dispatchEvent(new Event('ended'));
    });
    await expectScreenGone(members);
  });

  test('while joining is closed (Lock now, no one on the relay) a screen is shared and stopped over the members\' own links', { timeout: 120_000 }, async () => {
    const topic = (await deriveRoomKeys({ password: PASSWORD, channel: CHANNEL })).topic;
    const alice = members.get('Alice')!;
    await (await toolbarControl(alice, 'Lock now')).click();
    await eventually('the relay to be empty', async () => demo.relay.connections(topic) === 0, 30_000);
    await (await toolbarControl(alice, /^Share screen/)).click();
    await expectScreenSeen(members, 'Alice');
    await (await toolbarControl(alice, /^Share screen/)).click();
    await expectScreenGone(members);
    assert.equal(demo.relay.connections(topic), 0, 'negotiated without the relay');
  });

  test('at 390×800 the toolbar stays in view at the bottom with Leave visible, and the tiles take two columns', { timeout: 60_000 }, async () => {
    const carol = members.get('Carol')!;
    await carol.setViewportSize({ width: 390, height: 800 });
    const leave = carol.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name: 'Leave' });
    await eventually('the layout to settle at 390 px', async () => {
      const box = await leave.boundingBox();
      const columns = await carol.evaluate(() =>
        getComputedStyle(document.querySelector('secure-meeting')!.shadowRoot!.querySelector('[part=grid]')!).gridTemplateColumns.split(' ').length);
      return box !== null && columns === 2;
    });
    const box = (await leave.boundingBox())!;
    assert.ok(box.y >= 0 && box.y + box.height <= 800 && box.x >= 0 && box.x + box.width <= 390, `Leave at ${JSON.stringify(box)}`);
    assert.ok(box.y + box.height > 600, `the toolbar sits at the bottom (Leave at y ${box.y})`);
    const page = await carol.evaluate(() => ({ scroll: document.scrollingElement!.scrollHeight, width: document.scrollingElement!.scrollWidth }));
    assert.ok(page.scroll <= 800 && page.width <= 390, `nothing to scroll: ${JSON.stringify(page)}`);
    // What did not fit went into "More", and is still there to use.
    const more = carol.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name: 'More' });
    await more.click();
    assert.equal(await more.getAttribute('aria-expanded'), 'true');
    assert.ok(await carol.getByRole('group', { name: 'More controls' }).getByRole('button', { name: /^Participants/ }).isVisible());
    await carol.keyboard.press('Escape');
    assert.equal(await more.getAttribute('aria-expanded'), 'false');
    await carol.setViewportSize({ width: 1280, height: 720 });
  });
});
