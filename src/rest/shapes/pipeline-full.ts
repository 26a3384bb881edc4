// GitLab's Pipeline shape (GET /projects/:id/pipelines/:pipeline_id, create, retry, cancel):
// PipelineBasic plus before_sha, tag, yaml_errors, user, timings, coverage and detailed_status.
import { Type, type Static } from '@sinclair/typebox';
import type { Pipeline, PipelineUser, Project } from '../../engine/model.js';
import { pipelineBasic, PipelineBasicSchema } from './pipeline.js';

export const UserRefSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  name: Type.String(),
  state: Type.String(),
  locked: Type.Boolean(),
  avatar_url: Type.Null(),
  web_url: Type.String(),
});

export const DetailedStatusSchema = Type.Object({
  icon: Type.String(),
  text: Type.String(),
  label: Type.String(),
  group: Type.String(),
  tooltip: Type.String(),
  has_details: Type.Boolean(),
  details_path: Type.String(),
  illustration: Type.Null(),
  favicon: Type.String(),
});

export const PipelineSchema = Type.Composite([
  PipelineBasicSchema,
  Type.Object({
    before_sha: Type.String(),
    tag: Type.Boolean(),
    yaml_errors: Type.Union([Type.String(), Type.Null()]),
    user: Type.Union([UserRefSchema, Type.Null()]),
    started_at: Type.Union([Type.String(), Type.Null()]),
    finished_at: Type.Union([Type.String(), Type.Null()]),
    committed_at: Type.Union([Type.String(), Type.Null()]),
    duration: Type.Union([Type.Integer(), Type.Null()]),
    queued_duration: Type.Union([Type.Number(), Type.Null()]),
    coverage: Type.Null(),
    detailed_status: DetailedStatusSchema,
  }),
]);
export type PipelineJson = Static<typeof PipelineSchema>;

export function userRef(user: PipelineUser | null | undefined, baseUrl: string): Static<typeof UserRefSchema> | null {
  if (!user) return null;
  return { id: user.id, username: user.login, name: user.name || user.login, state: 'active', locked: false, avatar_url: null, web_url: `${baseUrl}/${user.login}` };
}

const LABEL: Record<string, string> = { success: 'passed', failed: 'failed', running: 'running', pending: 'pending', canceled: 'canceled', skipped: 'skipped', manual: 'manual action', created: 'created', scheduled: 'delayed', waiting_for_resource: 'waiting for resource', canceling: 'canceling' };

export function detailedStatus(status: string, detailsPath: string): Static<typeof DetailedStatusSchema> {
  const text = status === 'success' ? 'Passed' : (LABEL[status] ?? status).replace(/^./, (c) => c.toUpperCase());
  const group = status;
  return { icon: `status_${status === 'waiting_for_resource' ? 'pending' : status}`, text, label: LABEL[status] ?? status, group, tooltip: LABEL[status] ?? status, has_details: true, details_path: detailsPath, illustration: null, favicon: `favicon_status_${status}` };
}

export const secondsBetween = (from: string | null, to: string | null, now = Date.now()): number | null =>
  from ? Math.max(0, Math.round(((to ? Date.parse(to) : now) - Date.parse(from)) / 1000)) : null;

export function pipelineShape(p: Pipeline, project: Project, baseUrl: string): PipelineJson {
  return {
    ...pipelineBasic(p, project, baseUrl),
    before_sha: p.beforeSha,
    tag: p.isTag,
    yaml_errors: p.yamlErrors?.length ? p.yamlErrors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('; ') : null,
    user: userRef(p.commit?.user, baseUrl),
    started_at: p.startedAt,
    finished_at: p.finishedAt,
    committed_at: p.commit?.timestamp ?? null,
    duration: p.startedAt && p.finishedAt ? secondsBetween(p.startedAt, p.finishedAt) : null,
    queued_duration: p.startedAt ? Math.max(0, (Date.parse(p.startedAt) - Date.parse(p.createdAt)) / 1000) : null,
    coverage: null,
    detailed_status: detailedStatus(p.status, `/pipelines/${p.id}`),
  };
}
