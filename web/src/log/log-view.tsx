// The live job log: loads the tail of the trace (the last 1 MiB, or all on request), then follows
// it over the trace event stream. Renders only the rows in view (log-layout.ts: fixed rows, or
// wrapped rows of measured height), folds sections (collapsed ones start folded), shows runner
// timestamps dimmed or hides them. A running log follows its end while the reader is at the
// bottom; a finished one opens at the top, or at the line of the URL's `#L<n>`. Search covers
// every line (log-search.ts), not only the rendered ones, and unfolds what it jumps to.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { API, stream } from '../api';
import type { Job } from '../types';
import { parseAnsi, stripAnsi, type Span } from './ansi';
import { anchorLine, fixedLayout, textColumns, wrappedLayout, wrappedLines } from './log-layout';
import { LogModel, type LogLine } from './log-model';
import { LogRow } from './log-row';
import { MAX_MATCHES } from './log-search';
import { LogToolbar } from './log-toolbar';
import { useLogSearch } from './use-log-search';
import { completeUtf8Length } from './utf8';
import './log.css';

const ROW = 20;
const OVERSCAN = 30;
const TAIL_BYTES = 1024 * 1024;
// Widths in px of what precedes and follows the text (log.css): number, time, caret, right padding.
const W_NO = 56;
const W_TIME = 64;
const W_CARET = 14;
const W_PAD = 16;
const W_DURATION = 64;

export type TimestampMode = 'dim' | 'hide';

interface Props {
  jobId: number;
  onStatus?: (job: Job) => void;
}

