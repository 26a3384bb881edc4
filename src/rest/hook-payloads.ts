// GitLab's webhook payloads for pipeline and job events ("Pipeline Hook", object_kind
// "pipeline"; "Job Hook", object_kind "build"), built from the engine's domain objects. Times are
// GitLab's hook format ("2024-01-02 03:04:05 UTC"); durations in seconds.
import type { Job, Pipeline, Project } from '../engine/model.js';

export interface HookContext {
  /** The server's external URL (no trailing slash). */
  baseUrl: string;
}

const hookTime = (iso: string | null | undefined): string | null => (iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : null);
const seconds = (from: string | null, to: string | null): number | null => (from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : null);

function user(p: Pipeline) {
  const u = p.commit?.user;
  return u ? { id: u.id, name: u.name, username: u.login, avatar_url: null, email: u.email } : { id: 0, name: 'gitlab-ci-dispatcher', username: 'gcd', avatar_url: null, email: '' };
}

export function hookProject(project: Project, ctx: HookContext) {
  const web = `${ctx.baseUrl}/${project.path}`;
  const namespace = project.path.split('/').slice(0, -1).join('/');
  return {
    id: project.id,
    name: project.name,
    description: null,
    web_url: web,
    avatar_url: null,
    git_ssh_url: null,
    git_http_url: `${web}.git`,
    namespace,
    visibility_level: 0,
    path_with_namespace: project.path,
    default_branch: project.defaultBranch,
    ci_config_path: null,
  };
}

function commit(p: Pipeline, project: Project, ctx: HookContext) {
  return {
    id: p.sha,
    message: p.commitMessage,
    title: p.commitMessage.split('\n')[0],
    timestamp: p.commit?.timestamp ?? null,
    url: `${ctx.baseUrl}/${project.path}/-/commit/${p.sha}`,
    author: { name: p.commit?.authorName ?? '', email: p.commit?.authorEmail ?? '' },
  };
}

function build(j: Job, p: Pipeline) {
  return {
    id: j.id,
    stage: j.stage,
    name: j.name,
    status: j.status,
    created_at: hookTime(j.createdAt),
    started_at: hookTime(j.startedAt),
    finished_at: hookTime(j.finishedAt),
    duration: seconds(j.startedAt, j.finishedAt),
    queued_duration: seconds(j.queuedAt, j.startedAt),
    failure_reason: j.failureReason,
    when: j.spec.when,
    manual: j.spec.when === 'manual',
    allow_failure: j.spec.allowFailure,
    user: user(p),
    runner: j.runnerId === null ? null : { id: j.runnerId, description: '', runner_type: 'instance_type', active: true, is_shared: true, tags: j.spec.tags ?? [] },
    artifacts_file: { filename: null, size: null },
    environment: null,
  };
}

export function pipelineHookPayload(input: { pipeline: Pipeline; project: Project; jobs: Job[]; sourcePipeline?: { project: Project; pipeline: Pipeline; jobId: number } | null }, ctx: HookContext) {
  const { pipeline: p, project } = input;
  return {
    object_kind: 'pipeline',
    object_attributes: {
      id: p.id,
      iid: p.iid,
      name: p.name,
      ref: p.ref,
      tag: p.isTag,
      sha: p.sha,
      before_sha: p.beforeSha,
      source: p.source,
      status: p.status,
      detailed_status: p.status === 'success' ? 'passed' : p.status,
      stages: p.stages,
      created_at: hookTime(p.createdAt),
      finished_at: hookTime(p.finishedAt),
      duration: seconds(p.startedAt, p.finishedAt),
      queued_duration: seconds(p.createdAt, p.startedAt),
      variables: p.variables.map((v) => ({ key: v.key, value: v.value })),
      url: `${ctx.baseUrl}/pipelines/${p.id}`,
    },
    merge_request: null,
    user: user(p),
    project: hookProject(project, ctx),
    commit: commit(p, project, ctx),
    source_pipeline: input.sourcePipeline
      ? { project: { id: input.sourcePipeline.project.id, web_url: `${ctx.baseUrl}/${input.sourcePipeline.project.path}`, path_with_namespace: input.sourcePipeline.project.path }, pipeline_id: input.sourcePipeline.pipeline.id, job_id: input.sourcePipeline.jobId }
      : undefined,
    builds: input.jobs.filter((j) => !j.retried).map((j) => build(j, p)),
  };
}

