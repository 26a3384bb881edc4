// RetentionPort over kysely: deleting pipelines with every row of their jobs, erasing a job's
// artifacts and report, and "keep" (no expiry). Job rows are selected by subquery, so a pipeline
// of any size is one statement per table, within the SQLite parameter limit.
import type { Kysely } from 'kysely';
import type { RetentionPort } from '../ports.js';
import { num } from './rows.js';
import type { Database } from './schema.js';

export function retentionPort(db: Kysely<Database>): RetentionPort {
  return {
    async deletePipelines(pipelineIds) {
      if (!pipelineIds.length) return { jobIds: [], storageKeys: [] };
      const jobIds = (await db.selectFrom('jobs').select('id').where('pipeline_id', 'in', pipelineIds).execute()).map((r) => num(r.id));
      const storageKeys = (await db.selectFrom('artifacts').select('storage_key').where('pipeline_id', 'in', pipelineIds).execute()).map((r) => r.storage_key);
      const jobsOf = db.selectFrom('jobs').select('id').where('pipeline_id', 'in', pipelineIds);
      for (const table of ['pending_job_tags', 'pending_jobs', 'job_dotenv', 'removed_artifacts', 'test_cases', 'test_reports', 'erased_jobs'] as const) {
        await db.deleteFrom(table).where('job_id', 'in', jobsOf).execute();
      }
      await db.deleteFrom('job_edges').where((eb) => eb.or([eb('job_id', 'in', jobsOf), eb('needs_job_id', 'in', jobsOf)])).execute();
      await db.updateTable('resource_groups').set({ holder_job_id: null }).where('holder_job_id', 'in', jobsOf).execute();
      await db.deleteFrom('artifacts').where('pipeline_id', 'in', pipelineIds).execute();
      await db.deleteFrom('jobs').where('pipeline_id', 'in', pipelineIds).execute();
      await db.deleteFrom('pipelines').where('id', 'in', pipelineIds).execute();
      return { jobIds, storageKeys };
    },
    async eraseJob(jobId, at) {
      const storageKeys = (await db.selectFrom('artifacts').select('storage_key').where('job_id', '=', jobId).execute()).map((r) => r.storage_key);
      await db.deleteFrom('artifacts').where('job_id', '=', jobId).execute();
      await db.deleteFrom('test_cases').where('job_id', '=', jobId).execute();
      await db.deleteFrom('test_reports').where('job_id', '=', jobId).execute();
      await db
        .insertInto('erased_jobs')
        .values({ job_id: jobId, erased_at: at })
        .onConflict((oc) => oc.column('job_id').doUpdateSet({ erased_at: at }))
        .execute();
      return { storageKeys };
    },
    async erasedAt(jobIds) {
      const out = new Map<number, string>();
      if (!jobIds.length) return out;
      for (const r of await db.selectFrom('erased_jobs').selectAll().where('job_id', 'in', jobIds).execute()) out.set(num(r.job_id), r.erased_at);
      return out;
    },
  };
}
