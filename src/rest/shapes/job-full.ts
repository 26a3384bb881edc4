// GitLab's full Job shape (GET /projects/:id/jobs/:job_id, job lists, actions, GET /job) and the Bridge
// shape (…/pipelines/:id/bridges: a trigger job with its downstream pipeline).
import { Type, type Static } from '@sinclair/typebox';
import type { Artifact, Job, Pipeline, Project } from '../../engine/model.js';
import { pipelineBasic, PipelineBasicSchema } from './pipeline.js';
import { secondsBetween, userRef, UserRefSchema } from './pipeline-full.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const JobCommitSchema = Type.Object({
  id: Type.String(),
  short_id: Type.String(),
  title: Type.String(),
  message: Type.String(),
  author_name: Type.String(),
  author_email: Type.String(),
  authored_date: Nullable(Type.String()),
  committer_name: Type.String(),
  committer_email: Type.String(),
  committed_date: Nullable(Type.String()),
  created_at: Nullable(Type.String()),
  parent_ids: Type.Array(Type.String()),
  web_url: Type.String(),
});

export const JobArtifactSchema = Type.Object({ file_type: Type.String(), size: Type.Integer(), filename: Type.String(), file_format: Nullable(Type.String()) });

export const JobSchema = Type.Object({
  id: Type.Integer(),
  status: Type.String(),
  stage: Type.String(),
  name: Type.String(),
  ref: Type.String(),
  tag: Type.Boolean(),
  coverage: Type.Null(),
  allow_failure: Type.Boolean(),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
  erased_at: Nullable(Type.String()),
  duration: Nullable(Type.Number()),
  queued_duration: Nullable(Type.Number()),
  user: Nullable(UserRefSchema),
  commit: JobCommitSchema,
  pipeline: PipelineBasicSchema,
  failure_reason: Type.Optional(Type.String()),
  web_url: Type.String(),
  project: Type.Object({ ci_job_token_scope_enabled: Type.Boolean() }),
  artifacts: Type.Array(JobArtifactSchema),
  artifacts_file: Type.Optional(Type.Object({ filename: Type.String(), size: Type.Integer() })),
  artifacts_expire_at: Nullable(Type.String()),
  runner: Nullable(Type.Object({ id: Type.Integer(), description: Type.String(), active: Type.Boolean(), paused: Type.Boolean(), is_shared: Type.Boolean(), runner_type: Type.String(), name: Nullable(Type.String()), online: Nullable(Type.Boolean()), status: Type.String() })),
  tag_list: Type.Array(Type.String()),
  when: Type.String(),
  manual: Type.Boolean(),
  retried: Type.Boolean(),
  archived: Type.Boolean(),
});
export type JobJson = Static<typeof JobSchema>;

export const BridgeSchema = Type.Composite([
  Type.Omit(JobSchema, ['artifacts', 'artifacts_file', 'artifacts_expire_at', 'runner', 'tag_list']),
  Type.Object({ downstream_pipeline: Nullable(PipelineBasicSchema) }),
]);

export interface JobShapeInput {
  job: Job;
  pipeline: Pipeline;
  project: Project;
  artifacts: Artifact[];
  erasedAt: string | null;
  /** The effective allow_failure (exit_codes decide at finish); default: the job's own. */
  allowFailure?: boolean;
  runner?: { id: number; description: string; paused: boolean; projectId: number | null } | null;
}

export function commitShape(p: Pipeline, baseUrl: string, projectPath: string): Static<typeof JobCommitSchema> {
  const title = p.commitMessage.split('\n')[0] ?? '';
  return {
    id: p.sha,
    short_id: p.sha.slice(0, 8),
    title,
    message: p.commitMessage,
    author_name: p.commit?.authorName ?? '',
    author_email: p.commit?.authorEmail ?? '',
    authored_date: p.commit?.timestamp ?? null,
    committer_name: p.commit?.authorName ?? '',
    committer_email: p.commit?.authorEmail ?? '',
    committed_date: p.commit?.timestamp ?? null,
    created_at: p.commit?.timestamp ?? null,
    parent_ids: p.beforeSha && !/^0+$/.test(p.beforeSha) ? [p.beforeSha] : [],
    web_url: `${baseUrl}/${projectPath}/-/commit/${p.sha}`,
  };
}

export function jobShape(input: JobShapeInput, baseUrl: string): JobJson {
  const { job, pipeline, project } = input;
  const archive = input.artifacts.filter((a) => a.fileType === 'archive').sort((a, b) => b.id - a.id)[0];
  const r = input.runner;
  return {
    id: job.id,
    status: job.status,
    stage: job.stage,
    name: job.name,
    ref: pipeline.ref,
    tag: pipeline.isTag,
    coverage: null,
    allow_failure: input.allowFailure ?? job.spec.allowFailure,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    erased_at: input.erasedAt,
    duration: job.startedAt ? (secondsBetween(job.startedAt, job.finishedAt) ?? null) : null,
    queued_duration: job.queuedAt ? secondsBetween(job.queuedAt, job.startedAt) : null,
    user: userRef(pipeline.commit?.user, baseUrl),
    commit: commitShape(pipeline, baseUrl, project.path),
    pipeline: pipelineBasic(pipeline, project, baseUrl),
    ...(job.failureReason ? { failure_reason: job.failureReason } : {}),
    web_url: `${baseUrl}/jobs/${job.id}`,
    project: { ci_job_token_scope_enabled: false },
    artifacts: input.artifacts.map((a) => ({ file_type: a.fileType, size: a.size, filename: a.filename, file_format: a.fileFormat })),
    ...(archive ? { artifacts_file: { filename: archive.filename, size: archive.size } } : {}),
    artifacts_expire_at: archive?.expireAt ?? null,
    runner: r
      ? { id: r.id, description: r.description, active: !r.paused, paused: r.paused, is_shared: r.projectId === null, runner_type: r.projectId === null ? 'instance_type' : 'project_type', name: null, online: null, status: r.paused ? 'paused' : 'online' }
      : null,
    tag_list: job.spec.tags,
    when: job.spec.when,
    manual: job.spec.when === 'manual',
    retried: job.retried,
    archived: false,
  };
}
