// Who or what started a pipeline: its source (push, web, API, schedule, trigger, parent
// pipeline…) and the user (the pushing or starting token, else the commit's author).
import type { Pipeline } from '../types';

const SOURCE: Record<string, string> = {
  push: 'push', web: 'web (Run pipeline)', api: 'API', trigger: 'trigger token', schedule: 'schedule',
  parent_pipeline: 'parent pipeline', pipeline: 'multi-project pipeline', merge_request_event: 'merge request', chat: 'chat', external: 'external',
};

export const sourceLabel = (source: string) => SOURCE[source] ?? source;

export function Triggerer({ pipeline, compact = false }: { pipeline: Pipeline; compact?: boolean }) {
  const user = pipeline.commit?.user;
  // a token's pipeline (push, API, web) is that token's; else the commit's author
  const who = user ? (user.id ? user.login : user.name || user.login) : null;
  const initial = (who ?? pipeline.source).slice(0, 1).toUpperCase();
  return (
    <span class="triggerer" data-testid="triggerer" title={`${sourceLabel(pipeline.source)}${who ? ` by ${who}` : ''}${user && user.name && user.name !== who ? ` (commit by ${user.name})` : ''}`}>
      <span class="avatar avatar-sm" aria-hidden="true">
        {initial}
      </span>
      <span class="triggerer-text">
        {who ? <span class="triggerer-user">{who}</span> : null}
        {compact && who ? null : <span class="muted small">{sourceLabel(pipeline.source)}</span>}
      </span>
    </span>
  );
}
