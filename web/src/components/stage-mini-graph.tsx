// GitLab's mini pipeline graph: one status icon per stage (orange when it passed with allowed
// failures); a click lists the stage's jobs, loaded then, each linking to its page.
import { get } from '../api';
import type { Job, Pipeline, PipelineDetail } from '../types';
import { Link, Loading, useAsync } from './common';
import { Dropdown } from './dropdown';
import { StatusIcon, statusLabel } from './status';

export function StageMiniGraph({ pipeline }: { pipeline: Pipeline }) {
  const stages = pipeline.stageSummary ?? [];
  if (!stages.length) return <span class="muted small">—</span>;
  return (
    <div class="mini-graph" data-testid={`mini-graph-${pipeline.id}`}>
      {stages.map((s, i) => {
        const shown = s.warning ? 'warning' : s.status;
        return (
          <span class="mini-stage" key={s.name}>
            {i > 0 ? <span class="mini-link" aria-hidden="true" /> : null}
            <Dropdown
              class="mini-stage-btn"
              title={`${s.name}: ${s.warning ? 'passed with warnings' : statusLabel(s.status)}`}
              label={<StatusIcon status={shown} size={20} />}
              data-testid={`stage-${pipeline.id}-${s.name}`}
            >
              {() => <StageJobs pipelineId={pipeline.id} stage={s.name} />}
            </Dropdown>
          </span>
        );
      })}
    </div>
  );
}

function StageJobs({ pipelineId, stage }: { pipelineId: number; stage: string }) {
  const detail = useAsync((signal) => get<PipelineDetail>(`/pipelines/${pipelineId}`, signal), [pipelineId]);
  if (detail.error) return <div class="dropdown-item muted">{detail.error.message}</div>;
  if (!detail.data) return <Loading />;
  const jobs: Job[] = detail.data.jobs.filter((j) => j.stage === stage && !j.retried);
  return (
    <>
      <div class="dropdown-head">{stage}</div>
      {jobs.map((j) => (
        <Link key={j.id} href={`/jobs/${j.id}`} class="dropdown-item" data-testid={`stage-job-${j.name}`}>
          <StatusIcon status={j.status} allowFailure={j.allowFailure} size={14} />
          <span class="ellipsis">{j.name}</span>
          {j.status === 'failed' && j.allowFailure ? <span class="pill pill-warn">allowed to fail</span> : null}
        </Link>
      ))}
    </>
  );
}
