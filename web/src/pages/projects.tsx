// All projects with their latest pipeline.
import { get } from '../api';
import { ErrorBox, Link, Loading, useAsync, useTitle } from '../components/common';
import { StatusBadge } from '../components/status';
import type { Project } from '../types';
import { shortSha, timeAgo } from '../util/format';

export function ProjectsPage() {
  const projects = useAsync((signal) => get<Project[]>('/projects', signal), []);
  useTitle('Projects');
  return (
    <>
      <div class="page-head">
        <h1>Projects</h1>
      </div>
      <ErrorBox error={projects.error} />
      {projects.loading && !projects.data ? <Loading /> : null}
      {projects.data && projects.data.length === 0 ? (
        <div class="empty">
          <h2>No projects yet</h2>
          <p class="muted">
            Push a repository over HTTP, or run <code>gitlab-ci-dispatcher run</code> in a project directory.
          </p>
        </div>
      ) : null}
      {projects.data && projects.data.length > 0 ? (
        <ul class="card-list">
          {projects.data.map((p) => (
            <li key={p.id} class="card-row">
              <div class="avatar">{p.name.slice(0, 1).toUpperCase()}</div>
              <div class="grow">
                <Link href={`/projects/${p.id}`} class="strong">
                  {p.path}
                </Link>
                <div class="muted small">default branch {p.defaultBranch}</div>
              </div>
              {p.lastPipeline ? (
                <Link href={`/pipelines/${p.lastPipeline.id}`} class="row-gap">
                  <StatusBadge status={p.lastPipeline.status} warning={p.lastPipeline.warning} />
                  <span class="muted small">
                    #{p.lastPipeline.id} · {p.lastPipeline.ref} · {shortSha(p.lastPipeline.sha)} · {timeAgo(p.lastPipeline.createdAt)}
                  </span>
                </Link>
              ) : (
                <span class="muted small">no pipelines</span>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
