// HooksPort (project webhooks and their delivery queue/log) and CommitStatusesPort over kysely.
// Hook tokens and delivery payloads are sealed at rest. A delivery is claimed by one conditional
// UPDATE that sets a lease (PostgreSQL: FOR UPDATE SKIP LOCKED in the pick) (locked_until): whichever node takes it delivers it; a node that dies
// mid-delivery loses the lease and another node tries again.
import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { CommitStatus, CommitStatusState, HookDelivery, HookEvent, ProjectHook } from '../../engine/model.js';
import type { CommitStatusesPort, HooksPort } from '../automation-ports.js';
import { b, num } from './rows.js';
import type { CommitStatusesTable, Database, HookDeliveriesTable, ProjectHooksTable } from './schema.js';
import type { SecretBox } from './secret-box.js';

const TOKEN = 'project_hooks.token';
const PAYLOAD = 'hook_deliveries.payload';

function toHook(r: Selectable<ProjectHooksTable>, box: SecretBox): ProjectHook {
  return {
    id: num(r.id),
    projectId: num(r.project_id),
    url: r.url,
    token: r.token === null ? null : box.open(r.token, TOKEN),
    pushEvents: num(r.push_events) === 1,
    tagPushEvents: num(r.tag_push_events) === 1,
    pipelineEvents: num(r.pipeline_events) === 1,
    jobEvents: num(r.job_events) === 1,
    enableSslVerification: num(r.enable_ssl_verification) === 1,
    createdAt: r.created_at,
  };
}

