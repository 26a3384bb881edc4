// Junit test reports (GitLab's Tests tab): the count for the pipeline page's Tests tab, the
// report (totals, one row per suite, a suite's cases with failures first and their output), and
// the job page's summary. Data: /pipelines/:id/test_report(_summary), /jobs/:id/test_report_summary
// in GitLab's shapes.
import { useState } from 'preact/hooks';
import { get } from '../api';
import { ErrorBox, Link, Loading, useAsync } from './common';
import { formatDuration } from '../util/format';
import type { GitlabTestCase, GitlabTestReport, GitlabTestReportSummary } from '../../../src/engine/test-report-json';

// GitLab's shapes, as the server builds them (engine/test-report-json.ts), not a copy

type CaseStatus = GitlabTestCase['status'];
type TestCaseJson = GitlabTestCase;
type TestReportJson = GitlabTestReport;
type SummaryTotal = GitlabTestReportSummary['total'];

const seconds = (s: number) => (s < 1 ? `${Math.round(s * 1000)}ms` : formatDuration(Math.round(s)));

const STATUS_LABEL: Record<CaseStatus, string> = { success: 'Passed', failed: 'Failed', skipped: 'Skipped', error: 'Error' };

/** The number of tests in the pipeline's report (the Tests tab's count); `refresh` reloads it. */
export function usePipelineTestCount(pipelineId: number, refresh: string): number | null {
  const summary = useAsync((signal) => get<{ total: SummaryTotal }>(`/pipelines/${pipelineId}/test_report_summary`, signal), [pipelineId, refresh]);
  return summary.data?.total.count ?? null;
}

function Totals({ t }: { t: { count: number; success: number; failed: number; skipped: number; error: number; time: number } }) {
  const rate = t.count ? Math.floor((t.success / t.count) * 10000) / 100 : 0;
  return (
    <div class="test-totals" data-testid="test-totals">
      <div>
        <strong data-testid="tests-total">{t.count}</strong> tests
      </div>
      <div class="test-failed">
        <strong data-testid="tests-failed">{t.failed}</strong> failures
      </div>
      <div class="test-error">
        <strong data-testid="tests-errors">{t.error}</strong> errors
      </div>
      <div class="test-skipped">
        <strong data-testid="tests-skipped">{t.skipped}</strong> skipped
      </div>
      <div class="test-success">
        <strong data-testid="tests-success">{t.success}</strong> passed ({rate}%)
      </div>
      <div class="muted">{seconds(t.time)}</div>
    </div>
  );
}

export function TestReportView(props: { pipelineId: number; refresh: string }) {
  const report = useAsync((signal) => get<TestReportJson>(`/pipelines/${props.pipelineId}/test_report`, signal), [props.pipelineId, props.refresh]);
  const [open, setOpen] = useState<string | null>(null);
  if (report.error && !report.data) return <ErrorBox error={report.error} />;
  const r = report.data;
  if (!r) return <Loading />;
  if (!r.test_suites.length) return <div class="empty-state" data-testid="tests-empty">No test reports in this pipeline. Upload a junit report with <code>artifacts:reports:junit</code>.</div>;
  return (
    <div class="test-report" data-testid="test-report">
      <Totals t={{ count: r.total_count, success: r.success_count, failed: r.failed_count, skipped: r.skipped_count, error: r.error_count, time: r.total_time }} />
      <div class="table-scroll">
        <table class="table test-suites">
          <thead>
            <tr>
              <th>Suite</th>
              <th>Duration</th>
              <th>Failed</th>
              <th>Errors</th>
              <th>Skipped</th>
              <th>Passed</th>
              <th>Total</th>
            </tr>
          </thead>
          <tbody>
            {r.test_suites.map((s) => (
              <tr key={s.name} class="clickable" data-testid="test-suite-row" onClick={() => setOpen(open === s.name ? null : s.name)}>
                <td>
                  <button class="btn-link" aria-expanded={open === s.name}>
                    {s.name}
                  </button>
                  {s.suite_error ? <div class="test-failed small">{s.suite_error}</div> : null}
                </td>
                <td>{seconds(s.total_time)}</td>
                <td data-testid="suite-failed">{s.failed_count}</td>
                <td data-testid="suite-errors">{s.error_count}</td>
                <td data-testid="suite-skipped">{s.skipped_count}</td>
                <td data-testid="suite-success">{s.success_count}</td>
                <td data-testid="suite-total">{s.total_count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {r.test_suites
        .filter((s) => s.name === open)
        .map((s) => (
          <TestCases suite={s.name} cases={s.test_cases} />
        ))}
    </div>
  );
}

function TestCases({ suite, cases }: { suite: string; cases: TestCaseJson[] }) {
  return (
    <section class="test-cases" data-testid="test-cases">
      <h3>{suite}</h3>
      <ul class="card-list">
        {cases.map((c, i) => (
          <li key={i} class="test-case" data-testid={`test-case-${c.status}`}>
            <div class="row-gap">
              <span class={`test-status test-${c.status}`}>{STATUS_LABEL[c.status]}</span>
              <span class="test-name">{c.name}</span>
              <span class="muted small">{c.classname}</span>
              {c.file ? <code class="small">{c.file}</code> : null}
              <span class="muted small">{seconds(c.execution_time)}</span>
            </div>
            {c.system_output && c.status !== 'success' ? <pre class="test-output" data-testid="test-output">{c.system_output}</pre> : null}
            {c.stack_trace ? <pre class="test-output">{c.stack_trace}</pre> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The job page's summary of its junit report (nothing when the job has none). */
export function JobTestSummary(props: { jobId: number; pipelineId: number; refresh: string }) {
  const s = useAsync((signal) => get<{ total: SummaryTotal | null }>(`/jobs/${props.jobId}/test_report_summary`, signal), [props.jobId, props.refresh]);
  const t = s.data?.total;
  if (!t) return null;
  return (
    <div class="test-summary alert alert-info" data-testid="job-test-summary">
      <strong>Test summary:</strong> {t.count} tests, <span class="test-failed">{t.failed} failed</span>, {t.error} errors, {t.skipped} skipped, {t.success} passed
      {t.suite_error ? <div class="test-failed">{t.suite_error}</div> : null}{' '}
      <Link href={`/pipelines/${props.pipelineId}/tests`}>View the test report</Link>
    </div>
  );
}
