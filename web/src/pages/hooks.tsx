// A project's webhooks and their delivery log: per hook its URL and events, then the latest
// deliveries (event, status, attempts, response code, duration, error or next attempt). Admins
// only (hooks are configured through the REST API: POST /api/v4/projects/:id/hooks).
import { get } from '../api';
import type { ProjectHooks } from '../types';
import { ErrorBox, Link, Loading, useAsync, useTicker, useTitle } from '../components/common';
import { timeAgo } from '../util/format';

/** GET /api/ui/projects/:project/hooks (server/hooks-ui-routes.ts). */
type HooksAnswer = ProjectHooks;

const STATUS_CLASS: Record<string, string> = { delivered: 'hook-ok', failed: 'hook-failed', queued: 'hook-queued' };

export function HooksPage({ project }: { project: string }) {
  const tick = useTicker(5_000);
  const data = useAsync((signal) => get<HooksAnswer>(`/projects/${encodeURIComponent(project)}/hooks`, signal), [project, tick]);
  useTitle(`Webhooks · ${project}`);
  const now = Date.now();
  return (
    <>
      <div class="page-head">
        <h1>Webhooks</h1>
        <Link href={`/projects/${encodeURIComponent(project)}`}>{project}</Link>
      </div>
      <ErrorBox error={data.error} />
      {!data.data && !data.error ? <Loading /> : null}
      {data.data && data.data.hooks.length === 0 ? (
        <div class="empty">
          <p class="muted">No webhooks. Add one with POST /api/v4/projects/{data.data.project.id}/hooks.</p>
        </div>
      ) : null}
      {data.data?.hooks.map((h) => (
        <section class="hook" key={h.id} data-hook={h.id}>
          <h2 class="strong">
            #{h.id} <span class="mono">{h.url}</span>
          </h2>
          <p class="muted small">
            {[h.pipelineEvents && 'pipeline events', h.jobEvents && 'job events', h.pushEvents && 'push events'].filter(Boolean).join(', ') || 'no events'}
            {h.enableSslVerification ? '' : ' · TLS not verified'}
          </p>
          {h.deliveries.length === 0 ? (
            <p class="muted small">No deliveries yet.</p>
          ) : (
            <table class="table compact" data-testid="hook-deliveries">
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>Response</th>
                  <th>Duration</th>
                  <th>When</th>
                </tr>
              </thead>
              <tbody>
                {h.deliveries.map((d) => (
                  <tr key={d.id} data-delivery={d.id} data-status={d.status}>
                    <td>{d.event}</td>
                    <td>
                      <span class={`pill ${STATUS_CLASS[d.status] ?? ''}`}>{d.status}</span>
                      {d.status === 'queued' && d.nextAttemptAt && d.attempts > 0 ? <span class="muted small"> retry {timeAgo(d.nextAttemptAt, now)}</span> : null}
                    </td>
                    <td>{d.attempts}</td>
                    <td title={d.error ?? undefined}>{d.responseStatus ?? (d.error ? <span class="muted small">{d.error}</span> : '—')}</td>
                    <td>{d.durationMs === null ? '—' : `${d.durationMs} ms`}</td>
                    <td class="muted small">{timeAgo(d.finishedAt ?? d.createdAt, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </>
  );
}
