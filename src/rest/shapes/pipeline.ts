// GitLab's basic pipeline shape (lists, `pipeline` of a job, webhooks' base). rest-ci extends it
// for GET /projects/:id/pipelines/:pipeline_id (Pipeline: user, timings, coverage …).
import { Type, type Static } from '@sinclair/typebox';
import type { Pipeline, Project } from '../../engine/model.js';

export const PipelineBasicSchema = Type.Object({
  id: Type.Integer(),
  iid: Type.Integer(),
  project_id: Type.Integer(),
  sha: Type.String(),
  ref: Type.String(),
  status: Type.String(),
  source: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
  web_url: Type.String(),
});
export type PipelineBasic = Static<typeof PipelineBasicSchema>;

/** GitLab's updated_at: the latest of the pipeline's timestamps. */
export function pipelineUpdatedAt(p: Pipeline): string {
  return [p.createdAt, p.startedAt, p.finishedAt].filter((t): t is string => !!t).sort().pop() ?? p.createdAt;
}

export function pipelineBasic(p: Pipeline, project: Project, baseUrl: string): PipelineBasic {
  return {
    id: p.id,
    iid: p.iid,
    project_id: p.projectId,
    sha: p.sha,
    ref: p.ref,
    status: p.status,
    source: p.source,
    name: p.name,
    created_at: p.createdAt,
    updated_at: pipelineUpdatedAt(p),
    // the UI's pipeline page (GitLab: <project>/-/pipelines/<id>)
    web_url: `${baseUrl}/pipelines/${p.id}`,
  };
}
