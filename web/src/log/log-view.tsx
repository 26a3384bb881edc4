// The live job log: loads the tail of the trace (the last 1 MiB, or all on request), then follows
// it over the trace event stream. Renders only the rows in view (fixed row height), folds sections
// (collapsed ones start folded), shows runner timestamps dimmed or hides them, follows the end
// while the reader is at the bottom.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { API, stream } from '../api';
import type { Job } from '../types';
import { parseAnsi, styleAttrs, type Span } from './ansi';
import { formatSectionDuration, LogModel, type LogLine } from './log-model';
import { completeUtf8Length } from './utf8';

const ROW = 20;
const OVERSCAN = 30;
const TAIL_BYTES = 1024 * 1024;

export type TimestampMode = 'dim' | 'hide';

interface Props {
  jobId: number;
  onStatus?: (job: Job) => void;
}

export function LogView({ jobId, onStatus }: Props) {
  const model = useRef(new LogModel());
  const [version, setVersion] = useState(0);
  const [truncated, setTruncated] = useState(false);
  const [full, setFull] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [ended, setEnded] = useState(false);
  const [folds, setFolds] = useState<Map<number, boolean>>(new Map());
  const [timestamps, setTimestamps] = useState<TimestampMode>(() => (localStorage.getItem('gcd.timestamps') as TimestampMode) || 'dim');
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const follow = useRef(true);
  const spanCache = useRef(new Map<number, { text: string; spans: Span[] }>());

  // Load the tail, then stream from where it ended.
  useEffect(() => {
    const m = new LogModel();
    model.current = m;
    spanCache.current.clear();
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

  // Keep following the end while the reader is at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [total, version]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const onScroll = () => {
    const el = scroller.current!;
    follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 2;
    setScrollTop(el.scrollTop);
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);

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
      const next = new Map(prev);
      next.set(id, !folded(id));
      return next;
    });
  };

  const setMode = (mode: TimestampMode) => {
    localStorage.setItem('gcd.timestamps', mode);
    setTimestamps(mode);
  };

  const hasTimestamps = m.lines.slice(0, 50).some((l) => l.time !== null);
  const items = [];
  for (let r = first; r < last; r++) {
    const isPending = r >= rows.length;
    const index = isPending ? -1 : rows[r];
    const line = isPending ? pending! : m.lines[index];
    const header = line.header;
    const section = header >= 0 ? m.sections[header] : null;
    const isFolded = header >= 0 && folded(header);
    const depth = section ? section.depth : line.section >= 0 ? m.sections[line.section].depth + 1 : 0;
    const duration = header >= 0 ? m.duration(header) : null;
    items.push(
      <div
        key={isPending ? 'pending' : index}
        class={`log-line${section ? ' log-section-header' : ''}${line.stream === 'E' ? ' stderr' : ''}`}
        style={{ top: `${r * ROW}px` }}
        data-line={isPending ? undefined : index + 1}
        data-section={section?.name}
        aria-expanded={section ? !isFolded : undefined}
        onClick={section ? () => toggle(header) : undefined}
        role={section ? 'button' : undefined}
        tabIndex={section ? 0 : undefined}
        onKeyDown={
          section
            ? (e: KeyboardEvent) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  toggle(header);
                }
              }
            : undefined
        }
      >
        <span class="log-no">{isPending ? '' : index + 1}</span>
        {timestamps === 'dim' && hasTimestamps ? (
          <span class="log-time" title={line.time ?? ''}>
            {line.time ? line.time.slice(11, 19) : ''}
          </span>
        ) : null}
        <span class="log-indent" style={{ width: `${Math.max(0, depth - (section ? 0 : 1)) * 12}px` }} />
        <span class={`log-caret${isFolded ? '' : ' open'}`}>{section ? '▸' : ''}</span>
        <span class="log-text">
          {spansOf(index, line).map((s, i) => {
            const { className, css } = styleAttrs(s.style);
            return className || css ? (
              <span key={i} class={className} style={css}>
                {s.text}
              </span>
            ) : (
              s.text
            );
          })}
        </span>
        {duration !== null ? <span class="log-duration">{formatSectionDuration(duration)}</span> : null}
      </div>,
    );
  }

  return (
    <div class="log-panel">
      <div class="log-toolbar">
        {truncated ? (
          <span class="muted small">
            Showing the last {Math.round(TAIL_BYTES / 1024)} KiB.{' '}
            <button class="btn-link" onClick={() => setFull(true)}>
              Load the complete log
            </button>
          </span>
        ) : (
          <span class="muted small">{m.lines.length.toLocaleString()} lines</span>
        )}
        <div class="spacer" />
        {hasTimestamps ? (
          <label class="small muted">
            Timestamps{' '}
            <select value={timestamps} onChange={(e) => setMode((e.target as HTMLSelectElement).value as TimestampMode)}>
              <option value="dim">show</option>
              <option value="hide">hide</option>
            </select>
          </label>
        ) : null}
        <button
          class="btn btn-sm"
          onClick={() => {
            const all = new Map<number, boolean>();
            m.sections.forEach((s) => all.set(s.id, false));
            setFolds(all);
          }}
        >
          Expand all
        </button>
        <a class="btn btn-sm" href={`${API}/jobs/${jobId}/trace`} target="_blank" rel="noopener">
          Raw
        </a>
        <button
          class="btn btn-sm"
          title="Scroll to the end"
          onClick={() => {
            follow.current = true;
            const el = scroller.current;
            if (el) el.scrollTop = el.scrollHeight;
          }}
        >
          ↓
        </button>
      </div>
      {error ? <div class="alert alert-danger">{error}</div> : null}
      <div class="log" ref={scroller} onScroll={onScroll} data-testid="job-log" data-ended={String(ended)} data-lines={m.lines.length}>
        <div class="log-body" style={{ height: `${total * ROW + 8}px` }}>
          {items}
        </div>
        {total === 0 ? <div class="log-empty muted">{ended ? 'This job has no log.' : 'Waiting for the log…'}</div> : null}
      </div>
    </div>
  );
}
