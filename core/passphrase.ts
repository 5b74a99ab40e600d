/**
 * A random passphrase people can read aloud and type: four words of three
 * consonant–vowel syllables ("kabefo-rimuta-sedovi-nupalo"). 16 consonants
 * and 4 vowels make each syllable exactly 6 random bits, so 12 syllables are
 * 72 bits with no modulo bias: far beyond offline guessing at PBKDF2's cost,
 * which a short human-made password is not (README, "Weak passwords").
 * The join form's "Random password" and a removal's new room secret
 * (features/removal.ts) both come from here.
 */
const CONSONANTS = 'bdfghjklmnprstvz';
const VOWELS = 'aeio';
export const PASSPHRASE_BITS = 72;
/** What randomPassphrase() makes, exactly: how a received room secret is checked. */
export const PASSPHRASE_PATTERN = /^(?:[bdfghjklmnprstvz][aeio]){3}(?:-(?:[bdfghjklmnprstvz][aeio]){3}){3}$/;

export function randomPassphrase(random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer> = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(12));
  const syllables = [...bytes].map((b) => CONSONANTS[b >> 4]! + VOWELS[b & 3]!);
  return [0, 3, 6, 9].map((i) => syllables.slice(i, i + 3).join('')).join('-');
}
