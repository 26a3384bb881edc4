// GitLab's job shape as lists show it (GET /runners/:id/jobs; rest-ci's job endpoints build on it).
import { Type, type Static } from '@sinclair/typebox';
import type { Job, Pipeline, Project } from '../../engine/model.js';
import { PipelineBasicSchema, pipelineBasic } from './pipeline.js';

export const JobBasicSchema = Type.Object({
  id: Type.Integer(),
  status: Type.String(),
  stage: Type.String(),
  name: Type.String(),
  ref: Type.String(),
  tag: Type.Boolean(),
  coverage: Type.Union([Type.Number(), Type.Null()]),
  allow_failure: Type.Boolean(),
  created_at: Type.String(),
  started_at: Type.Union([Type.String(), Type.Null()]),
  finished_at: Type.Union([Type.String(), Type.Null()]),
  erased_at: Type.Union([Type.String(), Type.Null()]),
  duration: Type.Union([Type.Number(), Type.Null()]),
  queued_duration: Type.Union([Type.Number(), Type.Null()]),
  failure_reason: Type.Optional(Type.String()),
  web_url: Type.String(),
  pipeline: PipelineBasicSchema,
  project: Type.Object({ id: Type.Integer(), name: Type.String(), path_with_namespace: Type.String() }),
});
export type JobBasic = Static<typeof JobBasicSchema>;

const seconds = (from: string | null, to: string | null, now: number): number | null => (from ? Math.max(0, ((to ? Date.parse(to) : now) - Date.parse(from)) / 1000) : null);

export function jobBasic(job: Job, pipeline: Pipeline, project: Project, baseUrl: string, now = Date.now()): JobBasic {
  return {
    id: job.id,
    status: job.status,
    stage: job.stage,
    name: job.name,
    ref: pipeline.ref,
    tag: pipeline.isTag,
    coverage: null,
    allow_failure: job.spec.allowFailure,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    erased_at: null,
    duration: seconds(job.startedAt, job.finishedAt, now),
    queued_duration: job.queuedAt ? seconds(job.queuedAt, job.startedAt, now) : null,
    ...(job.failureReason ? { failure_reason: job.failureReason } : {}),
    // the UI's job page (GitLab: <project>/-/jobs/<id>)
    web_url: `${baseUrl}/jobs/${job.id}`,
    pipeline: pipelineBasic(pipeline, project, baseUrl),
    project: { id: project.id, name: project.name, path_with_namespace: project.path },
  };
}
