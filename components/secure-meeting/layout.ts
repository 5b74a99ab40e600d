// The arithmetic of the meeting's layout, kept pure for Node unit tests:
// how many columns make the video tiles largest in the space there is, and
// which toolbar items move into the "More" menu when the toolbar runs out
// of room.

/** Below this width the element is laid out as on a phone. */
export const NARROW_PX = 600;
/** The video tiles' shape on a wide element. */
export const WIDE_ASPECT = 16 / 9;
/**
 * On a narrow element with three tiles or more: two columns of taller tiles
 * (the middle of each video), as phone meeting apps do, rather than a thin
 * column of small 16:9 ones or two columns over an empty half screen.
 */
export const NARROW_ASPECT = 3 / 4;

export interface GridLayout {
  columns: number;
  /** Width of each tile in px; its height is tileWidth / aspect. */
  tileWidth: number;
  aspect: number;
}

/**
 * The number of columns that makes `count` tiles of one shape as large as
 * they can be in `width` × `height` px with `gap` between them. A height of
 * 0 or less means "unknown": then the tiles fill the width, as many columns
 * as keep each at least `minTile` px wide.
 */
export function gridLayout(width: number, height: number, count: number, gap = 12, minTile = 240): GridLayout {
  const n = Number.isFinite(count) ? Math.max(1, Math.floor(count)) : 1;
  const w = Number.isFinite(width) ? Math.max(0, width) : 0;
  const narrow = w < NARROW_PX && n >= 3;
  const aspect = narrow ? NARROW_ASPECT : WIDE_ASPECT;
  const least = Math.min(n, narrow ? 2 : 1);
  const across = (c: number) => (w - gap * (c - 1)) / c;
  if (!(height > 0)) {
    const columns = Math.max(least, Math.min(n, Math.floor((w + gap) / (minTile + gap))));
    return { columns, tileWidth: Math.max(0, across(columns)), aspect };
  }
  let best: GridLayout = { columns: least, tileWidth: -1, aspect };
  for (let c = least; c <= n; c++) {
    const rows = Math.ceil(n / c);
    const tileWidth = Math.min(across(c), ((height - gap * (rows - 1)) / rows) * aspect);
    // Strictly larger: on a tie the fewer columns win.
    if (tileWidth > best.tileWidth) best = { columns: c, tileWidth, aspect };
  }
  return { ...best, tileWidth: Math.max(0, Math.floor(best.tileWidth)) };
}

/** One toolbar item as measured: its width in px, whether it must stay, how much it matters (lower stays longer). */
export interface ToolSize {
  readonly key: string;
  readonly width: number;
  readonly pinned: boolean;
  readonly priority: number;
}

/** How many rows items of these widths take when a flex row of `available` px wraps them. */
export function rowsFor(widths: readonly number[], available: number, gap: number): number {
  let rows = 0;
  let used = Infinity;
  for (const w of widths) {
    if (used + gap + w <= available) used += gap + w;
    else {
      rows++;
      used = w;
    }
  }
  return rows;
}

/**
 * The keys of the items that go into the "More" menu so that the toolbar
 * (with the More button itself, `moreWidth` px, once anything is in it)
 * takes at most `maxRows` rows: the least important first (highest
 * priority number; on a tie the one further along). Pinned items never move.
 */
export function overflowKeys(items: readonly ToolSize[], available: number, gap: number, moreWidth: number, maxRows = 2): Set<string> {
  const out = new Set<string>();
  const fits = () => {
    const shown = items.filter((i) => !out.has(i.key)).map((i) => i.width);
    // The More button sits before the last item (Leave).
    if (out.size > 0) shown.splice(Math.max(0, shown.length - 1), 0, moreWidth);
    return rowsFor(shown, available, gap) <= maxRows;
  };
  while (!fits()) {
    let pick: ToolSize | undefined;
    for (const item of items) {
      if (item.pinned || out.has(item.key)) continue;
      if (!pick || item.priority >= pick.priority) pick = item;
    }
    if (!pick) break;
    out.add(pick.key);
  }
  return out;
}
