// Junit test reports for the UI, in GitLab's shapes (engine/test-report-json.ts): a pipeline's
// full report (the Tests tab) and summary, and one job's counts (the job page). Masked CI/CD
// variable values in a test's output read as [MASKED], as in the job log.
import type { Coordinator } from '../../engine/coordinator.js';
import { gitlabTestReport, gitlabTestReportSummary } from '../../engine/test-report-json.js';
import { notFound } from '../../util/errors.js';
import type { ApiApp, ApiContext } from '../context.js';
import { IdParams } from '../schemas/inputs.js';
import { JobTestSummarySchema, TestReportSchema, TestReportSummarySchema } from '../schemas/views.js';
import { createMasker } from '../trace-mask.js';

/** Masks the project's (and instance's) masked variable values in a string. */
export async function textMaskerFor(coordinator: Coordinator, projectId: number): Promise<(text: string) => string> {
  const [instance, project] = await Promise.all([coordinator.read.variables(null), coordinator.read.variables(projectId)]);
  const masker = createMasker([...instance, ...project].filter((v) => v.masked).map((v) => v.value));
  if (masker.maxLength === 0) return (t) => t;
  return (t) => masker.mask(Buffer.from(t, 'utf8')).toString('utf8');
}

export function testReportRoutes(app: ApiApp, ctx: ApiContext): void {
  const { coordinator } = ctx;
  const tags = ['tests'];

  app.get('/pipelines/:id/test_report', { schema: { tags, params: IdParams, response: { 200: TestReportSchema } } }, async (request) => {
    await ctx.require(request, 'read');
    const id = request.params.id;
    const [report, pipeline] = await Promise.all([coordinator.read.testReport(id, { cases: true }), coordinator.read.pipeline(id)]);
    if (!report || !pipeline) throw notFound(`pipeline ${id} not found`);
    return gitlabTestReport(report, await textMaskerFor(coordinator, pipeline.project.id));
  });

  app.get('/pipelines/:id/test_report_summary', { schema: { tags, params: IdParams, response: { 200: TestReportSummarySchema } } }, async (request) => {
    await ctx.require(request, 'read');
    const id = request.params.id;
    const report = await coordinator.read.testReport(id, { cases: false });
    if (!report) throw notFound(`pipeline ${id} not found`);
    return gitlabTestReportSummary(report);
  });

  app.get('/jobs/:id/test_report_summary', { schema: { tags, params: IdParams, response: { 200: JobTestSummarySchema } } }, async (request) => {
    await ctx.require(request, 'read');
    const id = request.params.id;
    if (!(await coordinator.read.job(id))) throw notFound(`job ${id} not found`);
    const s = await coordinator.read.jobTestSummary(id);
    return s
      ? { total: { time: Math.round(s.time * 100) / 100, count: s.total, success: s.success, failed: s.failed, skipped: s.skipped, error: s.error, suite_error: s.suiteError } }
      : { total: null };
  });
}
