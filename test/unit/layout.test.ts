/**
 * The layout's arithmetic (components/secure-meeting/layout.ts): columns that
 * make the tiles largest in the space there is, and which toolbar items move
 * into "More" when the toolbar runs out of room.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridLayout, NARROW_ASPECT, overflowKeys, rowsFor, WIDE_ASPECT, type ToolSize } from '../../components/secure-meeting/layout.js';

test('on a wide element the tiles are 16:9 and as large as fit: one fills it, more share it', { timeout: 5000 }, () => {
  // One tile in 1200×600: the height limits it (600 × 16/9 = 1066 px wide).
  assert.deepEqual(gridLayout(1200, 600, 1, 12), { columns: 1, tileWidth: 1066, aspect: WIDE_ASPECT });
  // Two side by side are 594 px wide; stacked they would be only 522.
  assert.equal(gridLayout(1200, 600, 2, 12).columns, 2);
  // Two in a tall element stack instead of leaving the lower half empty.
  assert.equal(gridLayout(800, 1000, 2, 12).columns, 1);
  // Four in 16:9 space make a 2×2; nine a 3×3.
  assert.equal(gridLayout(1280, 720, 4, 12).columns, 2);
  assert.equal(gridLayout(1280, 720, 9, 12).columns, 3);
  // Whatever the count, the tiles fit: rows × height and columns × width stay within the element.
  for (const count of [1, 2, 3, 5, 7, 12, 25]) {
    for (const [w, h] of [[1280, 600], [900, 900], [1920, 400]] as const) {
      const { columns, tileWidth, aspect } = gridLayout(w, h, count, 12);
      const rows = Math.ceil(count / columns);
      assert.ok(columns * tileWidth + (columns - 1) * 12 <= w + 0.5, `${count} in ${w}×${h}: width`);
      assert.ok(rows * (tileWidth / aspect) + (rows - 1) * 12 <= h + 0.5, `${count} in ${w}×${h}: height`);
      // One column more or fewer would not make them larger.
      for (const other of [columns - 1, columns + 1].filter((c) => c >= 1 && c <= count)) {
        const r = Math.ceil(count / other);
        const size = Math.min((w - 12 * (other - 1)) / other, ((h - 12 * (r - 1)) / r) * aspect);
        assert.ok(size <= tileWidth + 1, `${count} in ${w}×${h}: ${other} columns would give ${size} > ${tileWidth}`);
      }
    }
  }
});

test('on a phone (390 px wide) three tiles or more take two columns of taller tiles; one or two stack', { timeout: 5000 }, () => {
  for (const count of [3, 4, 5, 6]) {
    const layout = gridLayout(366, 560, count, 12);
    assert.equal(layout.columns, 2, `${count} tiles`);
    assert.equal(layout.aspect, NARROW_ASPECT);
  }
  assert.deepEqual(gridLayout(366, 560, 2, 12), { columns: 1, tileWidth: 366, aspect: WIDE_ASPECT });
  assert.equal(gridLayout(366, 560, 1, 12).columns, 1);
});

test('an unknown height fills the width with tiles at least minTile wide; bad input gives a usable layout', { timeout: 5000 }, () => {
  assert.equal(gridLayout(1000, 0, 6, 12, 240).columns, 4);
  assert.equal(gridLayout(1000, 0, 2, 12, 240).columns, 2);
  assert.equal(gridLayout(200, -1, 1, 12, 240).columns, 1);
  for (const [w, h, n] of [[0, 0, 0], [-5, 100, 3], [100, Number.NaN, 2], [100, 100, Number.NaN]]) {
    const layout = gridLayout(w!, h!, n!, 12);
    assert.ok(layout.columns >= 1 && layout.tileWidth >= 0 && Number.isFinite(layout.tileWidth), JSON.stringify([w, h, n, layout]));
  }
});

const item = (key: string, width: number, priority = 5, pinned = false): ToolSize => ({ key, width, priority, pinned });

test('toolbar rows: items wrap as a flex row does', { timeout: 5000 }, () => {
  assert.equal(rowsFor([], 300, 10), 0);
  assert.equal(rowsFor([100, 100], 210, 10), 1);
  assert.equal(rowsFor([100, 100], 209, 10), 2);
  assert.equal(rowsFor([400, 50], 300, 10), 2, 'an item wider than the row takes one of its own');
});

test('what does not fit in two rows goes into More, least important first; pinned items stay', { timeout: 5000 }, () => {
  const items = [
    item('media', 280, 0, true), item('share', 130, 1), item('join', 300, 6), item('safety', 130, 5),
    item('hand', 130, 2), item('participants', 140, 3), item('settings', 100, 4), item('leave', 80, 0, true),
  ];
  assert.deepEqual(overflowKeys(items, 2000, 12, 90), new Set(), 'all fit in one row');
  assert.deepEqual(overflowKeys(items, 800, 12, 90), new Set(), 'all fit in two rows');
  // At 390 px (366 inside the padding): the microphone and camera, Share, More and Leave.
  assert.deepEqual([...overflowKeys(items, 366, 12, 90)].sort(), ['hand', 'join', 'participants', 'safety', 'settings']);
  assert.deepEqual([...overflowKeys(items, 600, 12, 90)], ['join'], 'the join window first: the least used');
  // Even when pinned items alone overflow, nothing pinned moves.
  assert.deepEqual([...overflowKeys(items, 100, 12, 90)].sort(), ['hand', 'join', 'participants', 'safety', 'settings', 'share']);
  // On equal priority, the one further along goes first.
  assert.deepEqual([...overflowKeys([item('a', 100), item('b', 100), item('c', 100)], 210, 10, 50, 1)], ['c', 'b']);
});
