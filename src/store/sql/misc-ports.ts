// VariablesPort, ArtifactsPort (with dotenv report variables) and ResourceGroupsPort over kysely.
import type { Kysely } from 'kysely';
import type { PipelineVariable } from '../../engine/model.js';
import type { ArtifactsPort, JobOutputs, ProcessMode, ResourceGroupsPort, VariablesPort } from '../ports.js';
import { runPrepared } from './prepared.js';
import { b, num, toArtifact, toVariable } from './rows.js';
import type { Database } from './schema.js';
import type { SecretBox } from './secret-box.js';

/** Pipeline statuses after which its artifacts may expire (unless it is the ref's latest success). */
const FINISHED = ['success', 'failed', 'canceled', 'skipped'];

export function variablesPort(db: Kysely<Database>, box: SecretBox): VariablesPort {
  const port: VariablesPort = {
    async insert(v) {
      const r = await db
        .insertInto('ci_variables')
        .values({ project_id: v.projectId, key: v.key, value: box.seal(v.value, 'ci_variables.value'), masked: b(v.masked), protected: b(v.protected), file: b(v.file), raw: b(v.raw), environment_scope: v.environmentScope ?? '*', description: v.description ?? null })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toVariable(r, box);
    },
    async upsert(v) {
      let q = db.deleteFrom('ci_variables').where('key', '=', v.key).where('environment_scope', '=', v.environmentScope ?? '*');
      q = v.projectId === null ? q.where('project_id', 'is', null) : q.where('project_id', '=', v.projectId);
      await q.execute();
      return port.insert(v);
    },
    async delete(id) {
      await db.deleteFrom('ci_variables').where('id', '=', id).execute();
    },
    async list(projectId) {
      let q = db.selectFrom('ci_variables').selectAll();
      q = projectId === null ? q.where('project_id', 'is', null) : q.where('project_id', '=', projectId);
      return (await q.orderBy('id').execute()).map((r) => toVariable(r, box));
    },
  };
  return port;
}

