// One pipeline: header with actions, and the graph (stage columns, `needs` links), kept live by the
// pipeline's event stream.
import { useEffect } from 'preact/hooks';
import { get, send, stream } from '../api';
import { ActionButton, ErrorBox, Icon, Link, Loading, useAsync, useTicker, useTitle } from '../components/common';
import { StatusBadge } from '../components/status';
import { canAct, useSession } from '../session';
import type { Job, Pipeline, PipelineDetail } from '../types';
import { formatDuration, secondsSince, shortSha, timeAgo } from '../util/format';
import { PipelineGraph } from './pipeline-graph';
import { PipelineTabs } from '../components/test-report';

const ACTIVE = ['created', 'waiting_for_resource', 'pending', 'running', 'canceling', 'scheduled'];

export function PipelinePage({ id }: { id: number }) {
  const detail = useAsync((signal) => get<PipelineDetail>(`/pipelines/${id}`, signal), [id]);
  const session = useSession();
  const d = detail.data;
  const now = useTicker(1000, !!d && ACTIVE.includes(d.pipeline.status));
  useTitle(d ? `Pipeline #${d.pipeline.id} · ${d.project.path}` : `Pipeline #${id}`);

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

  if (detail.error && !d) return <ErrorBox error={detail.error} />;
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
  return (
    <>
      <div class="breadcrumbs">
        <Link href="/">Projects</Link> / <Link href={`/projects/${p.projectId}`}>{d.project.path}</Link> / <span>#{p.id}</span>
      </div>
      <div class="page-head pipeline-head">
        <div>
          <h1 class="row-gap">
            <StatusBadge status={p.status} />
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
            <span>source {p.source}</span>
            <span>created {timeAgo(p.createdAt, now)}</span>
            {p.startedAt ? <span>duration {formatDuration(p.duration ?? secondsSince(p.startedAt, now))}</span> : null}
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
      <PipelineTabs pipelineId={p.id} refresh={d.jobs.map((j) => j.status).join()}>
        <PipelineGraph detail={d} now={now} canAct={signedIn} onAction={jobAct} />
      </PipelineTabs>
    </>
  );
}
