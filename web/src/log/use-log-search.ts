// The log's search state: the typed text (applied after a short pause), the matches over every
// loaded line, the current match and previous/next. A search wants the whole log, so it asks for
// the part before the loaded tail; a new search goes to its first match once there is one.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { LogModel } from './log-model';
import { findMatches, type Match } from './log-search';

export interface LogSearch {
  input: string;
  setInput: (text: string) => void;
  /** The search in force (the input after a pause). */
  query: string;
  matches: Match[];
  current: number;
  /** Match ranges per line index: [start, end, isCurrent]. */
  marksByLine: Map<number, [number, number, boolean][]>;
  next: (step: 1 | -1) => void;
}

export function useLogSearch(opts: { model: LogModel; version: number; truncated: boolean; loadFull: () => void; goTo: (line: number) => void }): LogSearch {
  const { model, version, truncated } = opts;
  const [input, setInput] = useState('');
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  useEffect(() => {
    const t = setTimeout(() => setQuery(input), input ? 150 : 0);
    return () => clearTimeout(t);
  }, [input]);
  useEffect(() => {
    if (query && truncated) opts.loadFull();
  }, [query, truncated]);
  const matches = useMemo(() => (query ? findMatches(model.lines, query) : []), [query, version, model]);
  const marksByLine = useMemo(() => {
    const out = new Map<number, [number, number, boolean][]>();
    matches.forEach((x, i) => {
      const list = out.get(x.line) ?? [];
      list.push([x.start, x.end, i === current]);
      out.set(x.line, list);
    });
    return out;
  }, [matches, current]);
  const searched = useRef('');
  useEffect(() => {
    if (query === searched.current) return;
    setCurrent(0);
    if (!query) searched.current = '';
    else if (matches.length) {
      searched.current = query;
      opts.goTo(matches[0].line);
    }
  }, [query, matches]);
  const next = (step: 1 | -1) => {
    if (!matches.length) return;
    const i = (current + step + matches.length) % matches.length;
    setCurrent(i);
    opts.goTo(matches[i].line);
  };
  return { input, setInput, query, matches, current, marksByLine, next };
}
