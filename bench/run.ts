/**
 * `npm run bench`: join time against the WebRTC floor (and per relay
 * adapter), relay throughput, relay capacity (capacity.ts), file transfer throughput against the raw data
 * channel (files.ts), Admit to the newcomer's frames (waiting-room.ts), a host's
 * mute request to silence (moderation.ts), per-receiver video (video-fit.ts),
 * key-derivation time and the size of each
 * single-file bundle, measured
 * in one run on this machine. Prints a table and
 * writes bench/results/latest.json. Runs in the loopback-only namespace like
 * the tests (test/hermetic.sh). Figures, not pass/fail: see README, Benchmarks.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import esbuild from 'rollup-plugin-esbuild';
import terser from '@rollup/plugin-terser';
import type { Browser, Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../demo/server.js';
import type { AdapterName } from '../components/index.js';
import { joinThroughGate, launchBrowser, openMember } from '../test/e2e/browser.js';
import { linkBetween } from '../test/e2e/links.js';
import { startMosquitto } from '../test/support/mosquitto.js';
import { NetCut } from '../test/support/netcut.js';
import { relayFigures } from './relays.js';
import { capacityFigures, printCapacityFigures } from './capacity.js';
import { baselineJoinFigures, printBaseline } from './baseline.js';
import { floodCpu, openRates } from './identity.js';
import { chatLatency } from './chat.js';
import { fileFigures, printFileFigures } from './files.js';
import { muteToSilence } from './moderation.js';
import { turnLongFigures } from './turn-long.js';
import { admitFigures } from './waiting-room.js';
import { printVideoFitFigures, videoFitFigures } from './video-fit.js';
import { demoMember, joinFigures, printJoinFigures } from './join.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Installed in a member's page before it presses Join: records when keys are derived and when frames first decode. */
function instrument(page: Page): Promise<void> {
  return page.evaluate(() => {
    type M = { state: string; peers: Map<string, unknown>; addEventListener(t: string, f: (e: { state: string }) => void): void; getPeerStats(id: string): Promise<{ framesDecoded: number }> };
    const el = document.querySelector('secure-meeting') as unknown as { meeting: M | null };
    const marks: { derived?: number; first?: number; all?: number } = {};
    Object.assign(window, { marks });
    const watch = () => {
      const meeting = el.meeting;
      // The element creates its meeting synchronously on Join, long before the ≈0.2 s derivation ends.
      if (!meeting) return void setTimeout(watch, 1);
      meeting.addEventListener('state', (e) => {
        if (e.state === 'connecting') marks.derived = performance.now();
      });
      const poll = async () => {
        const frames = await Promise.all([...meeting.peers.keys()].map(async (id) => (await meeting.getPeerStats(id)).framesDecoded));
        const decoding = frames.filter((f) => f > 0).length;
        if (decoding > 0 && marks.first === undefined) marks.first = performance.now();
        if (decoding > 0 && decoding === (window as unknown as { expect: number }).expect) marks.all = performance.now();
        if (marks.all === undefined) setTimeout(poll, 10);
      };
      void poll();
    };
    watch();
  });
}

interface Relay { adapter: AdapterName; url: string }

async function joinTime(browser: Browser, demo: DemoServer, members: number, channel: number, relay?: Relay) {
  const pages: Page[] = [];
  try {
    for (let i = 0; i < members; i++) {
      const page = await demoMember(browser, demo, relay);
      pages.push(page);
      const last = i === members - 1;
      if (last) {
        await page.evaluate((n) => Object.assign(window, { expect: n }), members - 1);
        await instrument(page);
      }
      await joinThroughGate(page, { channel, password: `bench-${channel}`, name: `M${i}` });
      // Everyone before the last is fully in, so the last join is what we time.
      if (!last) await page.waitForFunction((n) => (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { connectionState: string }> } }).meeting?.peers.size === n && [...(document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { connectionState: string }> } }).meeting.peers.values()].every((p) => p.connectionState === 'connected'), i, { timeout: 30_000 });
    }
    const last = pages.at(-1)!;
    await last.waitForFunction(() => (window as unknown as { marks: { all?: number } }).marks.all !== undefined, null, { timeout: 30_000 });
    const marks = await last.evaluate(() => (window as unknown as { marks: { derived: number; first: number; all: number } }).marks);
    return { first: marks.first - marks.derived, all: marks.all - marks.derived };
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
}

