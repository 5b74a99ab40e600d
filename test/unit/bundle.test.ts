/**
 * Two ways to ship the components, read from the built files (so `npm run
 * build` first; `npm test` does):
 * - the package entry for bundlers: a page pays only for the relay it uses
 *   (DESIGN.md, adapters): what loads when the components load — the entry and
 *   every file it imports statically — holds neither mqtt.js nor
 *   socket.io-client; each adapter is a module reached only through import();
 * - one file per relay for a CMS: each single file fetches nothing else (no
 *   import of any kind) and holds exactly its relay's library.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';

/** Strings that only each library's own code contains (a protocol name, an engine.io close reason). */
const LIBRARIES = { 'mqtt.js': 'MQIsdp', 'socket.io-client': 'transport close' } as const;
/** A message only the WebSocket adapter's client has. */
const WEBSOCKET_ADAPTER = 'websocketRelay: connect() needs a non-empty topic';

/** Each single file and the libraries it must hold; it must hold no other. */
const SINGLE_FILES: Record<string, (keyof typeof LIBRARIES)[]> = {
  'secure-meeting.bundle.js': [],
  'secure-meeting.mqtt.bundle.js': ['mqtt.js'],
  'secure-meeting.socketio.bundle.js': ['socket.io-client'],
};

// `import{a as b}from"./x.js"`, `import "./x.js"`, `export{c}from"./x.js"`; never `import("./x.js")`.
const STATIC = /\b(?:import|export)\s*(?:[\w*${}\s,]+?\s*from\s*)?["']([^"']+)["']/g;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

const specifiers = (code: string, pattern: RegExp): string[] => [...code.matchAll(pattern)].map((m) => m[1]!);

/** The entry and the relative files it imports statically, transitively, with their code. */
function staticClosure(entry: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    assert.ok(existsSync(file), `${file} is missing: run npm run build first`);
    const code = readFileSync(file, 'utf8');
    files.set(file, code);
    for (const s of specifiers(code, STATIC)) if (s.startsWith('.')) visit(resolve(dirname(file), s));
  };
  visit(resolve(entry));
  return files;
}

function lazyChunks(files: Map<string, string>): string[] {
  return [...files].flatMap(([file, code]) => specifiers(code, DYNAMIC).map((s) => resolve(dirname(file), s)));
}

function readBuilt(file: string): string {
  assert.ok(existsSync(file), `${file} is missing: run npm run build first`);
  return readFileSync(file, 'utf8');
}

describe('one self-contained file per relay', () => {
  test('each single file imports nothing, statically or with import(), and never calls require()', { timeout: 10_000 }, () => {
    for (const file of Object.keys(SINGLE_FILES)) {
      const code = readBuilt(join('dist', file));
      assert.deepEqual(specifiers(code, STATIC), [], `${file} imports other files`);
      // Any import(…), not only one with a literal path: the file must not fetch at all.
      assert.doesNotMatch(code, /\bimport\s*\(/, `${file} calls import()`);
      assert.doesNotMatch(code, /\brequire\(/, `${file} calls require(): Node-only code got in`);
    }
    assert.ok(!existsSync('dist/bundle'), 'no chunk folder beside the single files');
  });

  test('each single file holds the WebSocket adapter and exactly its relay\'s library', { timeout: 10_000 }, () => {
    for (const [file, inside] of Object.entries(SINGLE_FILES)) {
      const code = readBuilt(join('dist', file));
      assert.ok(code.includes(WEBSOCKET_ADAPTER), `${file} holds the WebSocket adapter`);
      for (const [library, marker] of Object.entries(LIBRARIES) as [keyof typeof LIBRARIES, string][]) {
        assert.equal(code.includes(marker), inside.includes(library), `${file} ${inside.includes(library) ? 'lacks' : 'holds'} ${library}`);
      }
    }
  });
});

describe('the package entry loads adapters only when chosen', () => {
  test('the package entry for the components imports neither library; the adapter entries do', { timeout: 10_000 }, () => {
    const base = staticClosure('dist/components/index.js');
    for (const [file, code] of base) {
      const bare = specifiers(code, STATIC).filter((s) => !s.startsWith('.'));
      for (const library of ['mqtt', 'socket.io-client']) assert.ok(!bare.includes(library), `${file} imports ${library}`);
    }
    const lazy = lazyChunks(base).map((f) => f.replace(/\\/g, '/'));
    for (const name of ['websocket', 'mqtt', 'socketio']) {
      assert.ok(lazy.some((f) => f.endsWith(`/dist/adapters/${name}/index.js`)), `components import() the ${name} adapter: ${lazy.join(', ')}`);
    }
    const imports = (entry: string): string[] => [...staticClosure(entry).values()].flatMap((code) => specifiers(code, STATIC));
    assert.ok(imports('dist/adapters/mqtt/index.js').includes('mqtt'));
    assert.ok(imports('dist/adapters/socketio/index.js').includes('socket.io-client'));
  });
});
