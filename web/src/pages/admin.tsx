// Admin: the instance registration token (reset shows the new one once) and CI/CD variables,
// instance-wide or per project. Masked values are never sent by the server; the table says so.
import { useState } from 'preact/hooks';
import { get, send } from '../api';
import { ActionButton, ErrorBox, Link, Loading, useAsync } from '../components/common';
import { isAdmin, useSession } from '../session';
import type { Project, Variable } from '../types';

export function AdminPage() {
  const session = useSession();
  if (!session) return <Loading />;
  if (!isAdmin(session))
    return (
      <div class="empty">
        <h1>Admin</h1>
        <p class="muted">This page needs an admin token.</p>
        <Link href="/sign-in?back=/admin" class="btn btn-primary">
          Sign in
        </Link>
      </div>
    );
  return (
    <>
      <div class="page-head">
        <h1>Admin</h1>
      </div>
      <RegistrationToken />
      <Variables />
    </>
  );
}

function RegistrationToken() {
  const state = useAsync((signal) => get<{ exists: boolean }>('/admin/registration-token', signal), []);
  const [token, setToken] = useState<string | null>(null);
  return (
    <section class="panel">
      <h2>Runner registration token</h2>
      <p class="muted small">
        Register a gitlab-runner with <code>gitlab-runner register --url {location.origin} --registration-token &lt;token&gt;</code>. Resetting the token makes
        the old one stop working for new registrations.
      </p>
      {state.data ? <p>{state.data.exists ? 'A registration token is set.' : 'No registration token yet.'}</p> : null}
      {token ? (
        <div class="token-box" data-testid="registration-token">
          <code>{token}</code>
          <span class="muted small">Copy it now: it will not be shown again.</span>
        </div>
      ) : null}
      <ActionButton
        class="btn"
        confirm={state.data?.exists ? 'Reset the registration token? The old one stops working.' : undefined}
        action={async () => {
          const r = await send<{ token: string }>('POST', '/admin/registration-token');
          setToken(r.token);
          state.reload();
        }}
      >
        {state.data?.exists ? 'Reset registration token' : 'Create registration token'}
      </ActionButton>
    </section>
  );
}

function Variables() {
  const projects = useAsync((signal) => get<Project[]>('/projects', signal), []);
  const [project, setProject] = useState('');
  const vars = useAsync((signal) => get<Variable[]>(`/variables${project ? `?project=${project}` : ''}`, signal), [project]);
  const [form, setForm] = useState({ key: '', value: '', masked: false, protected: false, file: false, raw: false });
  const [error, setError] = useState<Error>();
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await send('POST', '/variables', { ...form, project: project || undefined });
      setForm({ key: '', value: '', masked: false, protected: false, file: false, raw: false });
      setError(undefined);
      vars.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const flag = (name: 'masked' | 'protected' | 'file' | 'raw', label: string) => (
    <label class="check">
      <input type="checkbox" checked={form[name]} onChange={(e) => setForm({ ...form, [name]: (e.target as HTMLInputElement).checked })} /> {label}
    </label>
  );
  return (
    <section class="panel">
      <h2>CI/CD variables</h2>
      <div class="filters">
        <select aria-label="Scope" value={project} onChange={(e) => setProject((e.target as HTMLSelectElement).value)}>
          <option value="">Instance (all projects)</option>
          {projects.data?.map((p) => (
            <option value={String(p.id)} key={p.id}>
              {p.path}
            </option>
          ))}
        </select>
      </div>
      <ErrorBox error={vars.error} />
      <table class="table compact" data-testid="variables">
        <thead>
          <tr>
            <th>Key</th>
            <th>Value</th>
            <th>Options</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {vars.data?.length === 0 ? (
            <tr>
              <td colSpan={4} class="muted">
                No variables.
              </td>
            </tr>
          ) : null}
          {vars.data?.map((v) => (
            <tr key={v.id} data-variable={v.key}>
              <td>
                <code>{v.key}</code>
              </td>
              <td>{v.masked ? <span class="muted">masked ••••••</span> : <code class="ellipsis value">{v.value}</code>}</td>
              <td class="small muted">{[v.masked && 'masked', v.protected && 'protected', v.file && 'file', v.raw && 'raw'].filter(Boolean).join(', ')}</td>
              <td class="right">
                <ActionButton
                  class="btn btn-sm btn-danger-outline"
                  confirm={`Delete ${v.key}?`}
                  action={async () => {
                    await send('DELETE', `/variables/${v.id}`);
                    vars.reload();
                  }}
                >
                  Delete
                </ActionButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="var-form" onSubmit={save}>
        <h3>Add or replace a variable</h3>
        <ErrorBox error={error} />
        <div class="var-row">
          <input placeholder="KEY" aria-label="Key" required value={form.key} onInput={(e) => setForm({ ...form, key: (e.target as HTMLInputElement).value })} />
          {form.masked ? (
            <input placeholder="Value" aria-label="Value" type="password" value={form.value} onInput={(e) => setForm({ ...form, value: (e.target as HTMLInputElement).value })} />
          ) : (
            <input placeholder="Value" aria-label="Value" type="text" value={form.value} onInput={(e) => setForm({ ...form, value: (e.target as HTMLInputElement).value })} />
          )}
        </div>
        <div class="row-gap">
          {flag('masked', 'Masked')}
          {flag('protected', 'Protected')}
          {flag('file', 'File')}
          {flag('raw', 'Raw (no expansion)')}
          <button class="btn btn-primary" type="submit">
            Save variable
          </button>
        </div>
      </form>
    </section>
  );
}
