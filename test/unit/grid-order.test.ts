/**
 * The grid's order (components/secure-meeting/grid.ts): with more than four
 * tiles, the member last heard talking comes first among the remote tiles;
 * in a small grid nothing moves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RemotePeer } from '../../core/events.js';
import { CROWDED, speakerFirst } from '../../components/secure-meeting/grid.js';

const peers = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `p${i}` }) as RemotePeer);
const ids = (list: readonly RemotePeer[]) => list.map((p) => p.id);

test('a crowded grid puts the speaker first and keeps the others in order; a small one never moves', { timeout: 5000 }, () => {
  assert.equal(CROWDED, 4);
  assert.deepEqual(ids(speakerFirst(peers(4), 'p2')), ['p2', 'p0', 'p1', 'p3'], 'five tiles with ours');
  assert.deepEqual(ids(speakerFirst(peers(3), 'p2')), ['p0', 'p1', 'p2'], 'four tiles with ours: not crowded');
  assert.deepEqual(ids(speakerFirst(peers(6), null)), ids(peers(6)), 'no one talked yet');
  assert.deepEqual(ids(speakerFirst(peers(6), 'gone')), ids(peers(6)), 'a speaker who left');
  assert.deepEqual(ids(speakerFirst(peers(6), 'p0')), ids(peers(6)), 'already first');
});