/** Two RTCPeerConnections in one page, wired directly: the least any signaling path can cost. */
async function floor(browser: Browser, demo: DemoServer): Promise<number> {
  const page = await openMember(browser, demo.url);
  try {
    return await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } } });
      const t0 = performance.now();
      const a = new RTCPeerConnection();
      const b = new RTCPeerConnection();
      a.onicecandidate = (e) => void b.addIceCandidate(e.candidate ?? undefined);
      b.onicecandidate = (e) => void a.addIceCandidate(e.candidate ?? undefined);
      a.createDataChannel('control', { negotiated: true, id: 0 });
      b.createDataChannel('control', { negotiated: true, id: 0 });
      stream.getTracks().forEach((t) => a.addTrack(t, stream));
      await a.setLocalDescription();
      await b.setRemoteDescription(a.localDescription!);
      stream.getTracks().forEach((t) => b.addTrack(t, stream));
      await b.setLocalDescription();
      await a.setRemoteDescription(b.localDescription!);
      for (;;) {
        let frames = 0;
        (await b.getStats()).forEach((r: { type: string; kind?: string; framesDecoded?: number }) => {
          if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded ?? 0;
        });
        if (frames > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const ms = performance.now() - t0;
      a.close();
      b.close();
      stream.getTracks().forEach((t) => t.stop());
      return ms;
    });
  } finally {
    await page.context().close();
  }
}

const peerCount = (page: Page) =>
  page.evaluate(() => (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, unknown> } | null }).meeting?.peers.size ?? 0);

/** Two members meet; one's renderer crashes (no bye): ms until the other's grid drops it. */
async function vanishTime(browser: Browser, demo: DemoServer, channel: number): Promise<number> {
  const pages: Page[] = [];
  try {
    for (const name of ['Stays', 'Vanishes']) {
      const page = await openMember(browser, demo.url);
      pages.push(page);
      await joinThroughGate(page, { channel, password: `vanish-${channel}`, name });
    }
    const [stays, vanishes] = pages as [Page, Page];
    await stays.waitForFunction(() => (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { controlOpen: boolean }> } }).meeting?.peers.size === 1 &&
      [...(document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { controlOpen: boolean }> } }).meeting.peers.values()].every((p) => p.controlOpen), null, { timeout: 30_000 });
    const cdp = await vanishes.context().newCDPSession(vanishes);
    const t0 = Date.now();
    void cdp.send('Page.crash').catch(() => undefined);
    while ((await peerCount(stays)) > 0) {
      if (Date.now() - t0 > 30_000) throw new Error('the vanished member was never removed');
      await new Promise((r) => setTimeout(r, 25));
    }
    return Date.now() - t0;
  } finally {
    // A crashed page's context may never answer a close; the browser takes it at the end.
    await pages[0]?.context().close();
  }
}

/**
 * Two members meet and lock (Lock now); a newcomer waits on the
 * relay; one member presses Allow joining: ms until the newcomer decodes a
 * first frame.
 */
