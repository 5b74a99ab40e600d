/**
 * Join speed against Trystero (issue 13), side by side in one run:
 * - ours (the <secure-meeting> element on the demo page, pressing Join) over
 *   one local Mosquitto and over our ws relay (the demo server's);
 * - Trystero's MQTT strategy on the same Mosquitto (trystero.ts); it has no
 *   strategy for our ws relay, so ours-over-ws stands next to
 *   Trystero-over-Mosquitto and the floor;
 * - the floor: two bare RTCPeerConnections in one page (run.ts's floor()).
 * Figures: the felt join (Join pressed, or Trystero's getUserMedia +
 * joinRoom called → first decoded remote frame, key derivation included) and
 * the join after keys (ours: from keys derived; Trystero's keys are one
 * SHA-256, so from its camera open), for 2 members and for the 4th of 4.
 * Interleaved, medians over the runs, ratios from the same run.
 *
 * A person types the channel and password, then their name: the form is
 * still for a moment before Join, and ours derives the keys then
 * (`prepareRoomKeys`, join-gate's `join-prepare`). The bench models that
 * with FORM_STILL_MS between the password and pressing Join. Trystero's
 * join starts at getUserMedia + joinRoom, with the bundle already loaded.
 */
import type { Browser, Page } from 'playwright-core';
import type { DemoServer } from '../demo/server.js';
import type { AdapterName } from '../components/index.js';
import { openMember, useRelay } from '../test/e2e/browser.js';
import { trysteroDecoding, trysteroJoin, trysteroMarks, trysteroMember, watchFrames } from './trystero.js';

/** What the person takes to type their name after the password, at least (a second is quick). */
export const FORM_STILL_MS = 1000;

/**
 * Members already there have been in a while before the newcomer comes:
 * each earlier member is fully in (on the relay, decoding everyone before
 * it) and then this long passes, for every kit alike.
 */
export const SETTLE_MS = 2500;

export interface JoinSample { felt: number; afterKeys: number }
type Kit = 'ours-mqtt' | 'ours-ws' | 'trystero-mqtt';
export interface JoinFigures {
  runs: number;
  formStillMs: number;
  floorMs: number;
  /** Medians, ms, by kit and by "2" (2 members) or "4" (the 4th of 4). */
  median: Record<Kit, Record<'2' | '4', JoinSample>>;
  /** ours / Trystero on the same broker (MQTT), and ours over ws / Trystero over MQTT. */
  ratios: Record<string, number>;
  /** The newcomer's meeting.timings in the median-felt run of each of ours (for finding what is left). */
  timings: Record<string, unknown>;
}

const meetingOf = `(document.querySelector('secure-meeting')).meeting`;

