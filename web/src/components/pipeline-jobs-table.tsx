// The pipeline page's Jobs and Failed jobs tabs: every current job as a row (status with the
// warning state of allowed failures, name, stage, duration, failure reason, actions); the
// failed list adds the failure reason and the end of each job's log.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { API } from '../api';
import type { Job } from '../types';
import { clockDuration, liveDuration, timeAgo } from '../util/format';
import { ActionButton, Icon, Link } from './common';
import { StatusBadge } from './status';

const CANCELABLE = ['pending', 'running', 'created', 'waiting_for_resource', 'scheduled'];
type Verb = 'play' | 'retry' | 'cancel';

function actionOf(job: Job): { verb: Verb; title: string } | null {
  if (job.status === 'manual') return { verb: 'play', title: `Run ${job.name}` };
  if (CANCELABLE.includes(job.status)) return { verb: 'cancel', title: `Cancel ${job.name}` };
  if (['success', 'failed', 'canceled'].includes(job.status)) return { verb: 'retry', title: `Retry ${job.name}` };
  return null;
}

export function PipelineJobsTable(props: { jobs: Job[]; now: number; canAct: boolean; failedOnly?: boolean; onAction: (job: Job, verb: Verb) => Promise<void> }) {
  const jobs = props.jobs.filter((j) => !j.retried && (!props.failedOnly || j.status === 'failed')).sort((a, b) => a.stageIndex - b.stageIndex || a.id - b.id);
  if (!jobs.length) return <div class="empty muted">{props.failedOnly ? 'No jobs failed in this pipeline.' : 'This pipeline has no jobs.'}</div>;
  return (
    <div class={props.failedOnly ? 'failed-jobs' : ''}>
      <table class="table jobs-table" data-testid={props.failedOnly ? 'failed-jobs' : 'jobs-table'}>
        <thead>
          <tr>
            <th>Status</th>
            <th>Job</th>
            <th>Stage</th>
            <th>{props.failedOnly ? 'Failure' : 'Duration'}</th>
            <th>
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => {
            const action = actionOf(job);
            const duration = liveDuration(job, props.now);
            return (
              <Fragment key={job.id}>
                <tr data-job={job.name} data-status={job.status}>
                  <td>
                    <Link href={`/jobs/${job.id}`}>
                      <StatusBadge status={job.status} allowFailure={job.allowFailure} />
                    </Link>
                  </td>
                  <td>
                    <Link href={`/jobs/${job.id}`} class="strong">
                      {job.name}
                    </Link>
                    <div class="muted small">
                      #{job.id}
                      {job.allowFailure && job.status === 'failed' ? <span class="pill pill-warn">allowed to fail</span> : null}
                      {job.manual && job.status === 'manual' ? <span class="pill">manual</span> : null}
                    </div>
                  </td>
                  <td class="muted">{job.stage}</td>
                  <td class="small">
                    {props.failedOnly ? (
                      <span class={job.allowFailure ? 'warning-text' : 'danger'}>
                        {(job.failureReason ?? 'failed').replace(/_/g, ' ')}
                        {job.exitCode !== null ? ` (exit code ${job.exitCode})` : ''}
                      </span>
                    ) : duration !== null ? (
                      <span class="nowrap">{clockDuration(duration)}</span>
                    ) : null}
                    {job.finishedAt ? <div class="muted">{timeAgo(job.finishedAt, props.now)}</div> : null}
                  </td>
                  <td class="right">
                    {action ? (
                      <ActionButton class="btn btn-sm btn-icon" title={props.canAct ? action.title : 'Sign in to act'} disabled={!props.canAct} action={() => props.onAction(job, action.verb)} data-testid={`row-${action.verb}-${job.name}`}>
                        {Icon[action.verb]}
                      </ActionButton>
                    ) : null}
                  </td>
                </tr>
                {props.failedOnly ? (
                  <tr class="log-tail-row">
                    <td colSpan={5}>
                      <LogTail jobId={job.id} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const NOISE = /\x1b\[[0-9;]*[A-Za-z]|section_(start|end):\d+:[^\r\n]*?\r|\r/g;

/** The last lines of a job's log, as plain text. */
function LogTail({ jobId }: { jobId: number }) {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    fetch(`${API}/jobs/${jobId}/trace`, { headers: { range: 'bytes=-4096' }, signal: ac.signal, credentials: 'same-origin' })
      .then(async (res) => (res.ok ? res.text() : ''))
      .then((t) => {
        const lines = t.replace(NOISE, '').split('\n').filter((l) => l.trim() !== '');
        setText(lines.slice(-12).join('\n'));
      })
      .catch(() => {});
    return () => ac.abort();
  }, [jobId]);
  if (text === null) return null;
  return text ? <pre class="log-tail" data-testid={`log-tail-${jobId}`}>{text}</pre> : <p class="muted small">The log is empty.</p>;
}
