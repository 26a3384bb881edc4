// Search over the whole log (every line, folded or not, not only the rows on screen): the matches
// as (line, start, end) on the line's plain text (escapes removed), case-insensitive, and the
// spans of a line cut so that the matches can be marked.
import { stripAnsi, type Span } from './ansi.js';

export interface Match {
  /** Index of the line in LogModel.lines. */
  line: number;
  start: number;
  end: number;
}

export const MAX_MATCHES = 10_000;

/** Every match of `query` (case-insensitive) in the lines' texts, in order, up to MAX_MATCHES. */
export function findMatches(lines: readonly { text: string }[], query: string, max = MAX_MATCHES): Match[] {
  const out: Match[] = [];
  if (!query) return out;
  const q = query.toLowerCase();
  for (let line = 0; line < lines.length && out.length < max; line++) {
    const t = lines[line].text;
    const plain = (t.indexOf('\x1b') < 0 ? t : stripAnsi(t)).toLowerCase();
    let at = plain.indexOf(q);
    while (at >= 0 && out.length < max) {
      out.push({ line, start: at, end: at + q.length });
      at = plain.indexOf(q, at + q.length);
    }
  }
  return out;
}

export interface MarkedSpan extends Span {
  text: string;
  /** 0 = not a match, 1 = a match, 2 = the current match. */
  mark: 0 | 1 | 2;
}

/** Cuts `spans` at the `ranges` ([start, end, current]) on their joined text. */
export function markSpans(spans: readonly Span[], ranges: readonly [number, number, boolean][]): MarkedSpan[] {
  if (ranges.length === 0) return spans.map((s) => ({ ...s, mark: 0 }));
  const out: MarkedSpan[] = [];
  let pos = 0;
  for (const s of spans) {
    const from = pos;
    const to = pos + s.text.length;
    let cut = from;
    for (const [a, b, current] of ranges) {
      if (b <= cut || a >= to) continue;
      const start = Math.max(a, cut);
      const end = Math.min(b, to);
      if (start > cut) out.push({ text: s.text.slice(cut - from, start - from), style: s.style, mark: 0 });
      out.push({ text: s.text.slice(start - from, end - from), style: s.style, mark: current ? 2 : 1 });
      cut = end;
    }
    if (cut < to) out.push({ text: s.text.slice(cut - from), style: s.style, mark: 0 });
    pos = to;
  }
  return out;
}
