// A job: live log, metadata (runner, queued and run time, failure reason, exit code, retry chain),
// artifacts, and the actions that apply (retry, cancel, play with variables).
import { get, send } from '../api';
import { ActionButton, Icon, Link, Loading, useAsync, useTicker, useTitle } from '../components/common';
import { ManualJobPanel, NotStartedPanel, notStartedNotice } from '../components/manual-job';
import { LoadError } from '../components/not-found';
import { StatusBadge, StatusIcon, statusLabel } from '../components/status';
import { useStatusFavicon } from '../components/status-favicon';
import { LogView } from '../log/log-view';
import { navigate } from '../router';
import { canAct, useSession } from '../session';
import type { Job, JobDetail } from '../types';
import { formatDuration, liveDuration, localTime, secondsSince, shortSha, timeAgo } from '../util/format';
import { ArtifactsBrowser, ArtifactsSideBlock, type ArtifactLocation } from './artifacts';
import { JobTestSummary } from '../components/test-report';

const ACTIVE = ['pending', 'running', 'created', 'waiting_for_resource', 'scheduled', 'canceling'];
const CANCELABLE = ['pending', 'running', 'created', 'waiting_for_resource', 'scheduled'];

export function JobPage({ id, tab = 'log', artifactPath }: { id: number; tab?: string; artifactPath?: ArtifactLocation }) {
  const detail = useAsync((signal) => get<JobDetail>(`/jobs/${id}`, signal), [id]);
  const session = useSession();
  const d = detail.data;
  const now = useTicker(1000, !!d && ACTIVE.includes(d.job.status));
  useTitle(d ? `${d.job.name} (#${d.job.id}) · ${statusLabel(d.job.status, d.job.allowFailure)}` : `Job #${id}`);
  useStatusFavicon(d ? (d.job.status === 'failed' && d.job.allowFailure ? 'warning' : d.job.status) : null);

  const onStatus = (job: Job) => {
    if (!d) return;
    if (job.status !== d.job.status || job.finishedAt !== d.job.finishedAt) detail.reload();
  };

  if (detail.error && !d) return <LoadError error={detail.error} what={`Job #${id}`} />;
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
  const duration = liveDuration(job, now);
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
      <div class="job-layout">
        <div class="job-main">
          <nav class="tabs" aria-label="Job views">
            <Link href={`/jobs/${job.id}`} class={tab === 'log' ? 'tab active' : 'tab'} data-testid="tab-log">
              Log
            </Link>
            <Link href={`/jobs/${job.id}/artifacts`} class={tab === 'artifacts' ? 'tab active' : 'tab'} data-testid="tab-artifacts">
              Artifacts {d.artifacts.length ? <span class="count">{d.artifacts.length}</span> : null}
            </Link>
          </nav>
          {tab === 'artifacts' ? (
            <ArtifactsBrowser jobId={job.id} artifacts={d.artifacts} location={artifactPath} canAct={signedIn} onChange={detail.reload} />
          ) : job.status === 'manual' ? (
            <ManualJobPanel detail={d} signedIn={signedIn} onDone={detail.reload} />
          ) : job.status === 'skipped' && notStartedNotice(job) ? (
            <NotStartedPanel job={job} text={notStartedNotice(job)!} />
          ) : (
            <>
              {notStartedNotice(job) ? <div class="alert alert-info" data-testid="job-not-started">{notStartedNotice(job)}</div> : null}
              <LogView jobId={job.id} onStatus={onStatus} />
            </>
          )}
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
                <dd class={job.allowFailure ? 'warning-text' : 'danger'} data-testid="failure-reason">
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
          {d.artifacts.length ? <ArtifactsSideBlock jobId={job.id} artifacts={d.artifacts} canAct={signedIn} onChange={detail.reload} /> : null}
          {d.attempts.length > 1 ? (
            <div class="side-block">
              <h4>Attempts</h4>
              <ol class="attempts">
                {d.attempts.map((a) => (
                  <li key={a.id} class={a.id === job.id ? 'current' : ''}>
                    <StatusIcon status={a.status} allowFailure={job.allowFailure} size={14} />
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
