/**
 * The join form's "Random password" (components/join-gate/passphrase.ts): 72
 * bits people can read aloud, every byte of randomness used without bias.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PASSPHRASE_BITS, randomPassphrase } from '../../components/join-gate/passphrase.js';
import { PASSPHRASE_PATTERN } from '../../core/passphrase.js';

test('four words of three consonant-vowel syllables, from 12 random bytes', { timeout: 5000 }, () => {
  assert.match(randomPassphrase(), /^(?:[bdfghjklmnprstvz][aeio]){3}(?:-(?:[bdfghjklmnprstvz][aeio]){3}){3}$/);
  assert.equal(PASSPHRASE_BITS, 12 * Math.log2(16 * 4));
  // Every byte value gives its own syllable: 256 values → 64 syllables, four bytes each, no bias.
  const all = (b: number) => randomPassphrase((bytes) => bytes.fill(b)).slice(0, 2);
  const syllables = new Map<string, number>();
  for (let b = 0; b < 256; b++) syllables.set(all(b), (syllables.get(all(b)) ?? 0) + 1);
  assert.equal(syllables.size, 64);
  assert.ok([...syllables.values()].every((n) => n === 4));
});

test('two passphrases differ', { timeout: 5000 }, () => {
  const seen = new Set(Array.from({ length: 100 }, () => randomPassphrase()));
  assert.equal(seen.size, 100);
  for (const p of seen) assert.match(p, PASSPHRASE_PATTERN, 'what a received room secret is checked against');
  assert.doesNotMatch('kabefo-rimuta-sedovi', PASSPHRASE_PATTERN);
  assert.doesNotMatch('kabefo-rimuta-sedovi-nupalo ', PASSPHRASE_PATTERN);
});
