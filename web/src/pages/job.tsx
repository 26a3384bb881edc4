// A job: live log, metadata (runner, queued and run time, failure reason, exit code, retry chain),
// artifacts, and the actions that apply (retry, cancel, play with variables).
import { useState } from 'preact/hooks';
import { get, send } from '../api';
import { ActionButton, ErrorBox, Icon, Link, Loading, useAsync, useTicker, useTitle } from '../components/common';
import { StatusBadge, StatusIcon } from '../components/status';
import { LogView } from '../log/log-view';
import { navigate } from '../router';
import { canAct, useSession } from '../session';
import type { Job, JobDetail } from '../types';
import { formatBytes, formatDuration, localTime, secondsSince, shortSha, timeAgo } from '../util/format';
import { ArtifactsBrowser } from './artifacts';
import { JobTestSummary } from '../components/test-report';

const ACTIVE = ['pending', 'running', 'created', 'waiting_for_resource', 'scheduled', 'canceling'];
const CANCELABLE = ['pending', 'running', 'created', 'waiting_for_resource', 'scheduled'];

export function JobPage({ id }: { id: number }) {
  const detail = useAsync((signal) => get<JobDetail>(`/jobs/${id}`, signal), [id]);
  const session = useSession();
  const [tab, setTab] = useState<'log' | 'artifacts'>('log');
  const d = detail.data;
  const now = useTicker(1000, !!d && ACTIVE.includes(d.job.status));
  useTitle(d ? `${d.job.name} (#${d.job.id}) · ${d.job.status}` : `Job #${id}`);

  const onStatus = (job: Job) => {
    if (!d) return;
    if (job.status !== d.job.status || job.finishedAt !== d.job.finishedAt) detail.reload();
  };

  if (detail.error && !d) return <ErrorBox error={detail.error} />;
  if (!d) return <Loading />;
  const job = d.job;
  const signedIn = canAct(session);
  const retry = async () => {
    const { job: next } = await send<{ job: Job }>('POST', `/jobs/${job.id}/retry`);
    navigate(`/jobs/${next.id}`);
  };
  const cancel = async () => {
    await send('POST', `/jobs/${job.id}/cancel`);
    detail.reload();
  };
  const duration = job.duration ?? (job.status === 'running' ? secondsSince(job.startedAt, now) : null);
  const queued = job.queuedDuration ?? (job.status === 'pending' ? secondsSince(job.queuedAt, now) : null);
  const manager = d.runnerManager;

  return (
    <>
      <div class="breadcrumbs">
        <Link href="/">Projects</Link> / {d.project ? <Link href={`/projects/${d.project.id}`}>{d.project.path}</Link> : null} /{' '}
        <Link href={`/pipelines/${job.pipelineId}`}>#{job.pipelineId}</Link> / <span>{job.name}</span>
      </div>
      <div class="page-head">
        <div>
          <h1 class="row-gap">
            <StatusBadge status={job.status} allowFailure={job.allowFailure} />
            <span data-testid="job-title">{job.name}</span>
          </h1>
          <div class="muted small meta-line">
            <span>job #{job.id}</span>
            <span>stage {job.stage}</span>
            {d.pipeline ? (
              <span>
                <span class="ref-chip">{d.pipeline.ref}</span> <code class="sha">{shortSha(d.pipeline.sha)}</code>
              </span>
            ) : null}
            {job.startedAt ? <span>started {timeAgo(job.startedAt, now)}</span> : null}
          </div>
        </div>
        <div class="actions">
          {CANCELABLE.includes(job.status) ? (
            <ActionButton class="btn btn-danger-outline" action={cancel} disabled={!signedIn} title={signedIn ? 'Cancel this job' : 'Sign in to cancel'} data-testid="job-cancel">
              {Icon.cancel} Cancel
            </ActionButton>
          ) : null}
          {['success', 'failed', 'canceled'].includes(job.status) && !job.retried ? (
            <ActionButton class="btn" action={retry} disabled={!signedIn} title={signedIn ? 'Run this job again' : 'Sign in to retry'} data-testid="job-retry">
              {Icon.retry} Retry
            </ActionButton>
          ) : null}
        </div>
      </div>
      {job.retried ? (
        <div class="alert alert-info">
          This job was retried.{' '}
          {d.attempts.length ? <Link href={`/jobs/${d.attempts[d.attempts.length - 1].id}`}>Go to the latest attempt</Link> : null}
        </div>
      ) : null}
      <JobTestSummary jobId={job.id} pipelineId={job.pipelineId} refresh={job.status} />
      {job.status === 'manual' ? <PlayForm job={job} signedIn={signedIn} onDone={detail.reload} /> : null}
      <div class="job-layout">
        <div class="job-main">
          <div class="tabs">
            <button class={tab === 'log' ? 'tab active' : 'tab'} onClick={() => setTab('log')}>
              Log
            </button>
            <button class={tab === 'artifacts' ? 'tab active' : 'tab'} onClick={() => setTab('artifacts')} data-testid="tab-artifacts">
              Artifacts {d.artifacts.length ? <span class="count">{d.artifacts.length}</span> : null}
            </button>
          </div>
          {tab === 'log' ? <LogView jobId={job.id} onStatus={onStatus} /> : <ArtifactsBrowser jobId={job.id} artifacts={d.artifacts} />}
        </div>
        <aside class="job-side">
          <dl class="facts">
            <dt>Duration</dt>
            <dd>{duration !== null ? formatDuration(duration) : '—'}</dd>
            <dt>Queued</dt>
            <dd>{queued !== null ? formatDuration(queued) : '—'}</dd>
            {job.finishedAt ? (
              <>
                <dt>Finished</dt>
                <dd title={localTime(job.finishedAt)}>{timeAgo(job.finishedAt, now)}</dd>
              </>
            ) : null}
            <dt>Timeout</dt>
            <dd>{formatDuration(job.timeout)}</dd>
            <dt>Runner</dt>
            <dd>{d.runner ? `#${d.runner.id} ${d.runner.description || ''}` : '—'}</dd>
            {manager ? (
              <>
                <dt>Runner host</dt>
                <dd class="small">
                  {manager.name} {manager.version} · {manager.executor || '?'} · {manager.platform}/{manager.architecture}
                </dd>
              </>
            ) : null}
            {job.failureReason ? (
              <>
                <dt>Failure reason</dt>
                <dd class="danger" data-testid="failure-reason">
                  {job.failureReason.replace(/_/g, ' ')}
                </dd>
              </>
            ) : null}
            {job.exitCode !== null ? (
              <>
                <dt>Exit code</dt>
                <dd>{job.exitCode}</dd>
              </>
            ) : null}
            {d.spec.tags.length ? (
              <>
                <dt>Tags</dt>
                <dd>
                  {d.spec.tags.map((t) => (
                    <span class="tag" key={t}>
                      {t}
                    </span>
                  ))}
                </dd>
              </>
            ) : null}
            {d.spec.image ? (
              <>
                <dt>Image</dt>
                <dd>
                  <code>{d.spec.image}</code>
                </dd>
              </>
            ) : null}
            {job.allowFailure ? (
              <>
                <dt>Allow failure</dt>
                <dd>yes</dd>
              </>
            ) : null}
          </dl>
          {d.artifacts.length ? (
            <div class="side-block">
              <h4>Artifacts</h4>
              {d.artifacts.map((a) => (
                <div class="row-gap small" key={a.id}>
                  <a href={`/api/ui/jobs/${job.id}/artifacts/${a.id}/download`} download>
                    {Icon.download} {a.fileType}
                  </a>
                  <span class="muted">{formatBytes(a.size)}</span>
                </div>
              ))}
            </div>
          ) : null}
          {d.attempts.length > 1 ? (
            <div class="side-block">
              <h4>Attempts</h4>
              <ol class="attempts">
                {d.attempts.map((a) => (
                  <li key={a.id} class={a.id === job.id ? 'current' : ''}>
                    <StatusIcon status={a.status} size={14} />
                    <Link href={`/jobs/${a.id}`}>#{a.id}</Link>
                    <span class="muted small">{timeAgo(a.createdAt, now)}</span>
                  </li>
                ))}
              </ol>
            </div>
          ) : null}
        </aside>
      </div>
    </>
  );
}

function PlayForm({ job, signedIn, onDone }: { job: Job; signedIn: boolean; onDone: () => void }) {
  const [vars, setVars] = useState<{ key: string; value: string }[]>([{ key: '', value: '' }]);
  const [error, setError] = useState<Error>();
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
    <div class="play-box">
      <h3>This is a manual job</h3>
      <p class="muted small">Variables for this run (optional):</p>
      <ErrorBox error={error} />
      {vars.map((v, i) => (
        <div class="var-row" key={i}>
          <input placeholder="Key" aria-label="Variable key" value={v.key} onInput={(e) => edit(i, 'key', (e.target as HTMLInputElement).value)} />
          <input placeholder="Value" aria-label="Variable value" value={v.value} onInput={(e) => edit(i, 'value', (e.target as HTMLInputElement).value)} />
        </div>
      ))}
      <ActionButton class="btn btn-primary" action={play} onError={setError} disabled={!signedIn} title={signedIn ? 'Run this job' : 'Sign in to run'} data-testid="job-play">
        {Icon.play} Run job
      </ActionButton>
    </div>
  );
}
