/**
 * A page pays only for the relay it uses (DESIGN.md, adapters): what loads
 * when the components load — the entry and every file it imports statically —
 * holds neither mqtt.js nor socket.io-client; each adapter is a chunk reached
 * only through import(). Reads the built files, so `npm run build` first
 * (`npm test` does).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';

/** Strings that only each library's own code contains (a protocol name, an engine.io close reason). */
const LIBRARIES = { 'mqtt.js': 'MQIsdp', 'socket.io-client': 'transport close' } as const;

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

describe('adapters are loaded only when chosen', () => {
  test('the self-contained bundle carries neither library until an adapter is picked; the adapter chunks do', { timeout: 10_000 }, () => {
    const base = staticClosure('dist/secure-meeting.bundle.js');
    for (const [library, marker] of Object.entries(LIBRARIES)) {
      for (const [file, code] of base) assert.ok(!code.includes(marker), `${file} loads with the page but contains ${library}`);
    }
    const lazy = lazyChunks(base);
    assert.equal(lazy.length, 3, `one lazy chunk per adapter, found ${lazy.join(', ')}`);
    const chunk = (name: string): string => {
      const file = lazy.find((f) => f.includes(join('bundle', `${name}-`)));
      assert.ok(file, `a lazy ${name} chunk among ${lazy.join(', ')}`);
      return readFileSync(file, 'utf8');
    };
    assert.ok(chunk('mqtt').includes(LIBRARIES['mqtt.js']), 'the mqtt chunk holds mqtt.js');
    assert.ok(chunk('socketio').includes(LIBRARIES['socket.io-client']), 'the socketio chunk holds socket.io-client');
    for (const marker of Object.values(LIBRARIES)) assert.ok(!chunk('websocket').includes(marker));
  });

  test('no file of the browser bundle calls require(): Node-only code stayed out', { timeout: 10_000 }, () => {
    const base = staticClosure('dist/secure-meeting.bundle.js');
    for (const chunk of lazyChunks(base)) for (const [file, code] of staticClosure(chunk)) base.set(file, code);
    assert.ok(base.size >= 4, `the entry and the adapter chunks: ${[...base.keys()].join(', ')}`);
    for (const [file, code] of base) assert.doesNotMatch(code, /\brequire\(/, `${file} calls require()`);
  });

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