/** Our member: channel and password typed, the form still for a moment, then name and Join (pressed in the page, timed there). */
async function oursJoin(page: Page, { channel, password, name, expect }: { channel: number; password: string; name: string; expect: number }): Promise<void> {
  await page.getByLabel('Channel').fill(String(channel));
  await page.getByLabel('Password').fill(password);
  await page.waitForTimeout(FORM_STILL_MS);
  await page.getByLabel('Your name').fill(name);
  await page.evaluate(() => {
    type M = { addEventListener(t: string, f: (e: { state: string }) => void): void };
    const el = document.querySelector('secure-meeting') as unknown as { meeting: M | null; shadowRoot: ShadowRoot };
    const gate = el.shadowRoot.querySelector('join-gate')!;
    const button = [...gate.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Join')!;
    const marks: Record<string, number> = { t0: performance.now() };
    Object.assign(window, { marks });
    // Heard from the moment the element makes its meeting (before join() runs): keys derived
    // ahead make 'connecting' come sooner than a poll for el.meeting would see it.
    const controller = (el as unknown as { controller: { meeting: M | null } }).controller;
    let current = controller.meeting;
    Object.defineProperty(controller, 'meeting', {
      configurable: true,
      get: () => current,
      set: (meeting: M | null) => {
        current = meeting;
        meeting?.addEventListener('state', (e) => {
          if (e.state === 'connecting') marks['keys'] ??= performance.now();
        });
      },
    });
    button.click();
  });
  await watchFrames(page, 'marks', expect);
}

/** A member on the demo page, which loads the one file that holds the relay's adapter; our ws relay when `relay` is null. */
export async function demoMember(browser: Browser, demo: DemoServer, relay: { adapter: AdapterName; url: string } | null | undefined): Promise<Page> {
  const page = await openMember(browser, relay ? `${demo.url}?relay=${relay.adapter}` : demo.url);
  if (relay) await useRelay(page, relay.adapter, relay.url);
  return page;
}

async function oursRun(browser: Browser, demo: DemoServer, members: number, channel: number, relay: { adapter: 'mqtt'; url: string } | null) {
  const pages: Page[] = [];
  try {
    for (let i = 0; i < members; i++) {
      const page = await demoMember(browser, demo, relay);
      pages.push(page);
      await oursJoin(page, { channel, password: `join-${channel}`, name: `M${i}`, expect: members - 1 });
      // Everyone before the last is fully in (decoding from all before it), so the last join is what we time.
      if (i < members - 1) {
        await page.waitForFunction(`(window.marks.decoding ?? 0) >= ${i} && ${meetingOf}?.state === 'joined'`, null, { timeout: 30_000 });
        await page.waitForTimeout(SETTLE_MS);
      }
    }
    const last = pages.at(-1)!;
    await last.waitForFunction(() => (window as unknown as { marks: { all?: number } }).marks.all !== undefined, null, { timeout: 30_000 });
    const marks = await last.evaluate(() => (window as unknown as { marks: Record<string, number> }).marks);
    const timings = await last.evaluate(`${meetingOf}.timings`);
    return { felt: marks['first']! - marks['t0']!, afterKeys: marks['first']! - marks['keys']!, timings };
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
}

async function trysteroRun(browser: Browser, demo: DemoServer, brokerUrl: string, members: number, room: string): Promise<JoinSample> {
  const pages: Page[] = [];
  try {
    for (let i = 0; i < members; i++) {
      const page = await trysteroMember(browser, demo.url);
      pages.push(page);
      await trysteroJoin(page, { brokerUrl, room, password: `join-${room}`, expect: members - 1 });
      if (i < members - 1) {
        await trysteroDecoding(page, i);
        await page.waitForTimeout(SETTLE_MS);
      }
    }
    const m = await trysteroMarks(pages.at(-1)!);
    return { felt: m.first - m.t0, afterKeys: m.first - m.media };
  } finally {
    await Promise.all(pages.map((p) => p.context().close()));
  }
}

export async function joinFigures({ browser, demo, mosquittoUrl, runs, floor, median }: {
  browser: Browser;
  demo: DemoServer;
  mosquittoUrl: string;
  runs: number;
  floor: (browser: Browser, demo: DemoServer) => Promise<number>;
  median: (xs: number[]) => number;
}): Promise<JoinFigures> {
  const kits: Kit[] = ['ours-mqtt', 'ours-ws', 'trystero-mqtt'];
  const samples = Object.fromEntries(kits.map((k) => [k, { '2': [] as (JoinSample & { timings?: unknown })[], '4': [] as (JoinSample & { timings?: unknown })[] }])) as Record<Kit, Record<'2' | '4', (JoinSample & { timings?: unknown })[]>>;
  const floors: number[] = [];
  // Interleaved, so drift on the machine touches every figure alike; a fresh channel or room each time.
  for (let i = 0; i < runs; i++) {
    floors.push(await floor(browser, demo));
    for (const members of [2, 4] as const) {
      const key = String(members) as '2' | '4';
      const channel = 950 + i * 4 + members;
      samples['ours-mqtt'][key].push(await oursRun(browser, demo, members, channel, { adapter: 'mqtt', url: mosquittoUrl }));
      samples['trystero-mqtt'][key].push(await trysteroRun(browser, demo, mosquittoUrl, members, `bench-${i}-${members}-${Date.now()}`));
      samples['ours-ws'][key].push(await oursRun(browser, demo, members, channel + 1, null));
    }
  }
  const med = {} as JoinFigures['median'];
  const timings: Record<string, unknown> = {};
  for (const kit of kits) {
    med[kit] = {} as Record<'2' | '4', JoinSample>;
    for (const key of ['2', '4'] as const) {
      const xs = samples[kit][key];
      med[kit][key] = { felt: median(xs.map((s) => s.felt)), afterKeys: median(xs.map((s) => s.afterKeys)) };
      const mid = [...xs].sort((a, b) => a.felt - b.felt)[Math.floor(xs.length / 2)];
      if (mid?.timings) timings[`${kit} ${key === '2' ? '2 members' : '4th of 4'}`] = mid.timings;
    }
  }
  const floorMs = median(floors);
  const r = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const ratios: Record<string, number> = {};
  for (const key of ['2', '4'] as const) {
    const t = med['trystero-mqtt'][key];
    for (const ours of ['ours-mqtt', 'ours-ws'] as const) {
      ratios[`${ours}/trystero ${key} felt`] = r(med[ours][key].felt, t.felt);
      ratios[`${ours}/trystero ${key} afterKeys`] = r(med[ours][key].afterKeys, t.afterKeys);
      ratios[`${ours}/floor ${key} felt`] = r(med[ours][key].felt, floorMs);
    }
    ratios[`trystero/floor ${key} felt`] = r(t.felt, floorMs);
  }
  return { runs, formStillMs: FORM_STILL_MS, floorMs, median: med, ratios, timings };
}

export function printJoinFigures(f: JoinFigures): void {
  const row = (label: string, kit: Kit, key: '2' | '4') => {
    const m = f.median[kit][key];
    const vs = kit === 'trystero-mqtt' ? '1.00' : `${f.ratios[`${kit}/trystero ${key} felt`]}`;
    return `| ${label} | ${m.felt.toFixed(0)} ms | ${m.afterKeys.toFixed(0)} ms | ${vs} | ${(m.felt / f.floorMs).toFixed(2)} |`;
  };
  console.log(`\nJoin → first decoded remote frame (medians of ${f.runs} interleaved runs; form still ${f.formStillMs} ms before Join)\n`);
  console.log('| who, relay | felt join | after keys | felt / Trystero (MQTT) | felt / floor |\n| --- | --- | --- | --- | --- |');
  for (const [key, label] of [['2', '2 members'], ['4', '4th of 4']] as const) {
    console.log(row(`Trystero, Mosquitto, ${label}`, 'trystero-mqtt', key));
    console.log(row(`ours, Mosquitto, ${label}`, 'ours-mqtt', key));
    console.log(row(`ours, ws relay, ${label} (Trystero has no ws strategy: compared with its MQTT)`, 'ours-ws', key));
  }
  console.log(`| floor: two bare RTCPeerConnections in one page | ${f.floorMs.toFixed(0)} ms | | | 1.00 |`);
}
