// A job in the pipeline graph (status, name, duration, its action), and a group of parallel or
// matrix jobs ("unit-tests 4") that opens to show each job under its full name.
import { ActionButton, Icon, Link } from '../components/common';
import { StatusIcon, statusLabel } from '../components/status';
import type { Job } from '../types';
import { clockDuration, secondsSince } from '../util/format';
import type { JobGroup } from './job-groups';

const FINISHED = ['success', 'failed', 'canceled', 'skipped'];
const CANCELABLE = ['pending', 'running', 'created', 'waiting_for_resource', 'scheduled'];

export interface CardProps {
  now: number;
  canAct: boolean;
  hot: (key: string) => boolean;
  onHover: (key: string | null) => void;
  onAction: (job: Job, verb: 'play' | 'retry' | 'cancel') => Promise<void>;
}

export function JobCard({ job, child, ...p }: CardProps & { job: Job; child?: boolean }) {
  const duration = job.duration ?? (job.status === 'running' ? secondsSince(job.startedAt, p.now) : null);
  let action: { verb: 'play' | 'retry' | 'cancel'; title: string; hint: string } | null = null;
  if (job.status === 'manual') action = { verb: 'play', title: `Run ${job.name}`, hint: 'Sign in to run this job' };
  else if (CANCELABLE.includes(job.status)) action = { verb: 'cancel', title: `Cancel ${job.name}`, hint: 'Sign in to cancel this job' };
  else if (FINISHED.includes(job.status) && job.status !== 'skipped') action = { verb: 'retry', title: `Retry ${job.name}`, hint: 'Sign in to retry this job' };
  return (
    <div
      class={`job-card${child ? ' job-child' : ''}${p.hot(job.name) ? ' hot' : ''}`}
      data-job-name={job.name}
      data-card={job.name}
      data-status={job.status}
      onMouseEnter={() => p.onHover(job.name)}
      onMouseLeave={() => p.onHover(null)}
    >
      <Link href={`/jobs/${job.id}`} class="job-link" title={`${job.name} - ${statusLabel(job.status, job.allowFailure)}`}>
        <StatusIcon status={job.status} allowFailure={job.allowFailure} />
        <span class="job-name">{job.name}</span>
        <span class="job-duration">{duration !== null ? clockDuration(duration) : job.status === 'manual' ? 'manual' : ''}</span>
      </Link>
      {action ? (
        <ActionButton
          class="job-action"
          title={action.title}
          reason={action.hint}
          disabled={!p.canAct}
          action={() => p.onAction(job, action!.verb)}
          data-testid={`${action.verb}-${job.name}`}
        >
          {Icon[action.verb]}
        </ActionButton>
      ) : null}
    </div>
  );
}

export function GroupCard({ group, open, onToggle, ...p }: CardProps & { group: JobGroup; open: boolean; onToggle: () => void }) {
  const key = group.name;
  return (
    <div class={`job-group${open ? ' open' : ''}`} data-group={group.name}>
      <button
        type="button"
        class={`job-card group-card${p.hot(key) ? ' hot' : ''}`}
        data-card={key}
        data-status={group.status}
        aria-expanded={open}
        title={`${group.name}: ${group.jobs.length} jobs - ${statusLabel(group.status, group.allowFailure)}`}
        onClick={onToggle}
        onMouseEnter={() => p.onHover(key)}
        onMouseLeave={() => p.onHover(null)}
        data-testid={`group-${group.name}`}
      >
        <StatusIcon status={group.status} allowFailure={group.allowFailure} />
        <span class="job-name">{group.name}</span>
        <span class="group-count" aria-label={`${group.jobs.length} jobs`}>
          {group.jobs.length}
        </span>
        <span class="group-caret" aria-hidden="true">
          ▸
        </span>
      </button>
      {open ? (
        <div class="group-jobs" role="list">
          {group.jobs.map((job) => (
            <JobCard key={job.id} job={job} child {...p} />
          ))}
        </div>
      ) : null}
    </div>
  );
}