async function allowJoiningTime(browser: Browser, demo: DemoServer, channel: number): Promise<number> {
  const pages: Page[] = [];
  const password = `allow-${channel}`;
  try {
    for (const name of ['First', 'Second']) {
      const page = await openMember(browser, demo.url);
      pages.push(page);
      await joinThroughGate(page, { channel, password, name });
    }
    const [first] = pages as [Page];
    // Lock once they have met, rather than with a lock-after timer a slow join could outlast.
    await first.waitForFunction(() => (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { controlOpen: boolean }> } | null }).meeting?.peers.size === 1 &&
      [...(document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { controlOpen: boolean }> } }).meeting.peers.values()].every((p) => p.controlOpen), null, { timeout: 30_000 });
    await first.getByRole('button', { name: 'Lock now' }).click();
    for (const page of pages) await page.getByRole('button', { name: 'Allow joining' }).waitFor({ timeout: 30_000 });
    const newcomer = await openMember(browser, demo.url);
    pages.push(newcomer);
    await joinThroughGate(newcomer, { channel, password, name: 'Newcomer' });
    await newcomer.waitForFunction(() => (document.querySelector('secure-meeting') as unknown as { meeting: { relayState: string } | null }).meeting?.relayState === 'open', null, { timeout: 30_000 });
    const t0 = Date.now();
    await first.getByRole('button', { name: 'Allow joining' }).click();
    const firstFrameAt = await newcomer.evaluate(async () => {
      const meeting = (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, unknown>; getPeerStats(id: string): Promise<{ framesDecoded: number }> } }).meeting;
      for (;;) {
        for (const id of meeting.peers.keys()) if ((await meeting.getPeerStats(id)).framesDecoded > 0) return performance.timeOrigin + performance.now();
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    return firstFrameAt - t0;
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
}

/**
 * Three members meet and joining closes (Lock now); every socket of the
 * link between two of them is cut: ms until the first of them receives the
 * other's audio again, and decodes video frames again (ICE restarted,
 * signaled through the third).
 */
async function repairTime(browser: Browser, demo: DemoServer, channel: number): Promise<{ audio: number; video: number }> {
  const pages: Page[] = [];
  const cut = await NetCut.create();
  try {
    for (const name of ['One', 'Two', 'Three']) {
      const page = await openMember(browser, demo.url);
      pages.push(page);
      await joinThroughGate(page, { channel, password: `repair-${channel}`, name });
    }
    // Every control channel open: Lock now travels over them.
    for (const page of pages) await page.waitForFunction(() => { const m = (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { controlOpen: boolean }> } | null }).meeting; return m?.peers.size === 2 && [...m.peers.values()].every((p) => p.controlOpen); }, null, { timeout: 30_000 });
    // Locked everywhere once all have met (Lock now, not a timer a slow join could outlast): the relay is no way round.
    await pages[0]!.getByRole('button', { name: 'Lock now' }).click();
    for (const page of pages) await page.getByRole('button', { name: 'Allow joining' }).waitFor({ timeout: 30_000 });
    const [one, two] = pages as [Page, Page];
    const link = await linkBetween(one, two);
    if (!link) throw new Error('One and Two have no link');
    await cut.block([...link.a.local, ...link.b.local]);
    const t0 = Date.now();
    const again = await one.evaluate(async () => {
      type Stats = { framesDecoded: number; audioPacketsReceived: number };
      const meeting = (document.querySelector('secure-meeting') as unknown as { meeting: { peers: Map<string, { name: string }>; getPeerStats(id: string): Promise<Stats | undefined> } }).meeting;
      const id = [...meeting.peers].find(([, p]) => p.name === 'Two')![0];
      // For each of audio packets and video frames: they stop (nothing new for half a second), then come again.
      const watch = (pick: (s: Stats) => number) => ({ pick, last: -1, lastChange: performance.now(), stalled: false, at: 0 });
      const watched = [watch((s) => s.audioPacketsReceived), watch((s) => s.framesDecoded)];
      while (watched.some((w) => w.at === 0)) {
        const stats = await meeting.getPeerStats(id);
        if (!stats) throw new Error('One gave Two up instead of repairing the link');
        const now = performance.now();
        for (const w of watched) {
          const value = w.pick(stats);
          if (w.at !== 0) continue;
          if (value === w.last) w.stalled ||= now - w.lastChange > 500;
          else if (w.stalled) w.at = performance.timeOrigin + now;
          else [w.last, w.lastChange] = [value, now];
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      return { audio: watched[0]!.at, video: watched[1]!.at };
    });
    return { audio: again.audio - t0, video: again.video - t0 };
  } finally {
    await cut.close();
    await Promise.all(pages.map((p) => p.context().close()));
  }
}

