// Junit test reports: storing what runner-api parsed from an upload (streamed in batches, the
// job's earlier report replaced) and reading a pipeline's report (GitLab's shapes are built by
// the edges from PipelineTestReport).
import type { EngineContext } from '../context.js';
import { notFound } from '../../util/errors.js';
import { pipelineTestReport, type JobTestSummary, type PipelineTestReport, type TestCase, type TestCounts } from '../test-report.js';

/** Reads a report, handing its cases over in batches; resolves with the counts of every case. */
export type TestReportReader = (sink: (cases: TestCase[]) => Promise<void>) => Promise<{ counts: TestCounts; error: string | null }>;

export async function storeTestReport(ctx: EngineContext, jobId: number, read: TestReportReader): Promise<JobTestSummary> {
  const job = await ctx.store.jobs.byId(jobId);
  if (!job) throw notFound(`Job ${jobId} not found`);
  const ports = ctx.store.testReports;
  await ports.clear(jobId);
  let position = 0;
  const result = await read(async (cases) => {
    await ports.insertCases(jobId, position, cases);
    position += cases.length;
  });
  const summary: JobTestSummary = { jobId, pipelineId: job.pipelineId, ...result.counts, suiteError: result.error };
  await ports.setSummary(summary);
  return summary;
}

/** The report of a pipeline's current jobs; `cases` adds every stored case (the full report). */
export async function readPipelineTestReport(ctx: EngineContext, pipelineId: number, opts: { cases: boolean }): Promise<PipelineTestReport | null> {
  const pipeline = await ctx.store.pipelines.byId(pipelineId);
  if (!pipeline) return null;
  const [jobs, summaries] = await Promise.all([ctx.store.jobs.lite(pipelineId), ctx.store.testReports.summaries(pipelineId)]);
  const current = jobs.filter((j) => !j.retried);
  const withReport = new Set(summaries.map((s) => s.jobId));
  const cases = opts.cases ? await ctx.store.testReports.cases(current.filter((j) => withReport.has(j.id)).map((j) => j.id)) : undefined;
  return pipelineTestReport({ jobs: current, summaries, cases });
}

/** One job's counts (the job page's summary), or null when it stored no report. */
export async function readJobTestSummary(ctx: EngineContext, jobId: number): Promise<JobTestSummary | null> {
  const job = await ctx.store.jobs.byId(jobId);
  if (!job) return null;
  return (await ctx.store.testReports.summaries(job.pipelineId)).find((s) => s.jobId === jobId) ?? null;
}
