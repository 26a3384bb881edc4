// UI API test reports: GitLab's shapes from stored cases, masked output, 404/400 for bad ids, and
// the read rule (a token is needed without anonymous reads).
import { afterEach, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../../engine/test-support/plan-builder.js';
import { createApiHarness, type ApiHarness } from '../test-support/api-harness.js';

let h: ApiHarness;
afterEach(async () => h?.close());

describe('UI API test reports', () => {
  it('answers the report, the summary and a job summary; masks secrets; 404/400 for bad ids', async () => {
    h = await createApiHarness({ anonymousRead: false });
    await h.coordinator.setVariable({ projectId: h.project.id, key: 'TOKEN', value: 'very-secret-token', masked: true, protected: false, file: false, raw: false });
    const d = await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha: 'c'.repeat(40), source: 'push', plan: planOf(['test'], [planJob('rspec 1/2'), planJob('rspec 2/2'), planJob('lint')]) });
    const [a, b] = d.jobs;
    const store = (jobId: number, cases: { status: 'success' | 'failed' | 'skipped' | 'error'; out?: string }[]) =>
      h.coordinator.storeTestReport(jobId, async (sink) => {
        await sink(cases.map((c, i) => ({ status: c.status, name: `t${i}`, classname: 'k', file: null, executionTime: 0.125, systemOutput: c.out ?? null, stackTrace: null })));
        const counts = { total: cases.length, success: 0, failed: 0, skipped: 0, error: 0, time: cases.length * 0.125 };
        for (const c of cases) counts[c.status] += 1;
        return { counts, error: null };
      });
    await store(a!.id, [{ status: 'success' }, { status: 'failed', out: 'got very-secret-token' }]);
    await store(b!.id, [{ status: 'skipped' }, { status: 'error' }]);
    const get = async (p: string, token: string | null = h.userToken) => {
      const res = await h.fetch(`/api/ui${p}`, { token });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const report = await get(`/pipelines/${d.pipeline.id}/test_report`);
    expect(report.body).toMatchObject({ total_count: 4, success_count: 1, failed_count: 1, skipped_count: 1, error_count: 1, total_time: 0.5 });
    const suites = report.body.test_suites as { name: string; total_count: number; test_cases: { status: string; system_output: string | null }[] }[];
    expect(suites.map((s) => [s.name, s.total_count])).toEqual([['rspec', 4]]);
    expect(suites[0]!.test_cases.map((c) => c.status)).toEqual(['failed', 'error', 'success', 'skipped']);
    expect(suites[0]!.test_cases[0]!.system_output).toBe('got [MASKED]*********');
    const summary = await get(`/pipelines/${d.pipeline.id}/test_report_summary`);
    expect(summary.body).toMatchObject({ total: { count: 4, failed: 1 }, test_suites: [{ name: 'rspec', build_ids: [a!.id, b!.id] }] });
    expect((await get(`/jobs/${a!.id}/test_report_summary`)).body).toMatchObject({ total: { count: 2, failed: 1, success: 1 } });
    expect((await get(`/jobs/${d.jobs[2]!.id}/test_report_summary`)).body).toEqual({ total: null });
    expect((await get('/pipelines/99999/test_report')).status).toBe(404);
    expect((await get('/jobs/99999/test_report_summary')).status).toBe(404);
    expect((await get('/pipelines/abc/test_report_summary')).status).toBe(400);
    expect((await get(`/pipelines/${d.pipeline.id}/test_report`, null)).status).toBe(401);
  });
});
