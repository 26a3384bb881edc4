// The pipeline graph: columns by stage or by dependency layer (pipeline/graph-layout.ts), one card
// per job (latest attempt) or per group of parallel/matrix jobs (pipeline/job-groups.ts), and the
// `needs` links drawn as SVG paths through the gaps, measured after layout.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { graphColumns, needLinks, pathOf, routeLink, type Box, type ColumnBoxes, type GroupBy } from '../pipeline/graph-layout';
import { GroupCard, JobCard } from '../pipeline/job-card';
import type { Job, PipelineDetail } from '../types';
import '../pipeline/graph.css';

interface Props {
  detail: PipelineDetail;
  now: number;
  canAct: boolean;
  onAction: (job: Job, verb: 'play' | 'retry' | 'cancel') => Promise<void>;
}

interface LinkPath {
  from: string;
  to: string;
  d: string;
}

export function PipelineGraph({ detail, now, canAct, onAction }: Props) {
  const [by, setBy] = useState<GroupBy>(() => (localStorage.getItem('gcd.groupBy') === 'needs' ? 'needs' : 'stage'));
  const [open, setOpen] = useState<Set<string>>(new Set());
  const columns = graphColumns(detail, by);
  const box = useRef<HTMLDivElement>(null);
  const [paths, setPaths] = useState<LinkPath[]>([]);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [hover, setHover] = useState<string | null>(null);

  // A link ends at the job's card, or at its group's card while the group is closed.
  const endpoint = new Map<string, string>();
  for (const c of columns) for (const g of c.groups) for (const j of g.jobs) endpoint.set(j.name, g.jobs.length > 1 && !open.has(g.name) ? g.name : j.name);
  const links: [string, string][] = [];
  const seen = new Set<string>();
  for (const [from, to] of needLinks(detail)) {
    const a = endpoint.get(from);
    const b = endpoint.get(to);
    if (!a || !b || a === b || seen.has(`${a}\u0000${b}`)) continue;
    seen.add(`${a}\u0000${b}`);
    links.push([a, b]);
  }
  const layoutKey = `${by}|${[...open].join(',')}|${columns.map((c) => c.groups.map((g) => `${g.name}:${g.status}:${g.jobs.length}`).join(',')).join('/')}|${links.length}`;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => {
      const base = el.getBoundingClientRect();
      const rel = (r: DOMRect): Box => ({ left: r.left - base.left, right: r.right - base.left, top: r.top - base.top, bottom: r.bottom - base.top });
      const cols: ColumnBoxes[] = [];
      const where = new Map<string, { col: number; box: Box }>();
      el.querySelectorAll<HTMLElement>('.stage').forEach((stage, i) => {
        const r = rel(stage.getBoundingClientRect());
        const cards: Box[] = [];
        stage.querySelectorAll<HTMLElement>('[data-card]').forEach((card) => {
          const b = rel(card.getBoundingClientRect());
          cards.push(b);
          where.set(card.dataset.card!, { col: i, box: b });
        });
        cols.push({ left: r.left, right: r.right, cards: cards.sort((x, y) => x.top - y.top) });
      });
      const next: LinkPath[] = [];
      const sources = [...new Set(links.map(([f]) => f))];
      for (const [from, to] of links) {
        const a = where.get(from);
        const b = where.get(to);
        if (!a || !b) continue;
        const shift = ((sources.indexOf(from) % 5) - 2) * 3;
        next.push({ from, to, d: pathOf(routeLink(cols, a.col, a.box, b.col, b.box, shift)) });
      }
      setPaths(next);
      setSize({ w: el.scrollWidth, h: el.scrollHeight });
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [layoutKey]);

  const hot = (key: string) => hover !== null && (hover === key || links.some(([f, t]) => (f === hover && t === key) || (t === hover && f === key)));
  const choose = (next: GroupBy) => {
    localStorage.setItem('gcd.groupBy', next);
    setBy(next);
  };
  const toggle = (name: string) => {
    const next = new Set(open);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setOpen(next);
  };
  const cardProps = { now, canAct, hot, onHover: setHover, onAction };

  return (
    <div class="graph-panel">
      <div class="graph-options" role="group" aria-label="Group jobs by">
        <span class="small muted">Group jobs by</span>
        <div class="segmented">
          <button type="button" class={by === 'stage' ? 'active' : ''} aria-pressed={by === 'stage'} onClick={() => choose('stage')} data-testid="group-by-stage">
            Stage
          </button>
          <button type="button" class={by === 'needs' ? 'active' : ''} aria-pressed={by === 'needs'} onClick={() => choose('needs')} data-testid="group-by-needs">
            Job dependencies
          </button>
        </div>
      </div>
      <div class="graph-scroll">
        <div class={`graph graph-by-${by}`} ref={box} data-testid="pipeline-graph" data-group-by={by}>
          <svg class="graph-links" width={size.w} height={size.h} aria-hidden="true">
            {paths.map((p) => (
              <path key={`${p.from}>${p.to}`} d={p.d} class={hover && (p.from === hover || p.to === hover) ? 'link hot' : 'link'} data-from={p.from} data-to={p.to} />
            ))}
          </svg>
          {columns.map((col) => (
            <section class="stage" key={col.key} data-stage={col.title ?? undefined} data-column={col.key}>
              <h3 class="stage-name">{col.title ?? '\u00a0'}</h3>
              {col.groups.map((g) =>
                g.jobs.length > 1 ? (
                  <GroupCard key={`g:${g.name}`} group={g} open={open.has(g.name)} onToggle={() => toggle(g.name)} {...cardProps} />
                ) : (
                  <JobCard key={g.jobs[0].id} job={g.jobs[0]} {...cardProps} />
                ),
              )}
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
