// TriggersPort and SchedulesPort over kysely. Schedule variable values are sealed at rest.
// Fire-once across nodes: claimRun is one conditional UPDATE of next_run_at (compare and set).
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { PipelineSchedule, PipelineTrigger, ScheduleVariable } from '../../engine/model.js';
import type { SchedulesPort, TriggersPort } from '../automation-ports.js';
import { b, num } from './rows.js';
import type { Database, PipelineSchedulesTable, PipelineTriggersTable } from './schema.js';
import type { SecretBox } from './secret-box.js';

const VALUE = 'pipeline_schedule_variables.value';

function toTrigger(r: Selectable<PipelineTriggersTable>): PipelineTrigger {
  return {
    id: num(r.id),
    projectId: num(r.project_id),
    description: r.description,
    tokenPrefix: r.token_prefix,
    ownerName: r.owner_name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastUsedAt: r.last_used_at,
  };
}

export function triggersPort(db: Kysely<Database>): TriggersPort {
  const byId = async (id: number) => {
    const r = await db.selectFrom('pipeline_triggers').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toTrigger(r) : null;
  };
  return {
    async insert(t) {
      const r = await db
        .insertInto('pipeline_triggers')
        .values({ project_id: t.projectId, description: t.description, token_hash: t.tokenHash, token_prefix: t.tokenPrefix, owner_name: t.ownerName, created_at: t.createdAt, updated_at: t.updatedAt })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toTrigger(r);
    },
    byId,
    async byTokenHash(hash) {
      const r = await db.selectFrom('pipeline_triggers').selectAll().where('token_hash', '=', hash).executeTakeFirst();
      return r ? toTrigger(r) : null;
    },
    async list(projectId) {
      return (await db.selectFrom('pipeline_triggers').selectAll().where('project_id', '=', projectId).orderBy('id').execute()).map(toTrigger);
    },
    async update(id, patch) {
      await db
        .updateTable('pipeline_triggers')
        .set({ ...(patch.description !== undefined ? { description: patch.description } : {}), updated_at: patch.updatedAt })
        .where('id', '=', id)
        .execute();
      return byId(id);
    },
    async touch(id, at) {
      await db.updateTable('pipeline_triggers').set({ last_used_at: at }).where('id', '=', id).execute();
    },
    async delete(id) {
      return (await db.deleteFrom('pipeline_triggers').where('id', '=', id).returning('id').execute()).length > 0;
    },
  };
}

