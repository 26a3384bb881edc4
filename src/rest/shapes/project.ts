// GitLab's project shapes: ProjectSimple (`?simple=true`) and Project (everything a CI tool reads:
// paths, URLs, default branch, namespace, CI settings).
import { Type, type Static } from '@sinclair/typebox';
import type { Project } from '../../engine/model.js';

const NamespaceSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  path: Type.String(),
  kind: Type.String(),
  full_path: Type.String(),
  parent_id: Type.Union([Type.Integer(), Type.Null()]),
  avatar_url: Type.Union([Type.String(), Type.Null()]),
  web_url: Type.String(),
});

export const ProjectSimpleSchema = Type.Object({
  id: Type.Integer(),
  description: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  name_with_namespace: Type.String(),
  path: Type.String(),
  path_with_namespace: Type.String(),
  created_at: Type.String(),
  default_branch: Type.String(),
  tag_list: Type.Array(Type.String()),
  topics: Type.Array(Type.String()),
  ssh_url_to_repo: Type.Union([Type.String(), Type.Null()]),
  http_url_to_repo: Type.String(),
  web_url: Type.String(),
  readme_url: Type.Union([Type.String(), Type.Null()]),
  forks_count: Type.Integer(),
  avatar_url: Type.Union([Type.String(), Type.Null()]),
  star_count: Type.Integer(),
  last_activity_at: Type.String(),
  namespace: NamespaceSchema,
});
export type ProjectSimple = Static<typeof ProjectSimpleSchema>;

export const ProjectSchema = Type.Composite([
  ProjectSimpleSchema,
  Type.Object({
    visibility: Type.String(),
    archived: Type.Boolean(),
    empty_repo: Type.Boolean(),
    issues_enabled: Type.Boolean(),
    merge_requests_enabled: Type.Boolean(),
    jobs_enabled: Type.Boolean(),
    builds_access_level: Type.String(),
    creator_id: Type.Integer(),
    shared_runners_enabled: Type.Boolean(),
    public_jobs: Type.Boolean(),
    ci_config_path: Type.String(),
    ci_default_git_depth: Type.Integer(),
    ci_job_token_scope_enabled: Type.Boolean(),
    only_allow_merge_if_pipeline_succeeds: Type.Boolean(),
    _links: Type.Record(Type.String(), Type.String()),
  }),
]);
export type ProjectShape = Static<typeof ProjectSchema>;

function namespaceOf(project: Project, baseUrl: string) {
  const slash = project.path.lastIndexOf('/');
  const full = slash > 0 ? project.path.slice(0, slash) : project.path;
  const name = full.split('/').pop() ?? full;
  return {
    // Namespaces are not stored: a stable id per path keeps clients happy (the project's own for a top-level path).
    id: project.id,
    name,
    path: name,
    kind: slash > 0 ? 'group' : 'user',
    full_path: full,
    parent_id: null,
    avatar_url: null,
    web_url: `${baseUrl}/${full}`,
  };
}

export function projectSimple(project: Project, baseUrl: string): ProjectSimple {
  const name = project.path.split('/').pop() ?? project.path;
  const namespace = namespaceOf(project, baseUrl);
  return {
    id: project.id,
    description: null,
    name: project.name || name,
    name_with_namespace: project.path.split('/').join(' / '),
    path: name,
    path_with_namespace: project.path,
    created_at: project.createdAt,
    default_branch: project.defaultBranch,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: null,
    http_url_to_repo: `${baseUrl}/${project.path}.git`,
    web_url: `${baseUrl}/${project.path}`,
    readme_url: null,
    forks_count: 0,
    avatar_url: null,
    star_count: 0,
    last_activity_at: project.createdAt,
    namespace,
  };
}

export function projectShape(project: Project, baseUrl: string, options: { creatorId?: number; emptyRepo?: boolean } = {}): ProjectShape {
  const api = `${baseUrl}/api/v4/projects/${project.id}`;
  return {
    ...projectSimple(project, baseUrl),
    visibility: 'private',
    archived: false,
    empty_repo: options.emptyRepo ?? false,
    issues_enabled: false,
    merge_requests_enabled: false,
    jobs_enabled: true,
    builds_access_level: 'enabled',
    creator_id: options.creatorId ?? 1,
    shared_runners_enabled: true,
    public_jobs: false,
    ci_config_path: '',
    ci_default_git_depth: 20,
    ci_job_token_scope_enabled: false,
    only_allow_merge_if_pipeline_succeeds: false,
    _links: { self: api, repo_branches: `${api}/repository/branches`, events: `${api}/events` },
  };
}
