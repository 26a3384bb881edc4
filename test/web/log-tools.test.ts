// Unit tests of the log's search and row layout (web/src/log/log-search.ts, log-layout.ts).
import { describe, expect, it } from 'vitest';
import { PLAIN } from '../../web/src/log/ansi.js';
import { anchorLine, fixedLayout, textColumns, wrappedLayout, wrappedLines } from '../../web/src/log/log-layout.js';
import { findMatches, markSpans } from '../../web/src/log/log-search.js';

describe('findMatches', () => {
  it('finds every match, case-insensitive, on the text without escapes', () => {
    const lines = [{ text: 'no' }, { text: '\x1b[31mErr\x1b[0mor: an error' }, { text: 'ERROR ERROR' }];
    expect(findMatches(lines, 'error')).toEqual([
      { line: 1, start: 0, end: 5 },
      { line: 1, start: 10, end: 15 },
      { line: 2, start: 0, end: 5 },
      { line: 2, start: 6, end: 11 },
    ]);
    expect(findMatches(lines, '')).toEqual([]);
    expect(findMatches(lines, 'error', 3)).toHaveLength(3);
  });

  it('cuts styled spans at the matches', () => {
    const red = { ...PLAIN, fg: 1 };
    const marked = markSpans(
      [
        { text: 'Err', style: red },
        { text: 'or: x', style: PLAIN },
      ],
      [[0, 5, true]],
    );
    expect(marked.map((s) => [s.text, s.mark])).toEqual([
      ['Err', 2],
      ['or', 2],
      [': x', 0],
    ]);
  });
});

describe('layout', () => {
  it('places fixed and wrapped rows and finds the row at a height', () => {
    const f = fixedLayout(100, 20);
    expect([f.height, f.top(3), f.rowAt(65), f.rowAt(99999)]).toEqual([2000, 60, 3, 99]);
    const w = wrappedLayout(4, 20, (r) => [1, 3, 1, 2][r]);
    expect([w.height, w.top(2), w.heightOf(1), w.rowAt(0), w.rowAt(79), w.rowAt(80), w.rowAt(1e6)]).toEqual([140, 80, 60, 0, 1, 2, 3]);
    expect(wrappedLayout(0, 20, () => 1).rowAt(10)).toBe(0);
  });

  it('counts columns (tabs to multiples of 8) and wrapped lines', () => {
    expect(textColumns('ab\tc')).toBe(9);
    expect(textColumns('abc')).toBe(3);
    expect([wrappedLines(0, 40), wrappedLines(40, 40), wrappedLines(41, 40), wrappedLines(10, 0)]).toEqual([1, 1, 2, 1]);
  });

  it('reads #L<n> anchors', () => {
    expect([anchorLine('#L12'), anchorLine('#L0'), anchorLine('#x'), anchorLine('')]).toEqual([11, null, null, null]);
  });
});