export function schedulesPort(db: Kysely<Database>, box: SecretBox): SchedulesPort {
  const withVariables = async (rows: Selectable<PipelineSchedulesTable>[]): Promise<PipelineSchedule[]> => {
    if (rows.length === 0) return [];
    const vars = await db
      .selectFrom('pipeline_schedule_variables')
      .selectAll()
      .where(
        'schedule_id',
        'in',
        rows.map((r) => num(r.id)),
      )
      .orderBy('key')
      .execute();
    const by = new Map<number, ScheduleVariable[]>();
    for (const v of vars) {
      const list = by.get(num(v.schedule_id)) ?? [];
      list.push({ key: v.key, value: box.open(v.value, VALUE), variableType: v.variable_type === 'file' ? 'file' : 'env_var' });
      by.set(num(v.schedule_id), list);
    }
    return rows.map((r) => ({
      id: num(r.id),
      projectId: num(r.project_id),
      description: r.description,
      ref: r.ref,
      cron: r.cron,
      cronTimezone: r.cron_timezone,
      active: num(r.active) === 1,
      nextRunAt: r.next_run_at,
      lastPipelineId: r.last_pipeline_id === null ? null : num(r.last_pipeline_id),
      ownerName: r.owner_name,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      variables: by.get(num(r.id)) ?? [],
    }));
  };
  const byId = async (id: number) => {
    const r = await db.selectFrom('pipeline_schedules').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? (await withVariables([r]))[0] : null;
  };
  return {
    async insert(s) {
      const r = await db
        .insertInto('pipeline_schedules')
        .values({
          project_id: s.projectId,
          description: s.description,
          ref: s.ref,
          cron: s.cron,
          cron_timezone: s.cronTimezone,
          active: b(s.active),
          next_run_at: s.nextRunAt,
          owner_name: s.ownerName,
          created_at: s.createdAt,
          updated_at: s.updatedAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return (await withVariables([r]))[0];
    },
    byId,
    async list(projectId, scope) {
      let q = db.selectFrom('pipeline_schedules').selectAll().where('project_id', '=', projectId);
      if (scope) q = q.where('active', '=', scope === 'active' ? 1 : 0);
      return withVariables(await q.orderBy('id').execute());
    },
    async update(id, patch) {
      const set: Updateable<PipelineSchedulesTable> = { updated_at: patch.updatedAt };
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.ref !== undefined) set.ref = patch.ref;
      if (patch.cron !== undefined) set.cron = patch.cron;
      if (patch.cronTimezone !== undefined) set.cron_timezone = patch.cronTimezone;
      if (patch.active !== undefined) set.active = b(patch.active);
      if (patch.nextRunAt !== undefined) set.next_run_at = patch.nextRunAt;
      if (patch.ownerName !== undefined) set.owner_name = patch.ownerName;
      await db.updateTable('pipeline_schedules').set(set).where('id', '=', id).execute();
      return byId(id);
    },
    async delete(id) {
      await db.deleteFrom('pipeline_schedule_variables').where('schedule_id', '=', id).execute();
      await db.deleteFrom('pipeline_schedule_runs').where('schedule_id', '=', id).execute();
      return (await db.deleteFrom('pipeline_schedules').where('id', '=', id).returning('id').execute()).length > 0;
    },
    async setVariable(scheduleId, v) {
      const exists = await db.selectFrom('pipeline_schedules').select('id').where('id', '=', scheduleId).executeTakeFirst();
      if (!exists) return false;
      const value = box.seal(v.value, VALUE);
      await db
        .insertInto('pipeline_schedule_variables')
        .values({ schedule_id: scheduleId, key: v.key, value, variable_type: v.variableType })
        .onConflict((oc) => oc.columns(['schedule_id', 'key']).doUpdateSet({ value, variable_type: v.variableType }))
        .execute();
      return true;
    },
    async deleteVariable(scheduleId, key) {
      const rows = await db.deleteFrom('pipeline_schedule_variables').where('schedule_id', '=', scheduleId).where('key', '=', key).returning('key').execute();
      return rows.length > 0;
    },
    async due(now, limit) {
      const rows = await db
        .selectFrom('pipeline_schedules')
        .selectAll()
        .where('active', '=', 1)
        .where('next_run_at', 'is not', null)
        .where('next_run_at', '<=', now)
        .orderBy('next_run_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return withVariables(rows);
    },
    async claimRun(id, expected, next) {
      const rows = await db
        .updateTable('pipeline_schedules')
        .set({ next_run_at: next })
        .where('id', '=', id)
        .where('active', '=', 1)
        .where('next_run_at', '=', expected)
        .returning('id')
        .execute();
      return rows.length === 1;
    },
    async setLastPipeline(id, pipelineId) {
      await db.transaction().execute(async (tx) => {
        await tx.updateTable('pipeline_schedules').set({ last_pipeline_id: pipelineId }).where('id', '=', id).execute();
        await tx.insertInto('pipeline_schedule_runs').values({ schedule_id: id, pipeline_id: pipelineId }).onConflict((oc) => oc.doNothing()).execute();
      });
    },
    async pipelineIds(id, page) {
      const runs = db.selectFrom('pipeline_schedule_runs').where('schedule_id', '=', id);
      const count = await runs.select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirstOrThrow();
      const rows = await runs.select('pipeline_id').orderBy('pipeline_id', 'desc').limit(page.limit).offset(page.offset).execute();
      return { total: num(count.n), ids: rows.map((r) => num(r.pipeline_id)) };
    },
  };
}