export function jobHookPayload(input: { job: Job; pipeline: Pipeline; project: Project; retries: number }, ctx: HookContext) {
  const { job: j, pipeline: p, project } = input;
  const web = `${ctx.baseUrl}/${project.path}`;
  return {
    object_kind: 'build',
    ref: p.ref,
    tag: p.isTag,
    before_sha: p.beforeSha,
    sha: p.sha,
    retries_count: input.retries,
    build_id: j.id,
    build_name: j.name,
    build_stage: j.stage,
    build_status: j.status,
    build_created_at: hookTime(j.createdAt),
    build_started_at: hookTime(j.startedAt),
    build_finished_at: hookTime(j.finishedAt),
    build_duration: seconds(j.startedAt, j.finishedAt),
    build_queued_duration: seconds(j.queuedAt, j.startedAt),
    build_allow_failure: j.spec.allowFailure,
    build_failure_reason: j.failureReason ?? 'unknown_failure',
    pipeline_id: p.id,
    runner: j.runnerId === null ? null : { id: j.runnerId, description: '', runner_type: 'instance_type', active: true, is_shared: true, tags: j.spec.tags ?? [] },
    project_id: project.id,
    project_name: project.path.split('/').join(' / '),
    user: user(p),
    commit: {
      id: p.id,
      name: p.name,
      sha: p.sha,
      message: p.commitMessage,
      author_name: p.commit?.authorName ?? '',
      author_email: p.commit?.authorEmail ?? '',
      author_url: null,
      status: p.status,
      duration: seconds(p.startedAt, p.finishedAt),
      started_at: hookTime(p.startedAt),
      finished_at: hookTime(p.finishedAt),
    },
    repository: { name: project.name, url: `${web}.git`, description: null, homepage: web, git_http_url: `${web}.git`, git_ssh_url: null, visibility_level: 0 },
    project: hookProject(project, ctx),
    environment: null,
  };
}

/** GitLab's "Push Hook" payload (object_kind push) for a branch push; `commits` holds the head commit. */
export function pushHookPayload(
  input: { project: Project; ref: string; isTag?: boolean; beforeSha: string; sha: string; user: { id: number; login: string; name: string; email: string }; commit: { message: string; timestamp: string | null; authorName: string; authorEmail: string } | null },
  ctx: HookContext,
) {
  const { project } = input;
  const web = `${ctx.baseUrl}/${project.path}`;
  const deleted = /^0+$/.test(input.sha);
  return {
    object_kind: input.isTag ? 'tag_push' : 'push',
    event_name: input.isTag ? 'tag_push' : 'push',
    before: input.beforeSha,
    after: input.sha,
    ref: `refs/${input.isTag ? 'tags' : 'heads'}/${input.ref}`,
    ref_protected: false,
    checkout_sha: deleted ? null : input.sha,
    message: null,
    user_id: input.user.id,
    user_name: input.user.name,
    user_username: input.user.login,
    user_email: input.user.email,
    user_avatar: null,
    project_id: project.id,
    project: hookProject(project, ctx),
    commits:
      deleted || !input.commit
        ? []
        : [
            {
              id: input.sha,
              message: input.commit.message,
              title: input.commit.message.split('\n')[0],
              timestamp: input.commit.timestamp,
              url: `${web}/-/commit/${input.sha}`,
              author: { name: input.commit.authorName, email: input.commit.authorEmail },
              added: [],
              modified: [],
              removed: [],
            },
          ],
    total_commits_count: deleted ? 0 : 1,
    push_options: {},
    repository: { name: project.name, url: `${web}.git`, description: null, homepage: web, git_http_url: `${web}.git`, git_ssh_url: null, visibility_level: 0 },
  };
}
