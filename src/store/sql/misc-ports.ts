// VariablesPort, ArtifactsPort (with dotenv report variables) and ResourceGroupsPort over kysely.
import type { Kysely } from 'kysely';
import type { PipelineVariable } from '../../engine/model.js';
import type { ArtifactsPort, ProcessMode, ResourceGroupsPort, VariablesPort } from '../ports.js';
import { b, num, toArtifact, toVariable } from './rows.js';
import type { Database } from './schema.js';
import type { SecretBox } from './secret-box.js';

export function variablesPort(db: Kysely<Database>, box: SecretBox): VariablesPort {
  const port: VariablesPort = {
    async insert(v) {
      const r = await db
        .insertInto('ci_variables')
        .values({ project_id: v.projectId, key: v.key, value: box.seal(v.value, 'ci_variables.value'), masked: b(v.masked), protected: b(v.protected), file: b(v.file), raw: b(v.raw) })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toVariable(r, box);
    },
    async upsert(v) {
      let q = db.deleteFrom('ci_variables').where('key', '=', v.key);
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
    async expired(before, limit) {
      const rows = await db
        .selectFrom('artifacts')
        .selectAll()
        .where('expire_at', 'is not', null)
        .where('expire_at', '<=', before)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toArtifact);
    },
    async delete(id) {
      await db.deleteFrom('artifacts').where('id', '=', id).execute();
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
