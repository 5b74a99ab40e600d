/**
 * Trystero (https://github.com/dmotz/trystero), the P2P kit people would
 * otherwise pick, for the join benchmark (join.ts) only: its MQTT strategy,
 * bundled for the page with esbuild, pointed at ONLY our local Mosquitto
 * (`relayConfig.urls`) with no ICE servers, so nothing leaves the machine.
 * Used as its README shows: `addStream` to each peer in `onPeerJoin`, and
 * each peer's stream shown in an autoplaying `<video>` from `onPeerStream`.
 */
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { openMember } from '../test/e2e/browser.js';

let bundled: Promise<string> | undefined;

/** `@trystero-p2p/mqtt` (with mqtt.js) as one script that sets `window.Trystero`. */
export function trysteroBundle(): Promise<string> {
  bundled ??= build({
    stdin: { contents: "export { joinRoom, selfId } from '@trystero-p2p/mqtt';", resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    format: 'iife',
    globalName: 'Trystero',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  return bundled;
}

/** A Trystero member's page: the demo page's origin (a secure context), the bundle loaded, not joined yet. */
export async function trysteroMember(browser: Browser, url: string): Promise<Page> {
  const page = await openMember(browser, url);
  await page.addScriptTag({ content: await trysteroBundle() });
  return page;
}

/**
 * Joins the room: `t0` before getUserMedia (what pressing Join would do in
 * a Trystero app), `media` once the camera is open (its keys are one
 * SHA-256, derived inside joinRoom), and the first decoded remote frame
 * (polled like ours, from getStats) as `first`, frames from `expect`
 * members as `all`. Resolves once joinRoom has been called.
 */
export function trysteroJoin(page: Page, { brokerUrl, room, password, expect }: { brokerUrl: string; room: string; password: string; expect: number }): Promise<void> {
  return page.evaluate(async ({ brokerUrl, room, password, expect }) => {
    type Room = { addStream(s: MediaStream, o?: { target?: string }): void; onPeerJoin: ((id: string) => void) | null; onPeerStream: ((s: MediaStream, id: string) => void) | null };
    const w = window as unknown as { Trystero: { joinRoom(config: object, room: string): Room }; smConnections: RTCPeerConnection[]; trystero: Record<string, number> };
    const marks: Record<string, number> = { t0: performance.now() };
    w.trystero = marks;
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } } });
    marks['media'] = performance.now();
    const joined = w.Trystero.joinRoom({ appId: 'secure-meeting-bench', password, relayConfig: { urls: [brokerUrl] }, rtcConfig: { iceServers: [] } }, room);
    joined.onPeerJoin = (id) => joined.addStream(stream, { target: id });
    // Shown as its README shows a peer's stream: an autoplaying <video> per peer (a meeting shows its members).
    joined.onPeerStream = (remote, id) => {
      const video = Object.assign(document.createElement('video'), { srcObject: remote, autoplay: true, playsInline: true, id: `peer-${id}` });
      document.body.append(video);
    };
  }, { brokerUrl, room, password, expect }).then(() => watchFrames(page, 'trystero', expect));
}

/**
 * Polls every connection of the page (test/e2e/browser.ts keeps them in
 * `smConnections`) for decoded video, into `window[name]`: `decoding` (how
 * many connections decode), `first` and `all` (frames from `expect` members).
 */
export function watchFrames(page: Page, name: string, expect: number): Promise<void> {
  return page.evaluate(({ name, expect }) => {
    const w = window as unknown as Record<string, Record<string, number>> & { smConnections: RTCPeerConnection[] };
    const marks = w[name]!;
    const poll = async () => {
      let decoding = 0;
      for (const pc of w.smConnections) {
        if (pc.connectionState === 'closed') continue;
        let frames = 0;
        (await pc.getStats()).forEach((r: { type: string; kind?: string; framesDecoded?: number }) => {
          if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded ?? 0;
        });
        if (frames > 0) decoding++;
      }
      const now = performance.now();
      marks['decoding'] = decoding;
      if (decoding > 0) marks['first'] ??= now;
      if (decoding >= expect) marks['all'] = now;
      else setTimeout(() => void poll(), 10);
    };
    void poll();
  }, { name, expect });
}

/** Waits until a Trystero member decodes frames from `n` members. */
export async function trysteroDecoding(page: Page, n: number): Promise<void> {
  await page.waitForFunction((n) => ((window as unknown as { trystero?: { decoding?: number } }).trystero?.decoding ?? 0) >= n, n, { timeout: 30_000 });
}

/** The marks of a Trystero member, once it decodes frames from everyone it expects. */
export async function trysteroMarks(page: Page): Promise<Record<'t0' | 'media' | 'first' | 'all', number>> {
  await page.waitForFunction(() => (window as unknown as { trystero?: { all?: number } }).trystero?.all !== undefined, null, { timeout: 30_000 });
  return page.evaluate(() => (window as unknown as { trystero: Record<'t0' | 'media' | 'first' | 'all', number> }).trystero);
}
