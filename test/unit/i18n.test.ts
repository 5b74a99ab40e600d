/**
 * The message catalog (components/i18n): each shipped language has exactly
 * the keys of the English catalog, of the same kind; every key is used by
 * some component; a site's own language is checked as it is defined; a
 * `lang` picks the nearest language the kit has.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { en } from '../../components/i18n/en.js';
import { defineLanguage, loadLanguage, pickLanguage, shippedLanguages, type Messages } from '../../components/i18n/i18n.js';

const keys = Object.keys(en) as (keyof Messages)[];
/** Sample arguments for a message function: a count, a name, or a flag, by the parameter's position and English use. */
const SAMPLES: readonly unknown[][] = [[1], [2], [5, 7], ['Ada', 3], [true, false]];

/** Every .ts file under components/, but the catalog's own. */
function sources(dir = 'components'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return path === join('components', 'i18n') ? [] : sources(path);
    return d.name.endsWith('.ts') ? [path] : [];
  });
}

test('English, German and Spanish are shipped, and every language file of components/i18n/ is in the SHIPPED table', { timeout: 5000 }, () => {
  for (const code of ['en', 'de', 'es']) assert.ok(shippedLanguages.includes(code), code);
  const files = readdirSync(join('components', 'i18n')).filter((f) => /^[a-z]{2,3}(-[a-z0-9]+)*\.ts$/.test(f)).map((f) => f.slice(0, -3));
  assert.deepEqual([...files].sort(), [...shippedLanguages].sort(), 'a language file without its line in SHIPPED (i18n.ts), or a line without its file');
});

for (const code of shippedLanguages.filter((l) => l !== 'en')) {
  test(`"${code}" has every key of the catalog and no other, each of the same kind`, { timeout: 5000 }, async () => {
    const language = (await import(`../../components/i18n/${code}.js`)).default as Record<string, unknown>;
    const missing = keys.filter((k) => !Object.hasOwn(language, k));
    const unknown = Object.keys(language).filter((k) => !Object.hasOwn(en, k));
    assert.deepEqual(missing, [], `missing in ${code}.ts`);
    assert.deepEqual(unknown, [], `not in the catalog (en.ts), yet in ${code}.ts`);
    for (const k of keys) {
      const source = en[k] as unknown;
      const translated = language[k];
      assert.equal(typeof translated, typeof source, `${code}.${k}`);
      if (typeof source === 'function') {
        assert.equal((translated as (...a: unknown[]) => string).length, source.length, `${code}.${k} takes the same arguments`);
        for (const args of SAMPLES) {
          const said = (translated as (...a: unknown[]) => unknown)(...args.slice(0, source.length));
          assert.ok(typeof said === 'string' && said.trim() !== '', `${code}.${k}(${args.join(', ')}) says nothing`);
        }
      } else {
        assert.ok((translated as string).trim() !== '', `${code}.${k} is empty`);
      }
    }
  });

  test(`"${code}" is a translation, not English copied`, { timeout: 5000 }, async () => {
    const language = (await import(`../../components/i18n/${code}.js`)).default as Record<string, unknown>;
    const said = (v: unknown) => (typeof v === 'function' ? (v as (...a: unknown[]) => string)('Ada', 2, 3) : v);
    const same = keys.filter((k) => typeof en[k] === 'string' && said(language[k]) === said(en[k]));
    // Some words are the same in both (Chat, Host, "OK"): at most a tenth.
    assert.ok(same.length <= keys.length / 10, `${same.length} of ${keys.length} messages in ${code} read exactly as in English: ${same.join(', ')}`);
  });
}

test('every key of the catalog is used by a component, as t.<key>', { timeout: 10_000 }, () => {
  const used = new Set<string>();
  for (const file of sources()) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bt\.(\w+)/g)) used.add(m[1]!);
  }
  assert.deepEqual(keys.filter((k) => !used.has(k)), [], 'keys of en.ts that no component uses');
});

test('no component file keeps a known English phrase of the catalog outside it', { timeout: 10_000 }, () => {
  // Long literal strings of the catalog (the ones a copy-paste would carry), looked for in the components.
  const phrases = keys.map((k) => en[k]).filter((v): v is string => typeof v === 'string' && v.length >= 12);
  const found: string[] = [];
  for (const file of sources()) {
    // Comments may quote the UI.
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const p of phrases) if (text.includes(`'${p}'`) || text.includes(`>${p}<`) || text.includes(`"${p}"`)) found.push(`${file}: ${p}`);
  }
  assert.deepEqual(found, []);
});

test('a lang picks that language, else its base language, else English', { timeout: 5000 }, () => {
  assert.equal(pickLanguage('de'), 'de');
  assert.equal(pickLanguage('de-AT'), 'de');
  assert.equal(pickLanguage('ES-mx'), 'es');
  assert.equal(pickLanguage('es_ES'), 'es');
  assert.equal(pickLanguage('fr-CA'), 'en');
  assert.equal(pickLanguage(''), 'en');
  assert.equal(pickLanguage('   '), 'en');
});

test('a site defines its own language in one file; keys it lacks are English, and mistakes are named', { timeout: 5000 }, async () => {
  defineLanguage('fr', { gateJoin: 'Rejoindre', statusWithOthers: (n: number) => (n === 1 ? 'Avec 1 autre personne.' : `Avec ${n} autres personnes.`) });
  assert.equal(pickLanguage('fr-BE'), 'fr');
  const fr = await loadLanguage('fr');
  assert.equal(fr.gateJoin, 'Rejoindre');
  assert.equal(fr.statusWithOthers(3), 'Avec 3 autres personnes.');
  assert.equal(fr.gateTitle, en.gateTitle, 'a key the site left out stays English');

  assert.throws(() => defineLanguage('fr', { nope: 'x' } as never), { name: 'TypeError', message: /^secure-meeting: defineLanguage\("fr"\): "nope" is not a message of the catalog$/ });
  assert.throws(() => defineLanguage('fr', { gateJoin: 3 } as never), { name: 'TypeError', message: /^secure-meeting: defineLanguage\("fr"\): "gateJoin" must be a string, not a number$/ });
  assert.throws(() => defineLanguage('fr', { statusWithOthers: 'x' } as never), { message: /"statusWithOthers" must be a function, not a string/ });
  assert.throws(() => defineLanguage('français', {}), { name: 'TypeError', message: /^secure-meeting: defineLanguage: "français" is not a language tag/ });
  assert.throws(() => defineLanguage('fr', null as never), { name: 'TypeError', message: /the messages must be an object/ });
  // A failed definition changed nothing.
  assert.equal((await loadLanguage('fr')).gateJoin, 'Rejoindre');
});

test('a shipped language loads once and is the same object each time', { timeout: 5000 }, async () => {
  const [a, b] = await Promise.all([loadLanguage('de'), loadLanguage('de')]);
  assert.equal(a, b);
  assert.notEqual(a.gateJoin, en.gateJoin);
  assert.equal(await loadLanguage('zz'), en);
});
