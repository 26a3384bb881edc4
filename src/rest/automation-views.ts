// GitLab's JSON shapes for triggers, pipeline schedules, project hooks and their event log, and
// commit statuses (snake_case, ISO-8601 times), from the engine's automation domain objects.
import type { CommitStatus, HookDelivery, PipelineSchedule, PipelineTrigger, ProjectHook, ScheduleVariable } from '../engine/model.js';
import type { Job, Pipeline, Project } from '../engine/model.js';

export interface ViewContext {
  baseUrl: string;
}

/** The owner as GitLab's UserBasic (we know a name only). */
export function ownerView(name: string | null, ctx: ViewContext) {
  if (!name) return null;
  return { id: 0, name, username: name, state: 'active', avatar_url: null, web_url: `${ctx.baseUrl}/${encodeURIComponent(name)}` };
}

export function triggerView(t: PipelineTrigger, ctx: ViewContext, token?: string) {
  return {
    id: t.id,
    description: t.description,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    last_used: t.lastUsedAt,
    expires_at: null,
    // the whole token only in the answer that created it (it is stored hashed)
    token: token ?? t.tokenPrefix,
    owner: ownerView(t.ownerName, ctx),
  };
}

export function pipelineBasicView(p: Pipeline, project: Project | null, ctx: ViewContext) {
  return {
    id: p.id,
    iid: p.iid,
    project_id: p.projectId,
    sha: p.sha,
    ref: p.ref,
    status: p.status,
    source: p.source,
    created_at: p.createdAt,
    updated_at: p.finishedAt ?? p.startedAt ?? p.createdAt,
    web_url: project ? `${ctx.baseUrl}/${project.path}/-/pipelines/${p.id}` : `${ctx.baseUrl}/pipelines/${p.id}`,
  };
}

export function scheduleVariableView(v: ScheduleVariable) {
  return { key: v.key, value: v.value, variable_type: v.variableType, raw: false };
}

export function scheduleView(s: PipelineSchedule, ctx: ViewContext, extra: { lastPipeline?: Pipeline | null; project?: Project | null; withVariables?: boolean } = {}) {
  return {
    id: s.id,
    description: s.description,
    ref: s.ref,
    cron: s.cron,
    cron_timezone: s.cronTimezone,
    next_run_at: s.nextRunAt,
    active: s.active,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    owner: ownerView(s.ownerName, ctx),
    last_pipeline: extra.lastPipeline ? pipelineBasicView(extra.lastPipeline, extra.project ?? null, ctx) : null,
    ...(extra.withVariables ? { variables: s.variables.map(scheduleVariableView) } : {}),
  };
}

export function hookView(h: ProjectHook) {
  return {
    id: h.id,
    url: h.url,
    name: null,
    description: null,
    project_id: h.projectId,
    created_at: h.createdAt,
    push_events: h.pushEvents,
    push_events_branch_filter: null,
    tag_push_events: h.tagPushEvents,
    merge_requests_events: false,
    issues_events: false,
    confidential_issues_events: false,
    note_events: false,
    confidential_note_events: false,
    wiki_page_events: false,
    deployment_events: false,
    releases_events: false,
    job_events: h.jobEvents,
    pipeline_events: h.pipelineEvents,
    enable_ssl_verification: h.enableSslVerification,
    alert_status: 'executable',
    disabled_until: null,
    url_variables: [],
    custom_webhook_template: null,
  };
}

const TRIGGER: Record<HookDelivery['event'], string> = { 'Pipeline Hook': 'pipeline_hooks', 'Job Hook': 'job_hooks', 'Push Hook': 'push_hooks', 'Tag Push Hook': 'tag_push_hooks' };

/** One entry of the hook's event log (GitLab's WebHookLog, plus our queue state). */
export function hookEventView(d: HookDelivery, hook: ProjectHook, withPayload: boolean) {
  return {
    id: d.id,
    url: hook.url,
    trigger: TRIGGER[d.event],
    event: d.event,
    uuid: d.uuid,
    status: d.status,
    attempts: d.attempts,
    response_status: d.responseStatus === null ? (d.error ? 'internal error' : null) : String(d.responseStatus),
    response_body: d.responseBody,
    execution_duration: d.durationMs === null ? null : d.durationMs / 1000,
    internal_error_message: d.error,
    next_attempt_at: d.status === 'queued' ? d.nextAttemptAt : null,
    created_at: d.createdAt,
    updated_at: d.finishedAt ?? d.createdAt,
    ...(withPayload ? { request_headers: { 'Content-Type': 'application/json', 'X-Gitlab-Event': d.event, 'X-Gitlab-Event-UUID': d.uuid, 'X-Gitlab-Token': hook.token ? '[REDACTED]' : undefined }, request_data: JSON.parse(d.payload) as unknown } : {}),
  };
}

const author = (name: string | null) => (name ? { id: 0, name, username: name, state: 'active', avatar_url: null, web_url: null } : null);

export function commitStatusView(s: CommitStatus) {
  return {
    id: s.id,
    sha: s.sha,
    ref: s.ref,
    status: s.status,
    name: s.name,
    target_url: s.targetUrl,
    description: s.description,
    created_at: s.createdAt,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
    allow_failure: false,
    coverage: s.coverage,
    pipeline_id: s.pipelineId,
    author: author(s.authorName),
  };
}

/** A CI job as a commit status (GitLab lists a commit's jobs among its statuses). */
export function jobStatusView(j: Job, p: Pipeline, project: Project, ctx: ViewContext) {
  return {
    id: j.id,
    sha: p.sha,
    ref: p.ref,
    status: j.status,
    name: j.name,
    target_url: `${ctx.baseUrl}/${project.path}/-/jobs/${j.id}`,
    description: null,
    created_at: j.createdAt,
    started_at: j.startedAt,
    finished_at: j.finishedAt,
    allow_failure: j.spec.allowFailure,
    coverage: null,
    pipeline_id: p.id,
    author: author(p.commit?.user.login ?? null),
  };
}