async function keyDerivation(browser: Browser, demo: DemoServer): Promise<number[]> {
  const page = await openMember(browser, demo.url);
  try {
    return await page.evaluate(async (runs) => {
      const { deriveRoomKeys } = await import('/dist/core/index.js' as string);
      const out: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await deriveRoomKeys({ password: `pw${i}`, channel: i + 1 });
        out.push(performance.now() - t0);
      }
      return out;
    }, RUNS);
  } finally {
    await page.context().close();
  }
}

async function bundleSizes() {
  // Our own code (components + core + WebSocket adapter), minified, with Lit left out as a shared dependency.
  const build = await rollup({
    input: 'components/index.ts',
    external: (id) => id === 'lit' || id.startsWith('lit/') || id.startsWith('@lit/') || id === 'mqtt' || id === 'socket.io-client',
    plugins: [esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' }), terser({ format: { comments: false } })],
    onwarn: () => undefined,
  });
  const { output } = await build.generate({ format: 'es' });
  // What a page on the WebSocket relay loads: the entry and what it imports statically (the join form) on arrival;
  // when Join is pressed, the meeting view (core, grid, toolbar) and the WebSocket adapter, both import()ed.
  // Panels (and the MQTT / Socket.IO adapters) are import()ed when first needed, and counted apart.
  const chunks = new Map(output.flatMap((o) => (o.type === 'chunk' ? [[o.fileName, o] as const] : [])));
  const closure = (roots: Iterable<string>, seen = new Set<string>()) => {
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const dep of chunks.get(name)?.imports ?? []) visit(dep);
    };
    for (const root of roots) visit(root);
    return seen;
  };
  const names = [...chunks.values()];
  const form = closure(names.filter((c) => c.isEntry).map((c) => c.fileName));
  const atJoinRoots = names.filter((c) => c.name === 'meeting-view' || /adapters[\\/]websocket[\\/]/.test(c.facadeModuleId ?? '')).map((c) => c.fileName);
  const eager = closure(atJoinRoots, new Set(form));
  const atJoin = [...eager].filter((n) => !form.has(n));
  const codeOf = (names: Iterable<string>) => [...names].map((n) => chunks.get(n)?.code ?? '').join('');
  const own = codeOf(eager);
  const lazy = names.filter((c) => !eager.has(c.fileName) && !/adapters[\\/](mqtt|socketio)[\\/]/.test(c.facadeModuleId ?? ''));
  const kb = (n: number) => Math.round((n / 1024) * 10) / 10;
  // Each single file as a CMS serves it: everything the page will ever fetch for that relay.
  const singleFiles: Record<string, { minKB: number; minGzipKB: number }> = {};
  for (const file of ['secure-meeting.bundle.js', 'secure-meeting.mqtt.bundle.js', 'secure-meeting.socketio.bundle.js']) {
    const code = await readFile(`dist/${file}`);
    singleFiles[file] = { minKB: kb(code.length), minGzipKB: kb(gzipSync(code, { level: 9 }).length) };
  }
  const lazyKB = Object.fromEntries(lazy.map((c) => [c.name, kb(gzipSync(c.code, { level: 9 }).length)]));
  const gz = (code: string) => kb(gzipSync(code, { level: 9 }).length);
  return { ownMinGzipKB: gz(own), formMinGzipKB: gz(codeOf(form)), atJoinMinGzipKB: gz(codeOf(atJoin)), lazyKB, singleFiles };
}

if (process.env['BENCH_ONLY'] === 'sizes') {
  // The bundle sizes alone: seconds, no browser (run after `npm run build` for the single files).
  console.log(JSON.stringify(await bundleSizes(), null, 2));
  process.exit(0);
}

if (process.env['BENCH_ONLY'] === 'capacity') {
  // One relay instance and two on Redis beside a bare ws server: idle connections per GB, deliveries/s at p99 < 100 ms. No browser.
  const figures = await capacityFigures();
  console.log(JSON.stringify(figures, null, 2));
  printCapacityFigures(figures);
  process.exit(0);
}

