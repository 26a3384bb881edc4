// One row of the virtualised log: line number (a link to `#L<n>`), runner time, section caret and
// duration, and the text as styled spans with the search matches marked.
import { styleAttrs, type Span } from './ansi';
import { formatSectionDuration, type LogLine, type LogSection } from './log-model';
import { markSpans } from './log-search';

export interface RowProps {
  /** Index in LogModel.lines, or -1 for the unfinished last line. */
  index: number;
  line: LogLine;
  section: LogSection | null;
  folded: boolean;
  depth: number;
  duration: number | null;
  spans: Span[];
  marks: [number, number, boolean][];
  top: number;
  height: number;
  showTime: boolean;
  target: boolean;
  /** Line numbers link to `#L<n>` (not when only the tail of the log is loaded). */
  anchors: boolean;
  onToggle: (section: number) => void;
  onAnchor: (index: number) => void;
}

export function LogRow(p: RowProps) {
  const { line, section, index } = p;
  const header = line.header;
  const number = index + 1;
  const cls = `log-line${section ? ' log-section-header' : ''}${line.stream === 'E' ? ' stderr' : ''}${p.target ? ' log-target' : ''}`;
  return (
    <div
      class={cls}
      style={{ top: `${p.top}px`, height: `${p.height}px` }}
      data-line={index < 0 ? undefined : number}
      data-section={section?.name}
      aria-expanded={section ? !p.folded : undefined}
      onClick={section ? () => p.onToggle(header) : undefined}
      role={section ? 'button' : undefined}
      tabIndex={section ? 0 : undefined}
      onKeyDown={
        section
          ? (e: KeyboardEvent) => {
              if (e.target === e.currentTarget && (e.key === 'Enter' || e.key === ' ')) {
                e.preventDefault();
                p.onToggle(header);
              }
            }
          : undefined
      }
    >
      {index < 0 ? (
        <span class="log-no" />
      ) : p.anchors ? (
        <a
          class="log-no"
          id={`L${number}`}
          href={`#L${number}`}
          aria-label={`Line ${number}`}
          onClick={(e) => {
            e.preventDefault();
            e.stopPropagation();
            p.onAnchor(index);
          }}
        >
          {number}
        </a>
      ) : (
        <span class="log-no">{number}</span>
      )}
      {p.showTime ? (
        <span class="log-time" title={line.time ?? ''}>
          {line.time ? line.time.slice(11, 19) : ''}
        </span>
      ) : null}
      <span class="log-indent" style={{ width: `${Math.max(0, p.depth - (section ? 0 : 1)) * 12}px` }} />
      <span class={`log-caret${p.folded ? '' : ' open'}`}>{section ? '▸' : ''}</span>
      <span class="log-text" data-index={index}>
        {markSpans(p.spans, p.marks).map((s, i) => {
          const { className, css } = styleAttrs(s.style);
          const content =
            className || css ? (
              <span key={i} class={className} style={css}>
                {s.text}
              </span>
            ) : (
              s.text
            );
          return s.mark ? (
            <mark key={`m${i}`} class={s.mark === 2 ? 'log-match current' : 'log-match'}>
              {content}
            </mark>
          ) : (
            content
          );
        })}
      </span>
      {p.duration !== null ? <span class="log-duration">{formatSectionDuration(p.duration)}</span> : null}
    </div>
  );
}
