// TestReportsPort over kysely: a job's junit counts (test_reports) and its cases (test_cases, in
// upload order). Inserts are chunked so a statement stays under SQLite's parameter limit.
import type { Kysely } from 'kysely';
import type { TestCaseStatus } from '../../engine/model.js';
import type { TestReportsPort } from '../ports.js';
import { num } from './rows.js';
import type { Database } from './schema.js';

const ROWS_PER_INSERT = 100; // 9 columns each: 900 parameters

export function testReportsPort(db: Kysely<Database>): TestReportsPort {
  return {
    async clear(jobId) {
      await db.deleteFrom('test_cases').where('job_id', '=', jobId).execute();
      await db.deleteFrom('test_reports').where('job_id', '=', jobId).execute();
    },
    async insertCases(jobId, first, cases) {
      for (let i = 0; i < cases.length; i += ROWS_PER_INSERT) {
        const rows = cases.slice(i, i + ROWS_PER_INSERT).map((c, k) => ({
          job_id: jobId,
          position: first + i + k,
          status: c.status,
          name: c.name,
          classname: c.classname,
          file: c.file,
          execution_time: c.executionTime,
          system_output: c.systemOutput,
          stack_trace: c.stackTrace,
        }));
        await db.insertInto('test_cases').values(rows).execute();
      }
    },
    async setSummary(s) {
      const row = {
        pipeline_id: s.pipelineId,
        total: s.total,
        success: s.success,
        failed: s.failed,
        skipped: s.skipped,
        error: s.error,
        total_time: s.time,
        suite_error: s.suiteError,
      };
      await db
        .insertInto('test_reports')
        .values({ job_id: s.jobId, ...row })
        .onConflict((oc) => oc.column('job_id').doUpdateSet(row))
        .execute();
    },
    async summaries(pipelineId) {
      const rows = await db.selectFrom('test_reports').selectAll().where('pipeline_id', '=', pipelineId).orderBy('job_id').execute();
      return rows.map((r) => ({
        jobId: num(r.job_id),
        pipelineId: num(r.pipeline_id),
        total: num(r.total),
        success: num(r.success),
        failed: num(r.failed),
        skipped: num(r.skipped),
        error: num(r.error),
        time: num(r.total_time),
        suiteError: r.suite_error,
      }));
    },
    async cases(jobIds, opts = {}) {
      if (!jobIds.length) return [];
      let q = db.selectFrom('test_cases').selectAll().where('job_id', 'in', jobIds).orderBy('job_id').orderBy('position');
      if (opts.limit !== undefined) q = q.limit(opts.limit);
      const rows = await q.execute();
      return rows.map((r) => ({
        jobId: num(r.job_id),
        status: r.status as TestCaseStatus,
        name: r.name,
        classname: r.classname,
        file: r.file,
        executionTime: num(r.execution_time),
        systemOutput: r.system_output,
        stackTrace: r.stack_trace,
      }));
    },
  };
}
