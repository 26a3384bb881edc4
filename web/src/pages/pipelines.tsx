// A project's pipelines: status (orange when passed with allowed failures), id, ref, commit,
// who triggered it, the stage mini graph, live duration, age and row actions; filters by status
// and ref; live through the project's event stream (re-read on reconnect).
import { useEffect, useState } from 'preact/hooks';
import { get, stream } from '../api';
import { ErrorBox, Icon, Link, Loading, useAsync, useTicker, useTitle } from '../components/common';
import { PipelineRowActions } from '../components/pipeline-row-actions';
import { StageMiniGraph } from '../components/stage-mini-graph';
import { StatusBadge } from '../components/status';
import { Triggerer } from '../components/triggerer';
import { navigate } from '../router';
import type { Pipeline, Project } from '../types';
import { formatDuration, liveDuration, shortSha, timeAgo } from '../util/format';

const STATUSES = ['running', 'pending', 'success', 'failed', 'canceled', 'skipped', 'manual', 'created'];

export function PipelinesPage({ project, query }: { project: string; query: URLSearchParams }) {
  const status = query.get('status') ?? '';
  const ref = query.get('ref') ?? '';
  const before = query.get('before') ?? '';
  const [refInput, setRefInput] = useState(ref);
  const proj = useAsync((signal) => get<Project>(`/projects/${encodeURIComponent(project)}`, signal), [project]);
  const PAGE = 50;
  const qs = new URLSearchParams({ ...(status ? { status } : {}), ...(ref ? { ref } : {}), ...(before ? { before } : {}), limit: String(PAGE) }).toString();
  const list = useAsync((signal) => get<Pipeline[]>(`/projects/${encodeURIComponent(project)}/pipelines?${qs}`, signal), [project, qs]);
  const now = useTicker(1000, !!list.data?.some((p) => p.status === 'running'));
  useTitle(`Pipelines · ${proj.data?.path ?? project}`);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const close = stream(() => `/events?project=${encodeURIComponent(project)}`, {
      ready: () => {
        clearTimeout(timer);
        timer = setTimeout(list.reload, 300);
      },
      pipeline: () => {
        clearTimeout(timer);
        timer = setTimeout(list.reload, 300);
      },
    });
    return () => {
      clearTimeout(timer);
      close();
    };
  }, [project, qs]);

  const setFilter = (next: { status?: string; ref?: string; before?: string }) => {
    const q = new URLSearchParams({ status, ref, before: '', ...next });
    for (const [k, v] of [...q.entries()]) if (!v) q.delete(k);
    const s = q.toString();
    navigate(`/projects/${encodeURIComponent(project)}${s ? `?${s}` : ''}`, true);
  };

  return (
    <>
      <div class="breadcrumbs">
        <Link href="/">Projects</Link> / <span>{proj.data?.path ?? project}</span>
      </div>
      <div class="page-head">
        <h1>Pipelines</h1>
        <div class="actions">
          {project ? <Link href={`/projects/${encodeURIComponent(project)}/hooks`}>Webhooks</Link> : null}
          <Link href={`/projects/${encodeURIComponent(project)}/pipelines/new`} class="btn btn-primary" data-testid="run-pipeline-link">
            {Icon.play} Run pipeline
          </Link>
        </div>
      </div>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter({ ref: refInput.trim() });
        }}
      >
        <select aria-label="Status" value={status} onChange={(e) => setFilter({ status: (e.target as HTMLSelectElement).value })}>
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option value={s} key={s}>
              {s}
            </option>
          ))}
        </select>
        <input type="search" placeholder="Filter by branch or tag" aria-label="Ref" value={refInput} onInput={(e) => setRefInput((e.target as HTMLInputElement).value)} />
        <button class="btn" type="submit">
          Filter
        </button>
        {status || ref ? (
          <button
            class="btn btn-ghost"
            type="button"
            onClick={() => {
              setRefInput('');
              navigate(`/projects/${encodeURIComponent(project)}`, true);
            }}
          >
            Clear
          </button>
        ) : null}
      </form>
      <ErrorBox error={proj.error ?? list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        list.data.length === 0 ? (
          <div class="empty">
            <p class="muted">No pipelines{status || ref ? ' match these filters' : ' yet'}.</p>
          </div>
        ) : (
          <table class="table pipelines-table" data-testid="pipelines">
            <thead>
              <tr>
                <th>Status</th>
                <th>Pipeline</th>
                <th>Triggerer</th>
                <th>Stages</th>
                <th>
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((p) => (
                <tr key={p.id} data-pipeline={p.id}>
                  <td class="nowrap">
                    <Link href={`/pipelines/${p.id}`}>
                      <StatusBadge status={p.status} warning={p.warning} />
                    </Link>
                    <div class="muted small row-times">
                      <span data-testid={`duration-${p.id}`}>{formatDuration(liveDuration(p, now))}</span>
                      <span title={p.createdAt}>{timeAgo(p.createdAt, now)}</span>
                    </div>
                  </td>
                  <td class="pipeline-cell">
                    <Link href={`/pipelines/${p.id}`} class="strong ellipsis" title={p.commitMessage}>
                      {p.name ?? p.commitMessage.split('\n')[0]}
                    </Link>
                    <div class="small">
                      <Link href={`/pipelines/${p.id}`}>#{p.id}</Link> <span class="ref-chip">{p.isTag ? Icon.tag : null}{p.ref}</span> <code class="sha">{shortSha(p.sha)}</code>
                    </div>
                  </td>
                  <td>
                    <Triggerer pipeline={p} />
                  </td>
                  <td>
                    <StageMiniGraph pipeline={p} />
                  </td>
                  <td class="right">
                    <PipelineRowActions pipeline={p} onDone={list.reload} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      {list.data && (before || list.data.length === PAGE) ? (
        <div class="pager">
          {before ? (
            <button class="btn btn-sm" onClick={() => setFilter({ before: '' })}>
              Newest
            </button>
          ) : null}
          {list.data.length === PAGE ? (
            <button class="btn btn-sm" onClick={() => setFilter({ before: String(list.data![list.data!.length - 1].id) })}>
              Older pipelines
            </button>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
