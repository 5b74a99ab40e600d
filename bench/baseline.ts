/**
 * Join figures before and after a change, in one run (issue 9): the commit
 * named by BENCH_BASELINE (default 58f5f23, the last one before issue 9's
 * rework of core) is exported into a temporary folder with `git archive`,
 * built there against our node_modules, and its own demo server started from
 * there. Its joins and the current build's are measured by the same
 * function, alternately, in the same browser, so drift on the machine touches
 * both alike. BENCH_BASELINE=none skips it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import type { DemoServer } from '../demo/server.js';

const DEFAULT_REF = '58f5f23';

type Join = { first: number; all: number };
/** bench/run.ts's joinTime: the last of `members` joins over the ws relay; ms from keys derived to first / all frames decoded. */
export type JoinTime = (browser: Browser, demo: DemoServer, members: number, channel: number) => Promise<Join>;

export interface BaselineFigures {
  ref: string;
  commit: string;
  runs: number;
  /** Medians, ms: join → first decoded remote frame with 2 members, and for the 4th of 4 (first, and all 3 others). */
  baseline: { join2FirstFrameMs: number; join4FirstFrameMs: number; join4AllFramesMs: number };
  current: { join2FirstFrameMs: number; join4FirstFrameMs: number; join4AllFramesMs: number };
}

/** Runs a command without blocking the event loop (the browser and servers stay served during the build). */
async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
    throw new Error(`secure-meeting bench: \`${cmd} ${args.join(' ')}\` failed in ${cwd}:\n${stderr || stdout}`);
  }
}

/** The baseline commit, exported and built in a temporary folder; null when BENCH_BASELINE=none. */
async function buildBaseline(): Promise<{ ref: string; commit: string; dir: string } | null> {
  const ref = process.env['BENCH_BASELINE'] ?? DEFAULT_REF;
  if (ref === '' || ref === 'none') return null;
  const root = await run('git', ['rev-parse', '--show-toplevel'], process.cwd());
  const commit = await run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root).catch(() => {
    throw new Error(`secure-meeting bench: BENCH_BASELINE=${ref} is not a commit in ${root}`);
  });
  const dir = await mkdtemp(join(tmpdir(), 'sm-baseline-'));
  await run('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'sh', commit, dir], root);
  await symlink(await realpath(resolve(root, 'node_modules')), join(dir, 'node_modules'));
  console.log(`Building the baseline ${ref} (${commit.slice(0, 10)}) in ${dir}…`);
  await run('npm', ['run', '--silent', 'build'], dir).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return { ref, commit, dir };
}

/**
 * Measures join → first decoded frame (2 members; 4th of 4) on the baseline
 * commit's build and on the current one, `runs` times each, alternately.
 */
export async function baselineJoinFigures(opts: {
  browser: Browser;
  current: DemoServer;
  runs: number;
  joinTime: JoinTime;
  median: (xs: number[]) => number;
}): Promise<BaselineFigures | null> {
  const built = await buildBaseline();
  if (!built) return null;
  const { browser, current, runs, joinTime, median } = opts;
  // The baseline's own server, so its page, its dist/ and its relay are all the old commit's.
  const { startDemoServer } = (await import(pathToFileURL(join(built.dir, 'demo/server.ts')).href)) as typeof import('../demo/server.js');
  const old = await startDemoServer({ port: 0 });
  try {
    const samples = { baseline: { two: [] as Join[], four: [] as Join[] }, current: { two: [] as Join[], four: [] as Join[] } };
    for (let i = 0; i < runs; i++) {
      // Which build goes first alternates too, so neither always gets the warmer browser.
      const order = i % 2 === 0 ? (['baseline', 'current'] as const) : (['current', 'baseline'] as const);
      for (const which of order) {
        const demo = which === 'baseline' ? old : current;
        samples[which].two.push(await joinTime(browser, demo, 2, 800 + i));
        samples[which].four.push(await joinTime(browser, demo, 4, 900 + i));
      }
    }
    const figures = (s: { two: Join[]; four: Join[] }) => ({
      join2FirstFrameMs: median(s.two.map((r) => r.first)),
      join4FirstFrameMs: median(s.four.map((r) => r.first)),
      join4AllFramesMs: median(s.four.map((r) => r.all)),
    });
    return { ref: built.ref, commit: built.commit, runs, baseline: figures(samples.baseline), current: figures(samples.current) };
  } finally {
    await old.close();
    await rm(built.dir, { recursive: true, force: true });
  }
}

/** The side-by-side table for the bench report. */
export function printBaseline(b: BaselineFigures): void {
  console.log(`\nJoin before and after: baseline ${b.ref} (${b.commit.slice(0, 10)}) against this build, WebSocket relay, medians of ${b.runs} alternating runs each\n`);
  console.log('| measure | baseline | this build | ratio |\n| --- | --- | --- | --- |');
  const rows: Array<[string, keyof BaselineFigures['current']]> = [
    ['Join → first decoded remote frame, 2 members', 'join2FirstFrameMs'],
    ['Join → first decoded remote frame, 4th of 4 members', 'join4FirstFrameMs'],
    ['Join → frames decoding from all 3 others, 4th of 4', 'join4AllFramesMs'],
  ];
  for (const [label, key] of rows) {
    const [was, now] = [b.baseline[key], b.current[key]];
    console.log(`| ${label} | ${was.toFixed(0)} ms | ${now.toFixed(0)} ms | ${(now / was).toFixed(2)} |`);
  }
}
