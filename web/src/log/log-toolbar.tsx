// The log's toolbar: size or "load the complete log", search (match count, previous/next), runner
// timestamps, line wrapping, expand all, the clean raw text, and jumps to the top and the bottom.
import type { TimestampMode } from './log-view';

interface Props {
  rawHref: string;
  lines: number;
  truncated: boolean;
  tailKiB: number;
  onLoadFull: () => void;
  search: string;
  onSearch: (text: string) => void;
  /** Matches found (null while no search); `capped` when the count hit the limit. */
  matches: number | null;
  capped: boolean;
  current: number;
  onNext: (step: 1 | -1) => void;
  hasTimestamps: boolean;
  timestamps: TimestampMode;
  onTimestamps: (mode: TimestampMode) => void;
  wrap: boolean;
  onWrap: (wrap: boolean) => void;
  onExpandAll: () => void;
  onTop: () => void;
  onBottom: () => void;
}

export function LogToolbar(p: Props) {
  const count = p.matches === null ? '' : p.matches === 0 ? 'No results' : `${p.current + 1} of ${p.matches}${p.capped ? '+' : ''}`;
  return (
    <div class="log-toolbar">
      {p.truncated ? (
        <span class="muted small">
          Showing the last {p.tailKiB} KiB.{' '}
          <button class="btn-link" onClick={p.onLoadFull}>
            Load the complete log
          </button>
        </span>
      ) : (
        <span class="muted small">{p.lines.toLocaleString()} lines</span>
      )}
      <div class="log-search" role="search">
        <input
          type="search"
          placeholder="Search the log"
          aria-label="Search the log"
          value={p.search}
          data-testid="log-search"
          onInput={(e) => p.onSearch((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              p.onNext(e.shiftKey ? -1 : 1);
            } else if (e.key === 'Escape') p.onSearch('');
          }}
        />
        <span class="log-search-count small muted" aria-live="polite" data-testid="log-search-count">
          {count}
        </span>
        <button class="btn btn-sm" aria-label="Previous match" title="Previous match (Shift+Enter)" disabled={!p.matches} onClick={() => p.onNext(-1)} data-testid="log-search-prev">
          ↑
        </button>
        <button class="btn btn-sm" aria-label="Next match" title="Next match (Enter)" disabled={!p.matches} onClick={() => p.onNext(1)} data-testid="log-search-next">
          ↓
        </button>
      </div>
      <div class="spacer" />
      <div class="log-tools">
        {p.hasTimestamps ? (
          <label class="small muted">
            Timestamps{' '}
            <select value={p.timestamps} onChange={(e) => p.onTimestamps((e.target as HTMLSelectElement).value as TimestampMode)}>
              <option value="dim">show</option>
              <option value="hide">hide</option>
            </select>
          </label>
        ) : null}
        <button class="btn btn-sm" aria-pressed={p.wrap} onClick={() => p.onWrap(!p.wrap)} data-testid="log-wrap" title="Wrap long lines">
          Wrap
        </button>
        <button class="btn btn-sm" onClick={p.onExpandAll}>
          Expand all
        </button>
        <a class="btn btn-sm" href={p.rawHref} target="_blank" rel="noopener" data-testid="log-raw" title="The log as plain text">
          Raw
        </a>
        <button class="btn btn-sm" aria-label="Scroll to the top" title="Scroll to the top" onClick={p.onTop} data-testid="log-top">
          ⤒
        </button>
        <button class="btn btn-sm" aria-label="Scroll to the bottom" title="Scroll to the bottom" onClick={p.onBottom} data-testid="log-bottom">
          ⤓
        </button>
      </div>
    </div>
  );
}