function toDelivery(r: Selectable<HookDeliveriesTable>, box: SecretBox): HookDelivery {
  return {
    id: num(r.id),
    hookId: num(r.hook_id),
    projectId: num(r.project_id),
    event: r.event as HookEvent,
    uuid: r.uuid,
    payload: box.open(r.payload, PAYLOAD),
    status: r.status as HookDelivery['status'],
    attempts: num(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    responseStatus: r.response_status === null ? null : num(r.response_status),
    responseBody: r.response_body,
    durationMs: r.duration_ms === null ? null : num(r.duration_ms),
    error: r.error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

export function hooksPort(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', box: SecretBox): HooksPort {
  const byId = async (id: number) => {
    const r = await db.selectFrom('project_hooks').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toHook(r, box) : null;
  };
  return {
    async insert(h) {
      const r = await db
        .insertInto('project_hooks')
        .values({
          project_id: h.projectId,
          url: h.url,
          token: h.token === null ? null : box.seal(h.token, TOKEN),
          push_events: b(h.pushEvents),
          tag_push_events: b(h.tagPushEvents),
          pipeline_events: b(h.pipelineEvents),
          job_events: b(h.jobEvents),
          enable_ssl_verification: b(h.enableSslVerification),
          created_at: h.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toHook(r, box);
    },
    byId,
    async list(projectId) {
      return (await db.selectFrom('project_hooks').selectAll().where('project_id', '=', projectId).orderBy('id').execute()).map((r) => toHook(r, box));
    },
    async update(id, patch) {
      const set: Updateable<ProjectHooksTable> = {};
      if (patch.url !== undefined) set.url = patch.url;
      if (patch.token !== undefined) set.token = patch.token === null ? null : box.seal(patch.token, TOKEN);
      if (patch.pushEvents !== undefined) set.push_events = b(patch.pushEvents);
      if (patch.tagPushEvents !== undefined) set.tag_push_events = b(patch.tagPushEvents);
      if (patch.pipelineEvents !== undefined) set.pipeline_events = b(patch.pipelineEvents);
      if (patch.jobEvents !== undefined) set.job_events = b(patch.jobEvents);
      if (patch.enableSslVerification !== undefined) set.enable_ssl_verification = b(patch.enableSslVerification);
      if (Object.keys(set).length > 0) await db.updateTable('project_hooks').set(set).where('id', '=', id).execute();
      return byId(id);
    },
    async delete(id) {
      await db.deleteFrom('hook_deliveries').where('hook_id', '=', id).execute();
      return (await db.deleteFrom('project_hooks').where('id', '=', id).returning('id').execute()).length > 0;
    },
    async enqueue(deliveries) {
      if (deliveries.length === 0) return;
      await db
        .insertInto('hook_deliveries')
        .values(
          deliveries.map((d) => ({
            hook_id: d.hookId,
            project_id: d.projectId,
            event: d.event,
            uuid: d.uuid,
            payload: box.seal(d.payload, PAYLOAD),
            status: 'queued',
            next_attempt_at: d.createdAt,
            created_at: d.createdAt,
          })),
        )
        .execute();
    },
    async claimDue(now, leaseUntil, limit) {
      const free = sql<boolean>`(locked_until IS NULL OR locked_until < ${now})`;
      const rows = await db
        .updateTable('hook_deliveries')
        .set({ locked_until: leaseUntil, attempts: sql`attempts + 1` })
        .where('id', 'in', (qb) => {
          const pick = qb.selectFrom('hook_deliveries').select('id').where('status', '=', 'queued').where('next_attempt_at', '<=', now).where(free).orderBy('next_attempt_at').orderBy('id').limit(limit);
          // PostgreSQL: concurrent claimers skip each other's rows instead of coming back empty.
          return dialect === 'postgres' ? pick.forUpdate().skipLocked() : pick;
        })
        .where('status', '=', 'queued')
        .where(free)
        .returningAll()
        .execute();
      return rows.map((r) => toDelivery(r, box)).sort((x, y) => x.id - y.id);
    },
    async finishAttempt(id, r) {
      await db
        .updateTable('hook_deliveries')
        .set({
          status: r.status,
          response_status: r.responseStatus,
          response_body: r.responseBody,
          duration_ms: Math.round(r.durationMs),
          error: r.error,
          finished_at: r.finishedAt,
          locked_until: null,
          ...(r.nextAttemptAt ? { next_attempt_at: r.nextAttemptAt } : {}),
        })
        .where('id', '=', id)
        .execute();
    },
    async delivery(id) {
      const r = await db.selectFrom('hook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toDelivery(r, box) : null;
    },
    async deliveries(hookId, q) {
      let s = db.selectFrom('hook_deliveries').selectAll().where('hook_id', '=', hookId);
      if (q.beforeId !== undefined) s = s.where('id', '<', q.beforeId);
      if (q.status) s = s.where('status', '=', q.status);
      return (await s.orderBy('id', 'desc').limit(q.limit).execute()).map((r) => toDelivery(r, box));
    },
    async requeue(id, at) {
      const rows = await db
        .updateTable('hook_deliveries')
        .set({ status: 'queued', next_attempt_at: at, attempts: 0, finished_at: null, locked_until: null })
        .where('id', '=', id)
        .where('status', '<>', 'queued')
        .returning('id')
        .execute();
      return rows.length > 0;
    },
  };
}

function toStatus(r: Selectable<CommitStatusesTable>): CommitStatus {
  return {
    id: num(r.id),
    projectId: num(r.project_id),
    sha: r.sha,
    ref: r.ref,
    name: r.name,
    status: r.status as CommitStatusState,
    targetUrl: r.target_url,
    description: r.description,
    coverage: r.coverage === null ? null : num(r.coverage),
    pipelineId: r.pipeline_id === null ? null : num(r.pipeline_id),
    authorName: r.author_name,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    updatedAt: r.updated_at,
  };
}

export function commitStatusesPort(db: Kysely<Database>): CommitStatusesPort {
  return {
    async upsert(s) {
      let q = db.selectFrom('commit_statuses').select('id').where('project_id', '=', s.projectId).where('sha', '=', s.sha).where('name', '=', s.name);
      q = s.ref === null ? q.where('ref', 'is', null) : q.where('ref', '=', s.ref);
      const existing = await q.executeTakeFirst();
      const values = {
        status: s.status,
        target_url: s.targetUrl,
        description: s.description,
        coverage: s.coverage,
        pipeline_id: s.pipelineId,
        author_name: s.authorName,
        started_at: s.startedAt,
        finished_at: s.finishedAt,
        updated_at: s.updatedAt,
      };
      const row = existing
        ? await db.updateTable('commit_statuses').set(values).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow()
        : await db
            .insertInto('commit_statuses')
            .values({ ...values, project_id: s.projectId, sha: s.sha, ref: s.ref, name: s.name, created_at: s.createdAt })
            .returningAll()
            .executeTakeFirstOrThrow();
      return toStatus(row);
    },
    async list(projectId, sha, q = {}) {
      let s = db.selectFrom('commit_statuses').selectAll().where('project_id', '=', projectId).where('sha', '=', sha);
      if (q.ref !== undefined) s = s.where('ref', '=', q.ref);
      if (q.name !== undefined) s = s.where('name', '=', q.name);
      return (await s.orderBy('id').execute()).map(toStatus);
    },
  };
}