export function LogView({ jobId, onStatus }: Props) {
  const model = useRef(new LogModel());
  const [version, setVersion] = useState(0);
  const [truncated, setTruncated] = useState(false);
  const [full, setFull] = useState(() => anchorLine(location.hash) !== null);
  const [error, setError] = useState<string | null>(null);
  const [ended, setEnded] = useState(false);
  const [folds, setFolds] = useState<Map<number, boolean>>(new Map());
  const [timestamps, setTimestamps] = useState<TimestampMode>(() => (localStorage.getItem('gcd.timestamps') as TimestampMode) || 'dim');
  const [wrap, setWrapState] = useState(() => {
    const stored = localStorage.getItem('gcd.wrap');
    return stored ? stored === '1' : window.innerWidth < 700;
  });
  const [target, setTarget] = useState<number | null>(() => anchorLine(location.hash));
  const scroller = useRef<HTMLDivElement>(null);
  const probe = useRef<HTMLSpanElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [box, setBox] = useState({ w: 800, h: 600 });
  const [charWidth, setCharWidth] = useState(7.5);
  const follow = useRef(true);
  const jump = useRef<number | null>(anchorLine(location.hash));
  const spanCache = useRef(new Map<number, { text: string; spans: Span[] }>());
  const plainCache = useRef<{ text: string; cols: number }[]>([]);
  const measured = useRef(new Map<number, number>());
  const [measureTick, setMeasureTick] = useState(0);

  // Load the tail, then stream from where it ended.
  useEffect(() => {
    const m = new LogModel();
    model.current = m;
    spanCache.current.clear();
    plainCache.current = [];
    measured.current.clear();
    setFolds(new Map());
    setEnded(false);
    setError(null);
    let offset = 0;
    let closeStream: (() => void) | null = null;
    let raf = 0;
    const bump = () => {
      if (raf) return;
      raf = requestAnimationFrame(() => {
        raf = 0;
        setVersion((v) => v + 1);
      });
    };
    const ac = new AbortController();
    (async () => {
      const res = await fetch(`${API}/jobs/${jobId}/trace`, {
        credentials: 'same-origin',
        signal: ac.signal,
        headers: full ? {} : { range: `bytes=-${TAIL_BYTES}` },
      });
      if (!res.ok && res.status !== 416) throw new Error(`log: ${res.status} ${res.statusText}`);
      const buf = new Uint8Array(res.status === 416 ? new ArrayBuffer(0) : await res.arrayBuffer());
      const range = /bytes (\d+)-(\d+)\/(\d+)/.exec(res.headers.get('content-range') ?? '');
      const start = range ? Number(range[1]) : 0;
      const used = completeUtf8Length(buf);
      let text = new TextDecoder().decode(buf.subarray(0, used));
      if (start > 0) {
        const nl = text.indexOf('\n');
        text = nl >= 0 ? text.slice(nl + 1) : '';
      }
      setTruncated(start > 0);
      // A finished log opens at the top (or the anchored line); a running one follows its end.
      if (res.headers.get('x-trace-complete') === 'true' || jump.current !== null) follow.current = false;
      m.append(text);
      offset = start + used;
      bump();
      closeStream = stream(() => `/jobs/${jobId}/trace/stream?offset=${offset}`, {
        append: (ev: { offset: number; next: number; text: string }) => {
          if (ev.offset !== offset) return; // a replay after a reconnect
          m.append(ev.text);
          offset = ev.next;
          bump();
        },
        status: (ev: { job: Job }) => onStatus?.(ev.job),
        end: (ev: { job: Job }) => {
          onStatus?.(ev.job);
          setEnded(true);
          closeStream?.();
        },
      });
    })().catch((e: Error) => {
      if (!ac.signal.aborted) setError(e.message);
    });
    return () => {
      ac.abort();
      closeStream?.();
      cancelAnimationFrame(raf);
    };
  }, [jobId, full]);

  const m = model.current;
  const folded = (id: number) => folds.get(id) ?? m.sections[id]?.collapsed ?? false;
  const rows = useMemo(() => m.visibleLines(folded), [version, folds, m]);
  const pending = m.pendingLine();
  const total = rows.length + (pending ? 1 : 0);
  const hasTimestamps = m.lines.slice(0, 50).some((l) => l.time !== null);
  const showTime = timestamps === 'dim' && hasTimestamps;
  const lineAt = (r: number): { index: number; line: LogLine } => (r >= rows.length ? { index: -1, line: pending! } : { index: rows[r], line: m.lines[rows[r]] });
  const depthOf = (line: LogLine) => (line.header >= 0 ? m.sections[line.header].depth : line.section >= 0 ? m.sections[line.section].depth + 1 : 0);

  /** Unfolds the sections around line `index` and scrolls it into view. */
  const goTo = (index: number) => {
    follow.current = false;
    jump.current = index;
    const open = new Map(folds);
    let changed = false;
    for (let s = m.lines[index]?.section ?? -1; s >= 0; s = m.sections[s].parent) {
      if (m.lines[index].header === s) continue; // a header shows while its section is folded
      if (folded(s)) {
        open.set(s, false);
        changed = true;
      }
    }
    if (changed) setFolds(open);
    else setVersion((v) => v + 1);
  };
  const search = useLogSearch({ model: m, version, truncated, loadFull: () => setFull(true), goTo });

  // `#L<n>`: opened with the page (once its line is loaded), set by clicking a line number,
  // followed when the hash changes.
  const opening = useRef(anchorLine(location.hash));
  useEffect(() => {
    const line = opening.current;
    if (line !== null && line < m.lines.length) {
      opening.current = null;
      goTo(line);
    }
  }, [version]);
  useEffect(() => {
    const onHash = () => {
      const line = anchorLine(location.hash);
      if (line === null) return;
      setTarget(line);
      goTo(line);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  });
  const anchor = (index: number) => {
    history.replaceState(history.state, '', `${location.pathname}${location.search}#L${index + 1}`);
    setTarget(index);
  };

  // Row heights: one line each, or as many as the wrapped text needs at this width.
  const columnsOf = (index: number, line: LogLine): number => {
    if (index < 0) return textColumns(stripAnsi(line.text));
    const c = plainCache.current[index];
    if (c && c.text === line.text) return c.cols;
    const cols = textColumns(stripAnsi(line.text));
    plainCache.current[index] = { text: line.text, cols };
    return cols;
  };
  const layout = useMemo(() => {
    if (!wrap) return fixedLayout(total, ROW);
    const fixed = W_NO + (showTime ? W_TIME : 0) + W_CARET + W_PAD;
    return wrappedLayout(total, ROW, (r) => {
      const { index, line } = lineAt(r);
      const known = index >= 0 ? measured.current.get(index) : undefined;
      if (known !== undefined) return known;
      const room = box.w - fixed - depthOf(line) * 12 - (line.header >= 0 ? W_DURATION : 0);
      return wrappedLines(columnsOf(index, line), Math.floor(room / charWidth));
    });
  }, [rows, pending?.text, wrap, box.w, charWidth, showTime, measureTick]);

  useEffect(() => {
    measured.current.clear();
    setMeasureTick((t) => t + 1);
  }, [wrap, box.w, showTime, charWidth]);

  // Follow the end while the reader is at the bottom, or scroll to a requested line.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (jump.current !== null) {
      const index = jump.current;
      let lo = 0;
      let hi = rows.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (rows[mid] < index) lo = mid + 1;
        else hi = mid;
      }
      if (rows[lo] === index) {
        jump.current = null;
        const y = layout.top(lo);
        if (y < el.scrollTop || y + ROW > el.scrollTop + el.clientHeight) el.scrollTop = Math.max(0, y - el.clientHeight / 3);
        setScrollTop(el.scrollTop);
      }
    } else if (follow.current) el.scrollTop = el.scrollHeight;
  }, [total, version, layout]);

  // Wrapped rows on screen: correct the estimated heights by the measured ones.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!wrap || !el) return;
    let changed = false;
    el.querySelectorAll<HTMLElement>('.log-text[data-index]').forEach((t) => {
      const index = Number(t.dataset.index);
      if (index < 0) return;
      const lines = Math.max(1, Math.round(t.getBoundingClientRect().height / ROW));
      const row = t.parentElement!;
      if (Math.round(row.getBoundingClientRect().height / ROW) !== lines && measured.current.get(index) !== lines) {
        measured.current.set(index, lines);
        changed = true;
      }
    });
    if (changed) setMeasureTick((t) => t + 1);
  });

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      setBox({ w: el.clientWidth, h: el.clientHeight });
      if (probe.current) setCharWidth(probe.current.getBoundingClientRect().width / 100 || 7.5);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const onScroll = () => {
    const el = scroller.current!;
    follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 2;
    setScrollTop(el.scrollTop);
  };

  const first = Math.max(0, layout.rowAt(scrollTop) - OVERSCAN);
  const last = Math.min(total, layout.rowAt(scrollTop + box.h) + 1 + OVERSCAN);

  const spansOf = (index: number, line: LogLine): Span[] => {
    const cached = spanCache.current.get(index);
    if (cached && cached.text === line.text) return cached.spans;
    if (spanCache.current.size > 4000) spanCache.current.clear();
    const spans = parseAnsi(line.text, line.style).spans;
    if (index >= 0) spanCache.current.set(index, { text: line.text, spans });
    return spans;
  };

  const toggle = (id: number) => {
    setFolds((prev) => {
      const nextFolds = new Map(prev);
      nextFolds.set(id, !folded(id));
      return nextFolds;
    });
  };

  const items = [];
  for (let r = first; r < last; r++) {
    const { index, line } = lineAt(r);
    const header = line.header;
    items.push(
      <LogRow
        key={index < 0 ? 'pending' : index}
        index={index}
        line={line}
        section={header >= 0 ? m.sections[header] : null}
        folded={header >= 0 && folded(header)}
        depth={depthOf(line)}
        duration={header >= 0 ? m.duration(header) : null}
        spans={spansOf(index, line)}
        marks={search.marksByLine.get(index) ?? []}
        top={layout.top(r)}
        height={layout.heightOf(r)}
        showTime={showTime}
        target={index >= 0 && index === target}
        anchors={!truncated}
        onToggle={toggle}
        onAnchor={anchor}
      />,
    );
  }

  const scrollTo = (where: 'top' | 'bottom') => {
    const el = scroller.current;
    follow.current = where === 'bottom';
    if (el) el.scrollTop = where === 'top' ? 0 : el.scrollHeight;
  };

  return (
    <div class="log-panel">
      <LogToolbar
        rawHref={`${API}/jobs/${jobId}/trace?format=plain`}
        lines={m.lines.length}
        truncated={truncated}
        tailKiB={Math.round(TAIL_BYTES / 1024)}
        onLoadFull={() => setFull(true)}
        search={search.input}
        onSearch={search.setInput}
        matches={search.query ? search.matches.length : null}
        capped={search.matches.length >= MAX_MATCHES}
        current={search.current}
        onNext={search.next}
        hasTimestamps={hasTimestamps}
        timestamps={timestamps}
        onTimestamps={(mode) => {
          localStorage.setItem('gcd.timestamps', mode);
          setTimestamps(mode);
        }}
        wrap={wrap}
        onWrap={(on) => {
          localStorage.setItem('gcd.wrap', on ? '1' : '0');
          setWrapState(on);
        }}
        onExpandAll={() => {
          const all = new Map<number, boolean>();
          m.sections.forEach((s) => all.set(s.id, false));
          setFolds(all);
        }}
        onTop={() => scrollTo('top')}
        onBottom={() => scrollTo('bottom')}
      />
      {error ? <div class="alert alert-danger">{error}</div> : null}
      <div class={wrap ? 'log wrap' : 'log'} ref={scroller} onScroll={onScroll} data-testid="job-log" data-ended={String(ended)} data-lines={m.lines.length}>
        <span class="log-probe" aria-hidden="true">
          <span ref={probe}>{'M'.repeat(100)}</span>
        </span>
        <div class="log-body" style={{ height: `${layout.height + 8}px` }}>
          {items}
        </div>
        {total === 0 ? <div class="log-empty muted">{ended ? 'This job has no log.' : 'Waiting for the log…'}</div> : null}
      </div>
    </div>
  );
}
