import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveRoomKeys, keyScheduleVectors, PBKDF2_ITERATIONS } from '../../core/crypto.js';

// Known answers for the key schedule in DESIGN.md, computed independently
// with Node's crypto.pbkdf2Sync + crypto.hkdfSync (empty salt):
//   master = pbkdf2Sync(pw, `secure-meeting/v1|${ns}|${ch}`, 600000, 32, 'sha256')
//   hkdfSync('sha256', master, Buffer.alloc(0), info, 32 | 16)
const VECTORS = [
  {
    input: { password: 'correct horse battery staple', namespace: 'default', channel: 437 },
    envelope: '0f2a3d169afb53a4d32194a45337af2cd0ce61dbee152d5375d6b2bb974c0f51',
    store: '6021aecf227ccd38c383386eee1e13eefdd48fbe1c22c64b9dd3d1d0637f6595',
    topic: 'b1cddfc90540421bba01fe3c2fa8a9ac',
  },
  {
    input: { password: 'pässwörd 🔑', namespace: 'example.org', channel: '1' },
    envelope: 'e1bb8f16d98b6d3156535227076d93e1b5a2d7464e89a0dc5942743b0902b5fe',
    store: '667d9d1924144bf5dc3ab93ef83343c66440fab29f838929c932c44b6c23e32d',
    topic: 'b6f4cc8ae1efd17b1d77d7ec83c4bd44',
  },
];

test('the key schedule uses 600 000 PBKDF2 iterations', { timeout: 10_000 }, () => {
  assert.equal(PBKDF2_ITERATIONS, 600_000);
});

for (const v of VECTORS) {
  test(`key schedule matches the known answers for namespace ${v.input.namespace}, channel ${v.input.channel}`, { timeout: 30_000 }, async () => {
    assert.deepEqual(await keyScheduleVectors(v.input), { envelope: v.envelope, store: v.store, topic: v.topic });
    const keys = await deriveRoomKeys(v.input);
    assert.equal(keys.topic, v.topic);
    assert.equal(keys.envelopeKey.extractable, false);
    assert.equal(keys.storeKey.extractable, false);
    // The non-extractable envelope key is the vector's bytes: what one seals, the other opens.
    const raw = await crypto.subtle.importKey('raw', Buffer.from(v.envelope, 'hex'), 'AES-GCM', false, ['decrypt']);
    const iv = new Uint8Array(12);
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, keys.envelopeKey, new TextEncoder().encode('known'));
    assert.equal(new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, raw, ct)), 'known');
  });
}

test('another password, channel or namespace gives an unrelated topic', { timeout: 30_000 }, async () => {
  const base = { password: 'correct horse battery staple', namespace: 'default', channel: 437 };
  const topics = await Promise.all([
    { ...base, password: 'correct horse battery stapler' },
    { ...base, channel: 438 },
    { ...base, namespace: 'other.example' },
  ].map(async (input) => (await deriveRoomKeys(input)).topic));
  for (const topic of topics) assert.notEqual(topic, VECTORS[0]!.topic);
  assert.equal(new Set(topics).size, 3);
});

test('bad key-schedule input is refused with a prefixed TypeError', { timeout: 10_000 }, async () => {
  await assert.rejects(deriveRoomKeys({ password: '', channel: 1 }), {
    name: 'TypeError', message: 'secure-meeting: password must be a non-empty string',
  });
  await assert.rejects(deriveRoomKeys({ password: 'x', channel: '' }), {
    name: 'TypeError', message: 'secure-meeting: channel must be a non-empty string or a finite number',
  });
  await assert.rejects(deriveRoomKeys({ password: 'x', channel: 1, namespace: 'a|b' }), {
    name: 'TypeError', message: 'secure-meeting: namespace must be a non-empty string without "|"',
  });
});
