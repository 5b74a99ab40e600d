/**
 * A TURN-only meeting longer than its credentials (`BENCH_ONLY=turn-long`,
 * BENCH_TURN_MINUTES long, 11 by default): the relay CLI issues credentials
 * for 60 s (its shortest `--turn-ttl`), two Chromium members meet through a
 * real coturn only, and the run watches past Chromium's first allocation
 * refresh (about a minute before the allocation's 600 s run out), which
 * comes long after the first credential expired. It reports how long video
 * ever stalled, what coturn did with each refresh (its verbose log), and
 * whether the members still meet through coturn at the end. A run of minutes
 * whose point is that timer: a benchmark, not a pass/fail test.
 */
import type { Browser, Page } from 'playwright-core';
import { readCli, type CliConfig } from '../adapters/cli/options.js';
import { startRelay } from '../adapters/cli/relay.js';
import type { DemoServer } from '../demo/server.js';
import { startCoturn } from '../test/support/coturn.js';
import { expectEveryoneSeesAndHearsEveryone, joinThroughGate, openMember, receiveStats, selectedTypes, useRelay } from '../test/e2e/browser.js';

const API_KEY = 'bench-turn-key';
const TTL_S = 60;

export interface TurnLongFigures {
  minutes: number;
  ttlS: number;
  /** The longest time Alice's video from Bertrand did not advance, sampled every 2 s. */
  longestStallMs: number;
  /** coturn's allocation refreshes, and those that failed (401 and others), after the first credential expired. */
  refreshesAfterExpiry: number;
  failedRefreshesAfterExpiry: number;
  /** At the end: both members still see and hear each other, through coturn only. */
  stillMeeting: boolean;
  relayOnly: boolean;
}

export async function turnLongFigures(browser: Browser, demo: DemoServer, minutes = Number(process.env['BENCH_TURN_MINUTES'] ?? 11)): Promise<TurnLongFigures> {
  const coturnStarted = Date.now();
  const coturn = await startCoturn({ verbose: true });
  const relay = await startRelay(readCli(['--port', '0', '--api-keys', API_KEY, '--turn-urls', coturn.url, '--turn-ttl', String(TTL_S)], { SM_TURN_SECRET: coturn.secret }) as CliConfig, () => {});
  const base = `http://127.0.0.1:${relay.address().port}`;
  const members = new Map<string, Page>();
  try {
    for (const name of ['Alice', 'Bertrand']) {
      const page = await openMember(browser, demo.url);
      await useRelay(page, 'ws', `${base.replace('http', 'ws')}/relay/[TOPIC]?apiKey=[API_KEY]`, { apiKey: API_KEY });
      await page.evaluate((url) => {
        const el = document.querySelector('secure-meeting')!;
        el.setAttribute('ice-transport-policy', 'relay');
        el.setAttribute('ice-credentials-url', url);
      }, `${base}/turn-credentials`);
      await joinThroughGate(page, { channel: 861, password: 'bench-turn-long', name });
      members.set(name, page);
    }
    await expectEveryoneSeesAndHearsEveryone(members);
    const firstExpiry = Date.now() + TTL_S * 1000;
    const until = Date.now() + minutes * 60_000;
    let last = await receiveStats(members.get('Alice')!);
    let stalledSince: number | null = null;
    let longestStallMs = 0;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 2000));
      const now = await receiveStats(members.get('Alice')!);
      if ((now['Bertrand']?.framesDecoded ?? 0) > (last['Bertrand']?.framesDecoded ?? 0)) stalledSince = null;
      else {
        stalledSince ??= Date.now();
        longestStallMs = Math.max(longestStallMs, Date.now() - stalledSince);
      }
      last = now;
    }
    let stillMeeting = true;
    await expectEveryoneSeesAndHearsEveryone(members).catch(() => (stillMeeting = false));
    const pairs = (await Promise.all([...members.values()].map(selectedTypes))).flat();
    const relayOnly = pairs.length > 0 && pairs.every((p) => p.local === 'relay' && p.remote === 'relay');
    // coturn's verbose lines start with the seconds since it started.
    const afterExpiry = (line: string) => coturnStarted + Number(/^(\d+):/.exec(line)?.[1] ?? 0) * 1000 > firstExpiry;
    const refreshes = coturn.log().split('\n').filter((l) => /incoming packet REFRESH processed/.test(l) && afterExpiry(l));
    return {
      minutes,
      ttlS: TTL_S,
      longestStallMs,
      refreshesAfterExpiry: refreshes.length,
      failedRefreshesAfterExpiry: refreshes.filter((l) => !/success/.test(l)).length,
      stillMeeting,
      relayOnly,
    };
  } finally {
    for (const page of members.values()) await page.context().close();
    await relay.stop();
    await coturn.stop();
  }
}
