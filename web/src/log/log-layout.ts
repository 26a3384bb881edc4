// Vertical layout of the virtualised log: the top of every shown row, so that only the rows in
// view are rendered. Without wrapping every row is one line high; with wrapping a row takes as
// many lines as its text needs at the current width (monospace: characters ÷ columns), corrected
// by the heights measured once a row is on screen (wide characters, tabs).

export interface RowLayout {
  /** Number of rows. */
  count: number;
  /** Total height in px. */
  height: number;
  /** Top of row `r` in px. */
  top(r: number): number;
  /** Height of row `r` in px. */
  heightOf(r: number): number;
  /** The row at `y` px (clamped to [0, count - 1]; 0 when empty). */
  rowAt(y: number): number;
}

export function fixedLayout(count: number, rowHeight: number): RowLayout {
  return {
    count,
    height: count * rowHeight,
    top: (r) => r * rowHeight,
    heightOf: () => rowHeight,
    rowAt: (y) => Math.max(0, Math.min(count - 1, Math.floor(y / rowHeight))),
  };
}

/** `lines(r)` = how many line boxes row r takes (≥ 1). */
export function wrappedLayout(count: number, rowHeight: number, lines: (r: number) => number): RowLayout {
  const tops = new Float64Array(count + 1);
  for (let r = 0; r < count; r++) tops[r + 1] = tops[r] + Math.max(1, lines(r)) * rowHeight;
  return {
    count,
    height: tops[count],
    top: (r) => tops[Math.max(0, Math.min(count, r))],
    heightOf: (r) => tops[r + 1] - tops[r],
    rowAt(y) {
      if (count === 0) return 0;
      let lo = 0;
      let hi = count - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (tops[mid] <= y) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
  };
}

/** Display columns of plain text: tabs to the next multiple of 8, everything else one column. */
export function textColumns(plain: string): number {
  if (plain.indexOf('\t') < 0) return plain.length;
  let col = 0;
  for (let i = 0; i < plain.length; i++) col = plain[i] === '\t' ? (Math.floor(col / 8) + 1) * 8 : col + 1;
  return col;
}

/** Line boxes for `columns` of text in a box `width` columns wide. */
export function wrappedLines(columns: number, width: number): number {
  if (width <= 0) return 1;
  return Math.max(1, Math.ceil(columns / width));
}

/** The line index of a `#L<n>` hash, or null. */
export function anchorLine(hash: string): number | null {
  const m = /^#L(\d{1,9})$/.exec(hash);
  return m && Number(m[1]) > 0 ? Number(m[1]) - 1 : null;
}