export function artifactsPort(db: Kysely<Database>, box: SecretBox): ArtifactsPort {
  return {
    async insert(a) {
      const r = await db
        .insertInto('artifacts')
        .values({
          job_id: a.jobId,
          pipeline_id: a.pipelineId,
          file_type: a.fileType,
          file_format: a.fileFormat,
          filename: a.filename,
          size: a.size,
          storage_key: a.storageKey,
          sha256: a.sha256,
          expire_at: a.expireAt,
          created_at: a.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toArtifact(r);
    },
    async byJob(jobId) {
      return (await db.selectFrom('artifacts').selectAll().where('job_id', '=', jobId).orderBy('id').execute()).map(toArtifact);
    },
    async byJobs(jobIds) {
      if (!jobIds.length) return [];
      return (await db.selectFrom('artifacts').selectAll().where('job_id', 'in', jobIds).orderBy('id').execute()).map(toArtifact);
    },
    async keep(jobId) {
      await db.updateTable('artifacts').set({ expire_at: null }).where('job_id', '=', jobId).execute();
      return (await db.selectFrom('artifacts').selectAll().where('job_id', '=', jobId).orderBy('id').execute()).map(toArtifact);
    },
    async expired(before, limit) {
      const rows = await db
        .selectFrom('artifacts as a')
        .innerJoin('pipelines as p', 'p.id', 'a.pipeline_id')
        .selectAll('a')
        .where('a.expire_at', 'is not', null)
        .where('a.expire_at', '<=', before)
        .where('p.status', 'in', FINISHED)
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('pipelines as n')
              .select('n.id')
              .whereRef('n.project_id', '=', 'p.project_id')
              .whereRef('n.ref', '=', 'p.ref')
              .whereRef('n.is_tag', '=', 'p.is_tag')
              .whereRef('n.id', '>', 'p.id')
              .where('n.status', '=', 'success')
              .where('n.parent_pipeline_id', 'is', null),
          ),
        )
        .orderBy('a.id')
        .limit(limit)
        .execute();
      return rows.map(toArtifact);
    },
    async removeExpired(ids, at) {
      if (!ids.length) return;
      const rows = await db.selectFrom('artifacts').select(['job_id', 'file_type']).where('id', 'in', ids).execute();
      if (rows.length) {
        await db
          .insertInto('removed_artifacts')
          .values(rows.map((r) => ({ job_id: r.job_id, file_type: r.file_type, removed_at: at })))
          .onConflict((oc) => oc.columns(['job_id', 'file_type']).doNothing())
          .execute();
      }
      await db.deleteFrom('artifacts').where('id', 'in', ids).execute();
    },
    async removedArchives(jobIds) {
      if (!jobIds.length) return new Set();
      const rows = await db.selectFrom('removed_artifacts').select('job_id').where('job_id', 'in', jobIds).where('file_type', '=', 'archive').execute();
      return new Set(rows.map((r) => num(r.job_id)));
    },
    async outputs(jobIds) {
      const out = new Map<number, JobOutputs>();
      for (let i = 0; i < jobIds.length; i += 200) {
        const part = jobIds.slice(i, i + 200);
        const rows = await runPrepared(db, `artifacts.outputs:${part.length}`, [part], (p) =>
          db
            .selectFrom('jobs as j')
            .select((eb) => [
              'j.id',
              eb.exists(eb.selectFrom('artifacts as a').select('a.id').whereRef('a.job_id', '=', 'j.id')).as('has_artifacts'),
              eb.exists(eb.selectFrom('job_dotenv as d').select('d.job_id').whereRef('d.job_id', '=', 'j.id')).as('has_dotenv'),
              eb
                .exists(eb.selectFrom('removed_artifacts as r').select('r.job_id').whereRef('r.job_id', '=', 'j.id').where('r.file_type', '=', 'archive'))
                .as('removed_archive'),
            ])
            .where('j.id', 'in', p.list(0, part.length)),
        );
        for (const r of rows) {
          const o = { artifacts: !!r.has_artifacts, dotenv: !!r.has_dotenv, removedArchive: !!r.removed_archive };
          if (o.artifacts || o.dotenv || o.removedArchive) out.set(num(r.id), o);
        }
      }
      return out;
    },
    async setDotenv(jobId, vars) {
      await db.deleteFrom('job_dotenv').where('job_id', '=', jobId).execute();
      if (vars.length)
        await db
          .insertInto('job_dotenv')
          .values(vars.map((v, i) => ({ job_id: jobId, position: i, key: v.key, value: box.seal(v.value, 'job_dotenv.value') })))
          .execute();
    },
    async dotenv(jobIds) {
      const out = new Map<number, PipelineVariable[]>();
      if (!jobIds.length) return out;
      const rows = await db.selectFrom('job_dotenv').selectAll().where('job_id', 'in', jobIds).orderBy('job_id').orderBy('position').execute();
      for (const r of rows) {
        const list = out.get(num(r.job_id)) ?? [];
        list.push({ key: r.key, value: box.open(r.value, 'job_dotenv.value') });
        out.set(num(r.job_id), list);
      }
      return out;
    },
  };
}

export function resourceGroupsPort(db: Kysely<Database>): ResourceGroupsPort {
  const ensure = (projectId: number, key: string) =>
    db
      .insertInto('resource_groups')
      .values({ project_id: projectId, key, process_mode: 'unordered', holder_job_id: null })
      .onConflict((oc) => oc.columns(['project_id', 'key']).doNothing())
      .execute();
  return {
    async acquire(projectId, key, jobId) {
      await ensure(projectId, key);
      await db
        .updateTable('resource_groups')
        .set({ holder_job_id: jobId })
        .where('project_id', '=', projectId)
        .where('key', '=', key)
        .where('holder_job_id', 'is', null)
        .execute();
      const r = await db
        .selectFrom('resource_groups')
        .select('holder_job_id')
        .where('project_id', '=', projectId)
        .where('key', '=', key)
        .executeTakeFirst();
      return !!r && r.holder_job_id !== null && num(r.holder_job_id) === jobId;
    },
    async release(projectId, key, jobId) {
      await db
        .updateTable('resource_groups')
        .set({ holder_job_id: null })
        .where('project_id', '=', projectId)
        .where('key', '=', key)
        .where('holder_job_id', '=', jobId)
        .execute();
    },
    async mode(projectId, key) {
      const r = await db
        .selectFrom('resource_groups')
        .select('process_mode')
        .where('project_id', '=', projectId)
        .where('key', '=', key)
        .executeTakeFirst();
      return (r?.process_mode as ProcessMode | undefined) ?? 'unordered';
    },
    async setMode(projectId, key, mode) {
      await ensure(projectId, key);
      await db.updateTable('resource_groups').set({ process_mode: mode }).where('project_id', '=', projectId).where('key', '=', key).execute();
    },
  };
}
