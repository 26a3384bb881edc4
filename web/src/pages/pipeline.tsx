// One pipeline: header with actions, and the graph (stage columns, `needs` links), kept live by the
// pipeline's event stream.
import { useEffect } from 'preact/hooks';
import { get, send, stream } from '../api';
import { ActionButton, ErrorBox, Icon, Link, Loading, useAsync, useTicker, useTitle } from '../components/common';
import { LoadError } from '../components/not-found';
import { PipelineJobsTable } from '../components/pipeline-jobs-table';
import { StatusBadge } from '../components/status';
import { useStatusFavicon } from '../components/status-favicon';
import { Triggerer } from '../components/triggerer';
import { canAct, useSession } from '../session';
import type { Job, Pipeline, PipelineDetail } from '../types';
import { formatDuration, liveDuration, shortSha, timeAgo } from '../util/format';
import { PipelineGraph } from './pipeline-graph';
import { TestReportView, usePipelineTestCount } from '../components/test-report';

const ACTIVE = ['created', 'waiting_for_resource', 'pending', 'running', 'canceling', 'scheduled'];

/** Passed, but some allowed failures failed: GitLab's orange "warning". */
export const passedWithWarnings = (d: PipelineDetail) => d.pipeline.status === 'success' && d.jobs.some((j) => !j.retried && j.status === 'failed' && j.allowFailure);

/** `?tab=tests` (the first address of the Tests tab) still opens it. */
const tabOf = (tab: string | undefined) => tab ?? (new URLSearchParams(location.search).get('tab') === 'tests' ? 'tests' : undefined);

export function PipelinePage({ id, tab: routeTab }: { id: number; tab?: string }) {
  const tab = tabOf(routeTab);
  const detail = useAsync((signal) => get<PipelineDetail>(`/pipelines/${id}`, signal), [id]);
  const session = useSession();
  const d = detail.data;
  const testsRefresh = d ? d.jobs.map((j) => j.status).join() : '';
  const testCount = usePipelineTestCount(id, testsRefresh);
  const now = useTicker(1000, !!d && ACTIVE.includes(d.pipeline.status));
  const warning = !!d && passedWithWarnings(d);
  const shown = d ? (warning ? 'warning' : d.pipeline.status) : null;
  useTitle(d ? `Pipeline #${d.pipeline.id} · ${shown} · ${d.project.path}` : `Pipeline #${id}`);
  useStatusFavicon(shown);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(detail.reload, 250);
    };
    const close = stream(() => `/events?pipeline=${id}`, {
      ready: later, // (re)connected: whatever happened meanwhile is in a fresh read
      pipeline: later,
      job: later,
    });
    return () => {
      clearTimeout(timer);
      close();
    };
  }, [id]);

  if (detail.error && !d) return <LoadError error={detail.error} what={`Pipeline #${id}`} />;
  if (!d) return <Loading />;
  const p: Pipeline = d.pipeline;
  const act = async (path: string) => {
    const next = await send<PipelineDetail>('POST', path);
    detail.set(next);
  };
  const jobAct = async (job: Job, verb: 'play' | 'retry' | 'cancel') => {
    await send('POST', `/jobs/${job.id}/${verb}`, verb === 'play' ? { variables: [] } : undefined);
    detail.reload();
  };
  const signedIn = canAct(session);
  const current = d.jobs.filter((j) => !j.retried);
  const failed = current.filter((j) => j.status === 'failed').length;
  return (
    <>
      <div class="breadcrumbs">
        <Link href="/">Projects</Link> / <Link href={`/projects/${p.projectId}`}>{d.project.path}</Link> / <span>#{p.id}</span>
      </div>
      <div class="page-head pipeline-head">
        <div>
          <h1 class="row-gap">
            <StatusBadge status={p.status} warning={warning} />
            <span>Pipeline #{p.id}</span>
          </h1>
          <div class="muted meta-line">
            <span class="ref-chip">{p.ref}</span>
            <code class="sha" title={p.sha}>
              {shortSha(p.sha)}
            </code>
            <span class="ellipsis commit-title">{p.commitMessage.split('\n')[0]}</span>
          </div>
          <div class="muted small meta-line">
            <Triggerer pipeline={p} />
            <span>created {timeAgo(p.createdAt, now)}</span>
            {p.startedAt ? <span data-testid="pipeline-duration">duration {formatDuration(liveDuration(p, now))}</span> : null}
            <span>{d.jobs.filter((j) => !j.retried).length} jobs</span>
          </div>
        </div>
        <div class="actions">
          {ACTIVE.includes(p.status) ? (
            <ActionButton class="btn btn-danger-outline" action={() => act(`/pipelines/${p.id}/cancel`)} disabled={!signedIn} title={signedIn ? 'Cancel the pipeline' : 'Sign in to cancel'} data-testid="pipeline-cancel">
              Cancel pipeline
            </ActionButton>
          ) : null}
          {['failed', 'canceled', 'success'].includes(p.status) ? (
            <ActionButton class="btn" action={() => act(`/pipelines/${p.id}/retry`)} disabled={!signedIn || p.status === 'success'} title={signedIn ? 'Retry failed and canceled jobs' : 'Sign in to retry'} data-testid="pipeline-retry">
              {Icon.retry} Retry
            </ActionButton>
          ) : null}
        </div>
      </div>
      <ErrorBox error={detail.error} />
      {p.yamlErrors?.length ? (
        <div class="alert alert-danger" data-testid="pipeline-yaml-errors">
          <strong>This pipeline failed: .gitlab-ci.yml is invalid.</strong>
          <ul>
            {p.yamlErrors.map((e) => (
              <li>
                <code>
                  {e.file}:{e.line}:{e.column}
                </code>{' '}
                {e.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <PipelineTabs id={p.id} tab={tab} jobs={current.length} failed={failed} tests={testCount} />
      {tab === 'jobs' || tab === 'failures' ? (
        <PipelineJobsTable jobs={d.jobs} now={now} canAct={signedIn} onAction={jobAct} failedOnly={tab === 'failures'} />
      ) : tab === 'tests' ? (
        <TestReportView pipelineId={p.id} refresh={testsRefresh} />
      ) : (
        <PipelineGraph detail={d} now={now} canAct={signedIn} onAction={jobAct} />
      )}
    </>
  );
}

function PipelineTabs({ id, tab, jobs, failed, tests }: { id: number; tab?: string; jobs: number; failed: number; tests: number | null }) {
  const item = (href: string, active: boolean, label: string, count: number | null, testid: string) => (
    <Link href={href} class={active ? 'tab active' : 'tab'} data-testid={testid}>
      {label} {count !== null ? <span class="count" data-testid={`${testid.slice('tab-'.length)}-count`}>{count}</span> : null}
    </Link>
  );
  return (
    <nav class="tabs" aria-label="Pipeline views">
      {item(`/pipelines/${id}`, !tab, 'Pipeline', null, 'tab-pipeline')}
      {item(`/pipelines/${id}/jobs`, tab === 'jobs', 'Jobs', jobs, 'tab-jobs')}
      {failed ? item(`/pipelines/${id}/failures`, tab === 'failures', 'Failed jobs', failed, 'tab-failures') : null}
      {item(`/pipelines/${id}/tests`, tab === 'tests', 'Tests', tests ?? 0, 'tab-tests')}
    </nav>
  );
}
