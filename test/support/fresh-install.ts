/**
 * The package as a stranger gets it: `npm pack`ed, installed into an empty
 * folder, its commands run with `npx`. Tests never reach the registry, so
 * the folder gets a lockfile cut from ours (the same versions, already in
 * npm's cache since `npm ci`) and is installed with `npm ci --offline`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [flag: string]: unknown;
}

/** Where `name` resolves from the package at `from` ('' for the root), as Node would look: up the folders. */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const key = `${base === '' ? '' : base + '/'}node_modules/${name}`;
    if (packages[key] !== undefined) return key;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/** Our lockfile's entries for `roots` and everything they need at run time, install flags dropped. */
function closure(packages: Record<string, LockEntry>, roots: Record<string, string>, from = ''): Record<string, LockEntry> {
  const taken: Record<string, LockEntry> = {};
  const queue: Array<[from: string, name: string]> = Object.keys(roots).map((name) => [from, name]);
  while (queue.length > 0) {
    const [at, name] = queue.shift()!;
    const key = resolveIn(packages, at, name);
    if (key === undefined || taken[key] !== undefined) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = packages[key]!;
    taken[key] = entry;
    const required = Object.keys(entry.peerDependencies ?? {}).filter((p) => !entry.peerDependenciesMeta?.[p]?.optional);
    for (const dep of [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}), ...required]) {
      queue.push([key, dep]);
    }
  }
  return taken;
}

export interface FreshInstall {
  readonly dir: string;
  /** Runs `npx <args>` in the folder, offline. */
  readonly npx: (args: readonly string[]) => { command: string; args: string[]; cwd: string };
}

/**
 * Packs the repository (build it first) and installs the tarball, plus
 * `extra` packages our lockfile holds (e.g. socket.io, an optional peer),
 * into a new temporary folder.
 */
export async function freshInstall(extra: readonly string[] = []): Promise<FreshInstall> {
  const dir = await mkdtemp(join(tmpdir(), 'secure-meeting-fresh-'));
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT });
  const tarball = stdout.trim().split('\n').at(-1)!;
  const ours = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as LockEntry & { name: string };
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const integrity = 'sha512-' + createHash('sha512').update(await readFile(join(dir, tarball))).digest('base64');
  const wanted: Record<string, string> = { [ours.name]: `file:${tarball}` };
  for (const name of extra) wanted[name] = lock.packages[`node_modules/${name}`]?.version ?? '*';
  const { name: _name, devDependencies: _dev, scripts: _scripts, ...published } = ours;
  const required = Object.keys(ours.peerDependencies ?? {}).filter((p) => !ours.peerDependenciesMeta?.[p]?.optional);
  const packages: Record<string, LockEntry> = {
    '': { name: 'fresh-site', dependencies: wanted },
    [`node_modules/${ours.name}`]: { ...pick(published), resolved: `file:${tarball}`, integrity },
    ...closure(lock.packages, { ...ours.dependencies, ...Object.fromEntries(required.map((p) => [p, '*'])) }),
    ...closure(lock.packages, Object.fromEntries(extra.map((name) => [name, '*']))),
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'fresh-site', private: true, dependencies: wanted }, null, 2));
  await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ name: 'fresh-site', lockfileVersion: 3, requires: true, packages }, null, 2));
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: dir, timeout: 120_000 });
  return {
    dir,
    npx: (args) => ({ command: 'npx', args: ['--offline', '--no-install', ...args], cwd: dir }),
  };
}

/** What a lockfile records of an installed package. */
function pick(manifest: LockEntry): LockEntry {
  const keys = ['version', 'license', 'dependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines'];
  return Object.fromEntries(keys.filter((k) => manifest[k] !== undefined).map((k) => [k, manifest[k]]));
}
