// ProjectsPort and PipelinesPort over kysely.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { PipelineStatus } from '../../engine/model.js';
import type { PipelinesPort, ProjectsPort } from '../ports.js';
import { b, num, toPipeline as rowToPipeline, toProject } from './rows.js';
import { runPrepared } from './prepared.js';
import type { Database, PipelinesTable } from './schema.js';
import { sealList, type SecretBox } from './secret-box.js';

const FINISHED: PipelineStatus[] = ['success', 'failed', 'canceled', 'skipped'];

export function projectsPort(db: Kysely<Database>): ProjectsPort {
  return {
    async insert(p) {
      const r = await db
        .insertInto('projects')
        .values({ path: p.path, name: p.name, default_branch: p.defaultBranch, created_at: p.createdAt })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toProject(r);
    },
    async byId(id) {
      const r = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toProject(r) : null;
    },
    async byPath(path) {
      const r = await db.selectFrom('projects').selectAll().where('path', '=', path).executeTakeFirst();
      return r ? toProject(r) : null;
    },
    async list() {
      return (await db.selectFrom('projects').selectAll().orderBy('id').execute()).map(toProject);
    },
    async nextPipelineIid(projectId) {
      const r = await db
        .updateTable('projects')
        .set((eb) => ({ pipeline_seq: eb('pipeline_seq', '+', 1) }))
        .where('id', '=', projectId)
        .returning('pipeline_seq')
        .executeTakeFirstOrThrow();
      return num(r.pipeline_seq);
    },
  };
}

export function pipelinesPort(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', box: SecretBox): PipelinesPort {
  const toPipeline = (r: Selectable<PipelinesTable>) => rowToPipeline(r, box);
  return {
    async insert(p) {
      const r = await db
        .insertInto('pipelines')
        .values({
          project_id: p.projectId,
          iid: p.iid,
          ref: p.ref,
          is_tag: b(p.isTag),
          sha: p.sha,
          before_sha: p.beforeSha,
          source: p.source,
          status: p.status,
          name: p.name,
          stages: JSON.stringify(p.stages),
          variables: sealList(box, p.variables, 'pipelines.variables'),
          commit_message: p.commitMessage,
          commit_info: p.commit ? JSON.stringify(p.commit) : null,
          created_at: p.createdAt,
          started_at: p.startedAt,
          finished_at: p.finishedAt,
          parent_pipeline_id: p.parentPipelineId,
          failure_reason: p.failureReason ?? null,
          yaml_errors: p.yamlErrors?.length ? JSON.stringify(p.yamlErrors) : null,
          protected: b(p.protected),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toPipeline(r);
    },
    async byId(id) {
      const [r] = await runPrepared(db, 'pipelines.byId', [id], (p) => db.selectFrom('pipelines').selectAll().where('id', '=', p(0)));
      return r ? toPipeline(r) : null;
    },
    async lock(id) {
      const [r] = await runPrepared(db, 'pipelines.lock', [id], (p) => {
        const q = db.selectFrom('pipelines').selectAll().where('id', '=', p(0));
        return dialect === 'postgres' ? q.forUpdate() : q;
      });
      return r ? toPipeline(r) : null;
    },
    async update(id, patch) {
      const row: { status?: string; started_at?: string | null; finished_at?: string | null } = {};
      if (patch.status !== undefined) row.status = patch.status;
      if (patch.startedAt !== undefined) row.started_at = patch.startedAt;
      if (patch.finishedAt !== undefined) row.finished_at = patch.finishedAt;
      if (Object.keys(row).length) await db.updateTable('pipelines').set(row).where('id', '=', id).execute();
    },
    async list(q) {
      let s = db.selectFrom('pipelines').selectAll();
      if (q.projectId !== undefined) s = s.where('project_id', '=', q.projectId);
      if (q.status !== undefined) s = s.where('status', '=', q.status);
      if (q.ref !== undefined) s = s.where('ref', '=', q.ref);
      if (q.beforeId !== undefined) s = s.where('id', '<', q.beforeId);
      const rows = await s.orderBy('id', 'desc').limit(Math.min(q.limit ?? 50, 500)).execute();
      return rows.map(toPipeline);
    },
    async setAutoCancelOnFailure(id, on) {
      await db.updateTable('pipelines').set({ auto_cancel_on_failure: b(on) }).where('id', '=', id).execute();
    },
    async autoCancelOnFailure(id) {
      const r = await db.selectFrom('pipelines').select('auto_cancel_on_failure').where('id', '=', id).executeTakeFirst();
      return !!r && num(r.auto_cancel_on_failure) === 1;
    },
    async activeOnRef(projectId, ref, beforeId) {
      const rows = await db
        .selectFrom('pipelines')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('ref', '=', ref)
        .where('id', '<', beforeId)
        .where('status', 'not in', FINISHED)
        .orderBy('id')
        .execute();
      return rows.map(toPipeline);
    },
    async children(parentId, filter = {}) {
      let s = db.selectFrom('pipelines').selectAll().where('parent_pipeline_id', '=', parentId);
      if (filter.name !== undefined) s = s.where('name', '=', filter.name);
      return (await s.orderBy('id').execute()).map(toPipeline);
    },
    async ancestors(id) {
      // A parent is always older than its child; the depth bound only guards against bad data.
      const r = await sql<Selectable<PipelinesTable>>`
        WITH RECURSIVE up(id, parent, depth) AS (
          SELECT id, parent_pipeline_id, 0 FROM pipelines WHERE id = ${id}
          UNION ALL
          SELECT p.id, p.parent_pipeline_id, up.depth + 1 FROM pipelines p JOIN up ON p.id = up.parent WHERE up.depth < ${MAX_WALK}
        )
        SELECT pipelines.* FROM up JOIN pipelines ON pipelines.id = up.id ORDER BY up.depth`.execute(db);
      return r.rows.map(toPipeline);
    },
    async hierarchySize(rootId) {
      const r = await sql<{ n: number | string }>`
        WITH RECURSIVE down(id, depth) AS (
          SELECT id, 0 FROM pipelines WHERE id = ${rootId}
          UNION ALL
          SELECT p.id, down.depth + 1 FROM pipelines p JOIN down ON p.parent_pipeline_id = down.id WHERE down.depth < ${MAX_WALK}
        )
        SELECT count(*) AS n FROM down`.execute(db);
      return num(r.rows[0]?.n ?? 0);
    },
  };
}

/** Longest parent chain walked by the recursive queries. */
const MAX_WALK = 100_000;
