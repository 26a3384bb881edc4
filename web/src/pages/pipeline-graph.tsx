// The pipeline graph: one column per stage, one card per job (latest attempt), and the `needs`
// links drawn as SVG curves between the cards, measured after layout.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ActionButton, Icon, Link } from '../components/common';
import { StatusIcon, statusLabel } from '../components/status';
import type { Job, PipelineDetail } from '../types';
import { clockDuration, secondsSince } from '../util/format';

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

const FINISHED = ['success', 'failed', 'canceled', 'skipped'];
const CANCELABLE = ['pending', 'running', 'created', 'waiting_for_resource', 'scheduled'];

/** Needs links by job name, from explicit edges (ids of any attempt) and the jobs' own `needs`. */
export function needLinks(detail: PipelineDetail): [string, string][] {
  const nameOf = new Map(detail.jobs.map((j) => [j.id, j.name]));
  const seen = new Set<string>();
  const out: [string, string][] = [];
  const add = (from: string | undefined, to: string | undefined) => {
    if (!from || !to || from === to) return;
    const k = `${from}\u0000${to}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push([from, to]);
  };
  for (const e of detail.edges) if (e.explicit) add(nameOf.get(e.needsJobId), nameOf.get(e.jobId));
  const names = new Set(detail.jobs.map((j) => j.name));
  for (const j of detail.jobs) if (!j.retried && j.needs) for (const n of j.needs) if (names.has(n)) add(n, j.name);
  return out;
}

export function PipelineGraph({ detail, now, canAct, onAction }: Props) {
  const jobs = detail.jobs.filter((j) => !j.retried).sort((a, b) => a.stageIndex - b.stageIndex || a.id - b.id);
  const stages = detail.pipeline.stages.length ? detail.pipeline.stages : [...new Set(jobs.map((j) => j.stage))];
  const byStage = stages.map((stage) => ({ stage, jobs: jobs.filter((j) => j.stage === stage) })).filter((s) => s.jobs.length > 0);
  const links = needLinks(detail);
  const box = useRef<HTMLDivElement>(null);
  const [paths, setPaths] = useState<LinkPath[]>([]);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [hover, setHover] = useState<string | null>(null);
  const layoutKey = jobs.map((j) => `${j.name}:${j.status}`).join('|') + links.length;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => {
      const base = el.getBoundingClientRect();
      const rect = (name: string) => el.querySelector<HTMLElement>(`[data-job-name="${CSS.escape(name)}"]`)?.getBoundingClientRect();
      const next: LinkPath[] = [];
      for (const [from, to] of links) {
        const a = rect(from);
        const b = rect(to);
        if (!a || !b) continue;
        const y1 = a.top + a.height / 2 - base.top;
        const y2 = b.top + b.height / 2 - base.top;
        if (b.left > a.right) {
          // The usual case: a later column. Leave from the right edge, arrive at the left edge.
          const x1 = a.right - base.left;
          const x2 = b.left - base.left;
          const dx = Math.max(24, (x2 - x1) / 2);
          next.push({ from, to, d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}` });
        } else {
          // Same column (or an earlier one): loop around the left side.
          const x1 = a.left - base.left;
          const x2 = b.left - base.left;
          const dx = 22 + Math.min(40, Math.abs(y2 - y1) / 6);
          next.push({ from, to, d: `M${x1},${y1} C${x1 - dx},${y1} ${x2 - dx},${y2} ${x2},${y2}` });
        }
      }
      setPaths(next);
      setSize({ w: el.scrollWidth, h: el.scrollHeight });
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [layoutKey]);

  const related = (name: string) => hover !== null && (hover === name || links.some(([f, t]) => (f === hover && t === name) || (t === hover && f === name)));

  return (
    <div class="graph-scroll">
      <div class="graph" ref={box} data-testid="pipeline-graph">
        <svg class="graph-links" width={size.w} height={size.h} aria-hidden="true">
          {paths.map((p) => (
            <path key={`${p.from}>${p.to}`} d={p.d} class={hover && (p.from === hover || p.to === hover) ? 'link hot' : 'link'} data-from={p.from} data-to={p.to} />
          ))}
        </svg>
        {byStage.map(({ stage, jobs: stageJobs }) => (
          <section class="stage" key={stage} data-stage={stage}>
            <h3 class="stage-name">{stage}</h3>
            {stageJobs.map((job) => {
              const duration = job.duration ?? (job.status === 'running' ? secondsSince(job.startedAt, now) : null);
              let action: { verb: 'play' | 'retry' | 'cancel'; title: string } | null = null;
              if (job.status === 'manual') action = { verb: 'play', title: `Run ${job.name}` };
              else if (CANCELABLE.includes(job.status)) action = { verb: 'cancel', title: `Cancel ${job.name}` };
              else if (FINISHED.includes(job.status) && job.status !== 'skipped') action = { verb: 'retry', title: `Retry ${job.name}` };
              return (
                <div
                  key={job.id}
                  class={`job-card${related(job.name) ? ' hot' : ''}`}
                  data-job-name={job.name}
                  data-status={job.status}
                  onMouseEnter={() => setHover(job.name)}
                  onMouseLeave={() => setHover(null)}
                >
                  <Link href={`/jobs/${job.id}`} class="job-link" title={`${job.name} - ${statusLabel(job.status, job.allowFailure)}`}>
                    <StatusIcon status={job.status} allowFailure={job.allowFailure} />
                    <span class="job-name">{job.name}</span>
                    <span class="job-duration">{duration !== null ? clockDuration(duration) : job.status === 'manual' ? 'manual' : ''}</span>
                  </Link>
                  {action ? (
                    <ActionButton
                      class="job-action"
                      title={canAct ? action.title : 'Sign in to act'}
                      disabled={!canAct}
                      action={() => onAction(job, action!.verb)}
                      data-testid={`${action.verb}-${job.name}`}
                    >
                      {Icon[action.verb]}
                    </ActionButton>
                  ) : null}
                </div>
              );
            })}
          </section>
        ))}
      </div>
    </div>
  );
}
