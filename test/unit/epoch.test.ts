/**
 * The room secret's epochs (core/features/epoch.ts): the newest secret is
 * kept, two hosts' secrets for the same epoch settle on the same one
 * whichever order they arrive in, moves run one at a time and end on the
 * last secret accepted, and only well-formed secrets are taken.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Epochs, isEpochSecret, MAX_EPOCH, supersedes } from '../../core/features/epoch.js';
import { randomPassphrase } from '../../core/passphrase.js';

const [low, high] = [randomPassphrase(), randomPassphrase()].sort() as [string, string];

/** Moves that take as long as the test says: each waits for release(). */
function slowMoves() {
  const moved: string[] = [];
  const waiting: (() => void)[] = [];
  const move = (secret: string) => new Promise<void>((resolve) => waiting.push(() => {
    moved.push(secret);
    resolve();
  }));
  const release = async () => {
    while (waiting.length > 0) {
      waiting.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { moved, move, release, get inFlight() { return waiting.length; } };
}

test('a later epoch supersedes; of one epoch\'s two secrets, the one that sorts first, for everyone', { timeout: 5000 }, () => {
  assert.equal(supersedes({ epoch: 1, secret: high }, null), true);
  assert.equal(supersedes({ epoch: 2, secret: high }, { epoch: 1, secret: low }), true);
  assert.equal(supersedes({ epoch: 1, secret: low }, { epoch: 2, secret: high }), false);
  assert.equal(supersedes({ epoch: 1, secret: low }, { epoch: 1, secret: high }), true);
  assert.equal(supersedes({ epoch: 1, secret: high }, { epoch: 1, secret: low }), false);
  assert.equal(supersedes({ epoch: 1, secret: low }, { epoch: 1, secret: low }), false, 'the same again is no move');

  const a = new Epochs(async () => {}, (e) => assert.fail(String(e)));
  const b = new Epochs(async () => {}, (e) => assert.fail(String(e)));
  a.offer({ epoch: 1, secret: low });
  a.offer({ epoch: 1, secret: high });
  b.offer({ epoch: 1, secret: high });
  b.offer({ epoch: 1, secret: low });
  assert.equal(a.secret, low);
  assert.equal(b.secret, low, 'the same secret whichever came first');
  assert.equal(a.next, 2);
});

test('moves run one at a time, skip a secret superseded while another ran, and end on the last accepted', { timeout: 5000 }, async () => {
  const slow = slowMoves();
  const epochs = new Epochs(slow.move, (e) => assert.fail(String(e)));
  assert.equal(epochs.offer({ epoch: 1, secret: high }), true);
  assert.equal(epochs.offer({ epoch: 2, secret: low }), true);
  assert.equal(epochs.offer({ epoch: 3, secret: high }), true);
  assert.equal(epochs.offer({ epoch: 2, secret: high }), false, 'older than ours: refused');
  await new Promise((r) => setImmediate(r));
  assert.equal(slow.inFlight, 1, 'one move at a time');
  await slow.release();
  await epochs.settled();
  assert.deepEqual(slow.moved, [high, high], 'epoch 2 was superseded before its turn; epoch 3 came last');
  assert.equal(epochs.epoch, 3);
});

test('a move that fails is reported and the next one still runs', { timeout: 5000 }, async () => {
  const failures: unknown[] = [];
  const moved: string[] = [];
  const epochs = new Epochs(async (secret) => {
    if (secret === high) throw new Error('derivation failed');
    moved.push(secret);
  }, (e) => void failures.push(e));
  epochs.offer({ epoch: 1, secret: high });
  await epochs.settled();
  epochs.offer({ epoch: 2, secret: low });
  await epochs.settled();
  assert.equal(failures.length, 1);
  assert.deepEqual(moved, [low]);
});

test('only an epoch in range and a secret exactly as the generator makes one are taken', { timeout: 5000 }, () => {
  assert.equal(isEpochSecret({ epoch: 1, secret: low }), true);
  assert.equal(isEpochSecret({ epoch: MAX_EPOCH, secret: low }), true);
  for (const body of [
    { epoch: 0, secret: low }, { epoch: MAX_EPOCH + 1, secret: low }, { epoch: 1.5, secret: low }, { epoch: '1', secret: low },
    { epoch: 1, secret: 'password' }, { epoch: 1, secret: `${low}-x` }, { epoch: 1, secret: 'a'.repeat(100_000) }, { epoch: 1 },
  ]) assert.equal(isEpochSecret(body), false, JSON.stringify(body).slice(0, 60));
});
