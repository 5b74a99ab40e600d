/**
 * Time from a host's mute request to silence at the other members: three
 * members, the third one's microphone a loud steady tone (test/e2e/audio.ts).
 * The host presses "Mute" on her row in the participants panel; each other
 * member samples the level it receives from her (WebRTC stats, RMS of the
 * audio played between two samples) every SAMPLE_MS and notes when it first
 * falls below SILENCE. All pages run in one browser, so their clocks agree
 * (performance.timeOrigin + performance.now()). She unmutes between runs.
 * Beside it, the floor: the same silence after she switches her own
 * microphone off, where only the audio path (encoder, jitter buffer,
 * playout, stats) is in the way.
 */
import type { Browser, Page } from 'playwright-core';
import type { DemoServer } from '../demo/server.js';
import { lendLoudMicrophone } from '../test/e2e/audio.js';
import { joinThroughGate, openMember, openParticipants } from '../test/e2e/browser.js';

export interface MuteFigures {
  runs: number;
  /** Press → the muted member's client has the verified request (its `muterequest` event). */
  requestReachedMs: number;
  firstSilentMs: number;
  allSilentMs: number;
  /** The floor: the member switching her own microphone off → silence at every other member. */
  ownMuteAllSilentMs: number;
}

const SAMPLE_MS = 20;
/** About -50 dBFS; the tone is near full scale. */
const SILENCE = 0.003;

/** In a listener's page: resolves with the time its level from `who` first falls below SILENCE after `since`. */
const silenceAt = (page: Page, who: string) => page.evaluate(([name, sample, silence]) => new Promise<number>((resolve) => {
  const el = document.querySelector('secure-meeting') as unknown as {
    meeting: { peers: Map<string, { name: string }>; getPeerStats(id: string): Promise<{ audioEnergy: number; audioDuration: number }> };
  };
  const id = [...el.meeting.peers].find(([, p]) => p.name === name)![0];
  let last: { audioEnergy: number; audioDuration: number } | null = null;
  let loud = false;
  const tick = async () => {
    const now = await el.meeting.getPeerStats(id);
    const at = performance.timeOrigin + performance.now();
    if (last && now.audioDuration > last.audioDuration) {
      const level = Math.sqrt(Math.max(0, now.audioEnergy - last.audioEnergy) / (now.audioDuration - last.audioDuration));
      // Heard loud first, so the silence measured is the one that follows the request.
      if (level > 0.05) loud = true;
      else if (loud && level < silence) return resolve(at);
    }
    last = now;
    setTimeout(tick, sample);
  };
  void tick();
}), [who, SAMPLE_MS, SILENCE] as const);

export async function muteToSilence(browser: Browser, demo: DemoServer, channel: number, runs: number, median: (xs: number[]) => number): Promise<MuteFigures> {
  const pages: Page[] = [];
  try {
    for (const name of ['Host', 'Listener', 'Speaker']) {
      const page = await openMember(browser, demo.url);
      pages.push(page);
      if (name === 'Speaker') await lendLoudMicrophone(page);
      await joinThroughGate(page, { channel, password: `mute-${channel}`, name });
    }
    const [host, listener, speaker] = pages as [Page, Page, Page];
    for (const page of pages) {
      await page.waitForFunction(() => {
        const m = (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { controlOpen: boolean }> } | null }).meeting;
        return m?.peers.size === 2 && [...m.peers.values()].every((p) => p.controlOpen);
      }, null, { timeout: 30_000 });
    }
    await openParticipants(host);
    const mute = host.getByRole('region', { name: /^Participants/ }).getByRole('button', { name: 'Mute Speaker' });
    const mic = speaker.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name: 'Microphone', exact: true });
    const first: number[] = [];
    const all: number[] = [];
    const reached: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < runs; i++) {
      await mute.waitFor({ state: 'visible', timeout: 30_000 });
      await host.waitForFunction(() => {
        const panel = document.querySelector('secure-meeting')!.shadowRoot!.querySelector('participants-panel');
        return [...(panel?.shadowRoot?.querySelectorAll('[part~=mute]') ?? [])].some((b) => (b as HTMLButtonElement).getAttribute('aria-label') === 'Mute Speaker' && !(b as HTMLButtonElement).disabled);
      }, null, { timeout: 30_000 });
      const heard = [silenceAt(host, 'Speaker'), silenceAt(listener, 'Speaker')];
      const told = speaker.evaluate(() => new Promise<number>((resolve) => {
        const m = (document.querySelector('secure-meeting') as unknown as { meeting: EventTarget }).meeting;
        m.addEventListener('muterequest', () => resolve(performance.timeOrigin + performance.now()), { once: true });
      }));
      await new Promise((r) => setTimeout(r, 600));
      const asked = await mute.evaluate((b) => {
        const at = performance.timeOrigin + performance.now();
        (b as HTMLButtonElement).click();
        return at;
      });
      const silent = (await Promise.all(heard)).map((t) => t - asked);
      first.push(Math.min(...silent));
      all.push(Math.max(...silent));
      reached.push((await told) - asked);
      await mic.click();
      // The floor: the speaker switching her own microphone off (no host action), heard the same way.
      const own = [silenceAt(host, 'Speaker'), silenceAt(listener, 'Speaker')];
      await new Promise((r) => setTimeout(r, 600));
      const off = await mic.evaluate((b) => {
        const at = performance.timeOrigin + performance.now();
        (b as HTMLButtonElement).click();
        return at;
      });
      floor.push(Math.max(...(await Promise.all(own)).map((t) => t - off)));
      await mic.click();
    }
    const round = (x: number) => Math.round(x);
    return { runs, requestReachedMs: round(median(reached)), firstSilentMs: round(median(first)), allSilentMs: round(median(all)), ownMuteAllSilentMs: round(median(floor)) };
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
}
