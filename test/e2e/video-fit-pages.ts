/**
 * Headless members (core + WebSocket adapter, no components) for the
 * per-receiver video test and bench: each page holds `window.fit`, which
 * tells the meeting how it "shows" another member (as a tile would) and
 * reads its own outbound video statistics toward each member.
 */
import type { Browser, Page } from 'playwright-core';

/** `limitation`: the encoder's qualityLimitationReason ("cpu" when the browser itself scales down under load). */
export interface Outbound { bytesSent: number; frameHeight: number; framesEncoded: number; limitation: string }

export interface FitPage {
  show(name: string, width: number, height: number, visible: boolean): Promise<void>;
  /** Our camera's outbound-rtp toward `name` (bytesSent summed over video), and everything we send in bytes. */
  out(name: string): Promise<Outbound>;
  totalBytesSent(): Promise<number>;
  applied(name: string): Promise<{ active: boolean; scaleResolutionDownBy: number; maxBitrate: number } | null>;
  audioOnly(name: string): Promise<boolean>;
  setMaxUplinkKbps(kbps: number | null): Promise<void>;
  /** The height our camera captures at, what it was opened at, and the track's own settings height. */
  capture(): Promise<{ height: number; ceiling: number; track: number }>;
  peers(): Promise<string[]>;
  leave(): Promise<void>;
  readonly page: Page;
}

type Win = Window & { fit: Record<string, (...args: never[]) => unknown> };

/** Opens a page in `browser` and joins `channel` on the demo's ws relay as `name`. `options` go to createMeeting. */
export async function fitMember(browser: Browser, demoUrl: string, name: string, channel: number, options: Record<string, unknown> = {}): Promise<FitPage> {
  const context = await browser.newContext();
  await context.addInitScript('globalThis.__name ??= (fn) => fn');
  const page = await context.newPage();
  await page.goto(`${demoUrl}dist/`).catch(() => undefined); // any same-origin page will do
  await page.evaluate(async ({ name, channel, relayUrl, options }) => {
    const { createMeeting, videoFit } = await import('/dist/core/index.js' as string);
    const { websocketRelay } = await import('/dist/adapters/websocket/index.js' as string);
    type P = { name: string; rtp: { stats(): Promise<RTCStatsReport> } };
    const meeting = createMeeting({ channel, password: 'video-fit', name, relay: websocketRelay({ url: relayUrl }), ...options });
    const idOf = (who: string) => [...(meeting.peers as Map<string, P>)].find(([, p]) => p.name === who)?.[0];
    const peerOf = (who: string) => (meeting.peers as Map<string, P>).get(idOf(who) ?? '');
    const api = () => meeting.feature(videoFit);
    const outbound = async (stats: RTCStatsReport, kind?: string) => {
      const o = { bytesSent: 0, frameHeight: 0, framesEncoded: 0, limitation: '' };
      stats.forEach((s: { type: string; kind: string; bytesSent?: number; frameHeight?: number; framesEncoded?: number; qualityLimitationReason?: string }) => {
        if (s.type !== 'outbound-rtp' || (kind && s.kind !== kind)) return;
        o.bytesSent += s.bytesSent ?? 0;
        o.frameHeight = Math.max(o.frameHeight, s.frameHeight ?? 0);
        o.framesEncoded += s.framesEncoded ?? 0;
        if (s.qualityLimitationReason && s.qualityLimitationReason !== 'none') o.limitation = s.qualityLimitationReason;
      });
      return o;
    };
    const fit = {
      show: (who: string, width: number, height: number, visible: boolean) => api().show(idOf(who), 'camera', { width, height, visible }),
      out: async (who: string) => outbound(await peerOf(who)!.rtp.stats(), 'video'),
      totalBytesSent: async () => {
        let sum = 0;
        for (const p of (meeting.peers as Map<string, P>).values()) sum += (await outbound(await p.rtp.stats())).bytesSent;
        return sum;
      },
      applied: (who: string) => api().applied(idOf(who) ?? '').camera ?? null,
      audioOnly: (who: string) => api().audioOnly.has(idOf(who) ?? ''),
      setMaxUplinkKbps: (kbps: number | null) => api().setMaxUplinkKbps(kbps),
      capture: () => ({ ...api().capture, track: meeting.localStream?.getVideoTracks()[0]?.getSettings().height ?? 0 }),
      peers: () => [...(meeting.peers as Map<string, P>).values()].map((p) => p.name),
      leave: () => meeting.leave(),
    };
    Object.assign(window, { fit });
    await meeting.join();
  }, { name, channel, relayUrl: `${demoUrl.replace('http', 'ws')}relay/[TOPIC]`, options });
  const call = <R>(fn: string, ...args: unknown[]) => page.evaluate(([fn, args]) => (window as unknown as Win).fit[fn as string]!(...(args as never[])), [fn, args] as const) as Promise<R>;
  return {
    page,
    show: (n, w, h, v) => call('show', n, w, h, v),
    out: (n) => call('out', n),
    totalBytesSent: () => call('totalBytesSent'),
    applied: (n) => call('applied', n),
    audioOnly: (n) => call('audioOnly', n),
    setMaxUplinkKbps: (k) => call('setMaxUplinkKbps', k),
    capture: () => call('capture'),
    peers: () => call('peers'),
    leave: async () => {
      await call('leave');
      await page.context().close();
    },
  };
}

/** Kbps `member` sends `to` over `ms`, from its outbound-rtp bytesSent. */
export async function kbpsTo(member: FitPage, to: string, ms: number): Promise<number> {
  const before = await member.out(to);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  const after = await member.out(to);
  return ((after.bytesSent - before.bytesSent) * 8) / (Date.now() - t0);
}
