// What a job that has not run shows instead of an empty log: a manual job explains itself and
// offers Run with variables (GitLab's "This job requires a manual action"); a created, skipped
// or scheduled job says why it has no log yet.
import { useEffect, useState } from 'preact/hooks';
import { send, stream } from '../api';
import { signInHref } from '../session';
import type { Job, JobDetail } from '../types';
import { localTime } from '../util/format';
import { ActionButton, ErrorBox, Icon, Link } from './common';
import { StatusIcon } from './status';

export function ManualJobPanel({ detail, signedIn, onDone }: { detail: JobDetail; signedIn: boolean; onDone: () => void }) {
  const job = detail.job;
  const [vars, setVars] = useState<{ key: string; value: string }[]>([{ key: '', value: '' }]);
  const [error, setError] = useState<Error>();
  // played from elsewhere (the graph, another tab, the CLI): show the run
  useEffect(() => stream(() => `/events?job=${job.id}`, { job: (j: Job) => j.status !== 'manual' && onDone() }), [job.id]);
  const play = async () => {
    const variables = vars.filter((v) => v.key.trim() !== '').map((v) => ({ key: v.key.trim(), value: v.value }));
    await send('POST', `/jobs/${job.id}/play`, { variables });
    onDone();
  };
  const edit = (i: number, field: 'key' | 'value', value: string) => {
    const next = vars.map((v, j) => (j === i ? { ...v, [field]: value } : v));
    if (i === next.length - 1 && value) next.push({ key: '', value: '' });
    setVars(next);
  };
  return (
    <div class="job-empty-state manual-job" data-testid="manual-job">
      <StatusIcon status="manual" size={40} />
      <h2>This job requires a manual action</h2>
      <p class="muted">
        This job does not run by itself: it waits until someone starts it{job.allowFailure ? '; the pipeline does not wait for it' : ', and the stages after it wait too'}. Before starting it you can add
        variables for last-minute configuration changes.
      </p>
      {detail.spec.playVariableKeys.length ? <p class="muted small">Last run with: {detail.spec.playVariableKeys.join(', ')}</p> : null}
      <div class="play-vars">
        {vars.map((v, i) => (
          <div class="var-row" key={i}>
            <input placeholder="Input variable key" aria-label={`Variable ${i + 1} key`} value={v.key} onInput={(e) => edit(i, 'key', (e.target as HTMLInputElement).value)} data-testid="play-var-key" />
            <input placeholder="Input variable value" aria-label={`Variable ${i + 1} value`} value={v.value} onInput={(e) => edit(i, 'value', (e.target as HTMLInputElement).value)} data-testid="play-var-value" />
          </div>
        ))}
      </div>
      <ErrorBox error={error} />
      <div class="row-gap">
        <ActionButton class="btn btn-primary" action={play} onError={setError} disabled={!signedIn} title={signedIn ? 'Run this job' : 'Sign in to run'} data-testid="job-play">
          {Icon.play} Run job
        </ActionButton>
        {!signedIn ? <Link href={signInHref()}>Sign in to run it</Link> : null}
      </div>
    </div>
  );
}

const WHY: Record<string, string> = {
  created: 'This job has not started yet: it waits for the jobs it needs (or the earlier stages) to finish.',
  waiting_for_resource: 'This job waits for its resource group: another job holds it.',
  scheduled: 'This job is delayed (when: delayed) and starts by itself at its time.',
  skipped: 'This job was skipped: the jobs it needed did not succeed, or its rules did not let it run.',
  pending: 'This job is waiting for a runner to pick it up.',
};

/** A notice for a job with no log that is not manual; null when the log view should show. */
export function notStartedNotice(job: Job): string | null {
  if (job.traceSize > 0 || job.startedAt) return null;
  const why = WHY[job.status];
  if (!why) return null;
  return job.status === 'scheduled' && job.scheduledAt ? `${why} (${localTime(job.scheduledAt)})` : why;
}

export function NotStartedPanel({ job, text }: { job: Job; text: string }) {
  return (
    <div class="job-empty-state" data-testid="job-not-started" data-status={job.status}>
      <StatusIcon status={job.status} size={40} />
      <p>{text}</p>
    </div>
  );
}
