// Runners: online state, last contact, tags, and what each runner process reported (version,
// executor, platform); pause/resume and delete for admins.
import { get, send } from '../api';
import { ActionButton, ErrorBox, Loading, useAsync, useTicker, useTitle } from '../components/common';
import { isAdmin, useSession } from '../session';
import type { Runner } from '../types';
import { timeAgo } from '../util/format';

export function RunnersPage() {
  const runners = useAsync((signal) => get<Runner[]>('/runners', signal), []);
  useTitle('Runners');
  const session = useSession();
  const now = useTicker(10_000);
  const admin = isAdmin(session);
  return (
    <>
      <div class="page-head">
        <h1>Runners</h1>
      </div>
      <ErrorBox error={runners.error} />
      {!runners.data ? <Loading /> : null}
      {runners.data && runners.data.length === 0 ? (
        <div class="empty">
          <p class="muted">No runners yet. Register a gitlab-runner with the registration token from the Admin page, or use the built-in runner.</p>
        </div>
      ) : null}
      {runners.data && runners.data.length > 0 ? (
        <table class="table" data-testid="runners">
          <thead>
            <tr>
              <th>Status</th>
              <th>Runner</th>
              <th>Version / executor</th>
              <th>Platform</th>
              <th>Last contact</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runners.data.map((r) => {
              const m = r.managers?.[0];
              return (
                <tr key={r.id} data-runner={r.id}>
                  <td>
                    <span class={`dot dot-${r.status}`} /> {r.status.replace('_', ' ')}
                    {r.paused ? <span class="pill pill-warn">paused</span> : null}
                  </td>
                  <td>
                    <div class="strong">
                      #{r.id} {r.description}
                    </div>
                    <div>
                      {r.tags.map((t) => (
                        <span class="tag" key={t}>
                          {t}
                        </span>
                      ))}
                      {r.runUntagged ? <span class="muted small">runs untagged jobs</span> : null}
                    </div>
                    {r.managers && r.managers.length > 1 ? <div class="muted small">{r.managers.length} hosts</div> : null}
                  </td>
                  <td>{m ? `${m.version || '?'} · ${m.executor || '?'}` : <span class="muted">—</span>}</td>
                  <td>{m ? `${m.platform}/${m.architecture}` : <span class="muted">—</span>}</td>
                  <td class="muted nowrap" title={r.contactedAt ?? ''}>
                    {timeAgo(r.contactedAt, now)}
                  </td>
                  <td class="right nowrap">
                    {admin ? (
                      <>
                        <ActionButton
                          class="btn btn-sm"
                          action={async () => {
                            await send('POST', `/runners/${r.id}/${r.paused ? 'resume' : 'pause'}`);
                            runners.reload();
                          }}
                        >
                          {r.paused ? 'Resume' : 'Pause'}
                        </ActionButton>{' '}
                        <ActionButton
                          class="btn btn-sm btn-danger-outline"
                          confirm={`Delete runner #${r.id}? It will no longer get jobs.`}
                          action={async () => {
                            await send('DELETE', `/runners/${r.id}`);
                            runners.reload();
                          }}
                        >
                          Delete
                        </ActionButton>
                      </>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