const demo = await startDemoServer({ port: 0 });
const browser = await launchBrowser();
const mosquitto = await startMosquitto();
if (process.env['BENCH_ONLY'] === 'baseline') {
  // Only the join before and after (BENCH_BASELINE), with as many runs as asked: the figure that needs the most runs.
  try {
    const only = await baselineJoinFigures({ browser, current: demo, runs: RUNS, joinTime, median });
    if (only) printBaseline(only);
  } finally {
    await browser.close();
    await demo.close();
    await mosquitto.close();
  }
  process.exit(0);
}
/** Figures that can be measured alone: `BENCH_ONLY=<name>`. */
const ALONE: Record<string, () => Promise<void>> = {
  // Chat delivery latency, three members.
  chat: async () => console.log(JSON.stringify(await chatLatency(browser, demo, 850), null, 2)),
  // The file transfer figures (a minute): the feature against the raw data channel.
  files: async () => printFileFigures(await fileFigures(browser, demo, RUNS, median)),
  // A host's mute request → silence at the other members, three members.
  mute: async () => console.log(JSON.stringify(await muteToSilence(browser, demo, 870, RUNS, median), null, 2)),
  // Admit pressed → the newcomer decodes frames from the first member and from all three.
  'waiting-room': async () => console.log(JSON.stringify(await admitFigures(browser, demo, 900, RUNS, median), null, 2)),
  // A TURN-only meeting past its credentials' expiry and Chromium's first allocation refresh (11 minutes).
  'turn-long': async () => console.log(JSON.stringify(await turnLongFigures(browser, demo), null, 2)),
  // Per-receiver video, 4 members: A's upload and CPU (off / thumbnails / large), thumbnail-to-full ratio, hidden → shown again.
  'video-fit': async () => printVideoFitFigures(await videoFitFigures(browser, demo, 950, RUNS, median)),
  // Felt join and join after keys against Trystero (MQTT) and the floor, 2 members and the 4th of 4, over Mosquitto and our ws relay.
  join: async () => {
    const figures = await joinFigures({ browser, demo, mosquittoUrl: mosquitto.url, runs: RUNS, floor, median });
    console.log(JSON.stringify(figures, null, 2));
    printJoinFigures(figures);
  },
};
const alone = ALONE[process.env['BENCH_ONLY'] ?? ''];
if (alone) {
  try {
    await alone();
  } finally {
    await browser.close();
    await demo.close();
    await mosquitto.close();
  }
  process.exit(0);
}
try {
  const results: Record<string, unknown> = {};
  const floors: number[] = [];
  const join2: { first: number; all: number }[] = [];
  const join4: { first: number; all: number }[] = [];
  const relays: Record<string, Relay> = {
    'Socket.IO relay': { adapter: 'socketio', url: demo.url },
    'Mosquitto (MQTT over WebSockets)': { adapter: 'mqtt', url: mosquitto.url },
  };
  const via2: Record<string, number[]> = Object.fromEntries(Object.keys(relays).map((k) => [k, []]));
  const via4: Record<string, number[]> = Object.fromEntries(Object.keys(relays).map((k) => [k, []]));
  const fourRuns = Math.ceil(RUNS / 2) + 1;
  // Interleaved, so drift on the machine touches every figure alike.
  for (let i = 0; i < RUNS; i++) {
    floors.push(await floor(browser, demo));
    join2.push(await joinTime(browser, demo, 2, 100 + i));
    for (const [name, relay] of Object.entries(relays)) via2[name]!.push((await joinTime(browser, demo, 2, 300 + i, relay)).first);
    if (i < fourRuns) {
      join4.push(await joinTime(browser, demo, 4, 200 + i));
      for (const [name, relay] of Object.entries(relays)) via4[name]!.push((await joinTime(browser, demo, 4, 400 + i, relay)).first);
    }
  }
  // The same join figures on the commit before the change under test, alternating with this build's.
  const baseline = await baselineJoinFigures({ browser, current: demo, runs: RUNS, joinTime, median });
  if (baseline) results['baseline'] = baseline;
  const floorMs = median(floors);
  const two = median(join2.map((r) => r.first));
  results['floorMs'] = floorMs;
  results['join2FirstFrameMs'] = two;
  results['join4FirstFrameMs'] = median(join4.map((r) => r.first));
  results['join4AllFramesMs'] = median(join4.map((r) => r.all));
  results['ratio2'] = Math.round((two / floorMs) * 100) / 100;
  results['keyDerivationMs'] = median(await keyDerivation(browser, demo));
  const vanish: number[] = [];
  const allow: number[] = [];
  const repair: Array<{ audio: number; video: number }> = [];
  for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
    vanish.push(await vanishTime(browser, demo, 500 + i));
    allow.push(await allowJoiningTime(browser, demo, 600 + i));
    repair.push(await repairTime(browser, demo, 700 + i));
  }
  results['linkCutToAudioAgainMs'] = median(repair.map((r) => r.audio));
  results['linkCutToFramesAgainMs'] = median(repair.map((r) => r.video));
  results['vanishToTileRemovedMs'] = median(vanish);
  results['allowJoiningToFirstFrameMs'] = median(allow);
  const perAdapter = Object.keys(relays).map((k) => ({ relay: k, join2FirstFrameMs: median(via2[k]!), join4FirstFrameMs: median(via4[k]!) }));
  results['joinVia'] = perAdapter;
  const opening = await openRates(browser, demo);
  results['envelopesOpened'] = opening;
  const flood = await floodCpu(browser, demo, 800);
  results['junkFlood'] = flood;
  const chatting = await chatLatency(browser, demo, 850);
  results['chatLatency'] = chatting;
  const muting = await muteToSilence(browser, demo, 870, RUNS, median);
  results['muteRequest'] = muting;
  const admitting = await admitFigures(browser, demo, 900, Math.max(3, Math.ceil(RUNS / 2)), median);
  results['admitToFrames'] = admitting;
  const againstTrystero = await joinFigures({ browser, demo, mosquittoUrl: mosquitto.url, runs: RUNS, floor, median });
  results['joinAgainstTrystero'] = againstTrystero;
  const sizes = await bundleSizes();
  Object.assign(results, sizes);
  const fileRates = await fileFigures(browser, demo, Math.max(3, Math.ceil(RUNS / 2)), median);
  results['files'] = fileRates;
  const fitting = await videoFitFigures(browser, demo, 950, Math.max(3, Math.ceil(RUNS / 2)), median);
  results['videoFit'] = fitting;
  const throughput = await relayFigures();
  results['relays'] = throughput;
  const capacity = await capacityFigures();
  results['capacity'] = capacity;
  results['runs'] = { floor: floors.length, join2: join2.length, join4: join4.length };

  const rows: Array<[string, string]> = [
    ['Floor: two bare RTCPeerConnections, first decoded frame', `${floorMs.toFixed(0)} ms`],
    ['Join → first decoded remote frame, 2 members', `${two.toFixed(0)} ms`],
    ['Ratio (2 members / floor), target ≤ 1.3', `${results['ratio2']}`],
    ['Join → first decoded remote frame, 4th of 4 members', `${(results['join4FirstFrameMs'] as number).toFixed(0)} ms`],
    ['Join → frames decoding from all 3 others, 4th of 4', `${(results['join4AllFramesMs'] as number).toFixed(0)} ms`],
    ['A member vanishes (renderer crash) → its tile removed', `${(results['vanishToTileRemovedMs'] as number).toFixed(0)} ms`],
    ['Link between two members cut (joining closed) → audio again / video frames again, repaired through a third',
      `${(results['linkCutToAudioAgainMs'] as number).toFixed(0)} ms / ${(results['linkCutToFramesAgainMs'] as number).toFixed(0)} ms`],
    ['Allow joining pressed → the waiting newcomer decodes a first frame', `${(results['allowJoiningToFirstFrameMs'] as number).toFixed(0)} ms`],
    ['Admit pressed → the newcomer linked to all 3 members / decodes a first frame / frames from all 3 (waiting room, 4th of 4)',
      `${admitting.linkedMs} ms / ${admitting.firstMs} ms / ${admitting.allMs} ms`],
    [`Chat message delivery, 3 members each sending (${chatting.samples} deliveries), p50 / p99`, `${chatting.p50Ms} ms / ${chatting.p99Ms} ms`],
    [`A host's mute request → silence at the first / at every other member (3 members; request delivered in ${muting.requestReachedMs} ms)`, `${muting.firstSilentMs} ms / ${muting.allSilentMs} ms`],
    ['… floor: the member switching her own microphone off → silence at every other member', `${muting.ownMuteAllSilentMs} ms`],
    ['Key derivation (PBKDF2 600k + HKDF), in Chromium', `${(results['keyDerivationMs'] as number).toFixed(0)} ms`],
    ['What a page loads to show the join form (components entry), min+gzip (Lit excluded), target ≤ 25 KB', `${results['formMinGzipKB']} KB`],
    ['… fetched when Join is pressed, while the keys are derived: core, the meeting view, the WebSocket adapter', `${results['atJoinMinGzipKB']} KB`],
    ['… the two together: components+core+websocket before any panel opens', `${results['ownMinGzipKB']} KB`],
    ...Object.entries(sizes.lazyKB).map(([name, gz]): [string, string] => [`… loaded on first open: ${name}, min+gzip`, `${gz} KB`]),
    ...Object.entries(sizes.singleFiles).map(([file, { minKB, minGzipKB }]): [string, string] =>
      [`Single file ${file} (Lit, core, elements, its adapters), min / min+gzip`, `${minKB} KB / ${minGzipKB} KB`]),
  ];
  console.log(`\nsecure-meeting benchmarks (medians; ${RUNS} runs; ${new Date().toISOString()})\n`);
  console.log('| measure | value |\n| --- | --- |');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  console.log(`\nJoin → first decoded remote frame per relay (the WebSocket relay's figures are above)\n`);
  console.log('| relay | 2 members | 4th of 4 members |\n| --- | --- | --- |');
  for (const r of perAdapter) console.log(`| ${r.relay} | ${r.join2FirstFrameMs.toFixed(0)} ms (ratio ${(r.join2FirstFrameMs / floorMs).toFixed(2)}) | ${r.join4FirstFrameMs.toFixed(0)} ms |`);
  const load = throughput[0];
  console.log(`\nRelay throughput: ${load?.topics} topics × ${load?.membersPerTopic} members, every member publishing 1 KiB strings (Node clients, loopback)\n`);
  console.log('| relay | envelopes delivered/s | latency p50 | latency p99 |\n| --- | --- | --- | --- |');
  for (const r of throughput) console.log(`| ${r.relay} | ${r.deliveriesPerSecond} | ${r.p50Ms} ms | ${r.p99Ms} ms |`);
  printCapacityFigures(capacity);
  printJoinFigures(againstTrystero);
  printFileFigures(fileRates);
  printVideoFitFigures(fitting);
  if (baseline) printBaseline(baseline);
  console.log('\nMember identity and junk (one member, Chromium)\n');
  console.log('| measure | value |\n| --- | --- |');
  console.log(`| Envelopes (3 KB offers) opened per second: whole check / without the signature check (${opening.verifyUs} µs each) | ${opening.signedPerSecond} / ${opening.withoutSignaturePerSecond} |`);
  console.log(`| Main-thread ms per second, alone in a meeting: idle | ${flood.idleMsPerS} ms |`);
  console.log(`| … while ${flood.framesPerSecond} frames/s of 60 KB non-envelopes arrive (outsider) | ${flood.notEnvelopesMsPerS} ms |`);
  console.log(`| … while ${flood.framesPerSecond} frames/s of 60 KB undecryptable envelopes arrive (outsider) | ${flood.undecryptableMsPerS} ms |`);
  console.log(`| … while ${flood.framesPerSecond} forged hellos/s arrive (insider: password, wrong key) | ${flood.forgedMsPerS} ms |`);
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/latest.json', JSON.stringify(results, null, 2));
} finally {
  await browser.close();
  await demo.close();
  await mosquitto.close();
}
