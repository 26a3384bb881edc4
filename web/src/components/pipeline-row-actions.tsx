// A pipeline row's actions, as GitLab's list has them: retry (failed or canceled), cancel (while
// active), and a menu of every job's artifacts to download.
import { get, send } from '../api';
import { canAct, signInHref, useSession } from '../session';
import type { Pipeline, PipelineArtifact } from '../types';
import { formatBytes } from '../util/format';
import { ActionButton, Icon, Link, Loading, useAsync } from './common';
import { Dropdown } from './dropdown';

const ACTIVE = ['created', 'waiting_for_resource', 'pending', 'running', 'scheduled'];

export function PipelineRowActions({ pipeline, onDone }: { pipeline: Pipeline; onDone: () => void }) {
  const session = useSession();
  const signedIn = canAct(session);
  const p = pipeline;
  return (
    <div class="row-actions">
      {ACTIVE.includes(p.status) ? (
        <ActionButton class="btn btn-sm btn-danger-outline btn-icon" action={async () => { await send('POST', `/pipelines/${p.id}/cancel`); onDone(); }} disabled={!signedIn} title={signedIn ? `Cancel pipeline #${p.id}` : 'Sign in to cancel'} data-testid={`row-cancel-${p.id}`}>
          {Icon.cancel}
        </ActionButton>
      ) : null}
      {['failed', 'canceled'].includes(p.status) ? (
        <ActionButton class="btn btn-sm btn-icon" action={async () => { await send('POST', `/pipelines/${p.id}/retry`); onDone(); }} disabled={!signedIn} title={signedIn ? `Retry pipeline #${p.id}` : 'Sign in to retry'} data-testid={`row-retry-${p.id}`}>
          {Icon.retry}
        </ActionButton>
      ) : null}
      {!signedIn && (ACTIVE.includes(p.status) || ['failed', 'canceled'].includes(p.status)) ? (
        <Link href={signInHref()} class="visually-hidden">
          Sign in to act on pipeline #{p.id}
        </Link>
      ) : null}
      <Dropdown class="btn btn-sm btn-icon" title={`Artifacts of pipeline #${p.id}`} label={Icon.download} align="right" data-testid={`row-artifacts-${p.id}`}>
        {() => <ArtifactMenu pipelineId={p.id} />}
      </Dropdown>
    </div>
  );
}

function ArtifactMenu({ pipelineId }: { pipelineId: number }) {
  const list = useAsync((signal) => get<PipelineArtifact[]>(`/pipelines/${pipelineId}/artifacts`, signal), [pipelineId]);
  if (list.error) return <div class="dropdown-item muted">{list.error.message}</div>;
  if (!list.data) return <Loading />;
  if (!list.data.length) return <div class="dropdown-item muted">No artifacts</div>;
  return (
    <>
      <div class="dropdown-head">Download artifacts</div>
      {list.data.map((a) => (
        <a key={a.id} class="dropdown-item" href={`/api/ui/jobs/${a.jobId}/artifacts/${a.id}/download`} download data-testid={`row-artifact-${a.jobName}-${a.fileType}`}>
          {Icon.download}
          <span class="ellipsis">
            {a.jobName}:{a.fileType}
          </span>
          <span class="muted small">{formatBytes(a.size)}</span>
        </a>
      ))}
    </>
  );
}
