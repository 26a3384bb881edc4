// GitLab's JSON for test reports (API v4 `…/pipelines/:id/test_report` and `test_report_summary`),
// used by rest/ and by the UI API alike. `mask` hides masked CI/CD variable values in the output
// a test printed (the runner masks the log, not the report).
import type { PipelineTestReport, TestCase, TestSuiteReport } from './test-report.js';

export interface GitlabTestCase {
  status: TestCase['status'];
  name: string;
  classname: string;
  file: string | null;
  execution_time: number;
  system_output: string | null;
  stack_trace: string | null;
  attachment_url: null;
  recent_failures: null;
}

export interface GitlabTestSuite {
  name: string;
  total_time: number;
  total_count: number;
  success_count: number;
  failed_count: number;
  skipped_count: number;
  error_count: number;
  suite_error: string | null;
  test_cases: GitlabTestCase[];
}

export interface GitlabTestReport {
  total_time: number;
  total_count: number;
  success_count: number;
  failed_count: number;
  skipped_count: number;
  error_count: number;
  test_suites: GitlabTestSuite[];
}

export interface GitlabTestReportSummary {
  total: { time: number; count: number; success: number; failed: number; skipped: number; error: number; suite_error: string | null };
  test_suites: (Omit<GitlabTestSuite, 'test_cases'> & { build_ids: number[] })[];
}

type Mask = (text: string) => string;
const keep: Mask = (t) => t;

function counts(s: Pick<TestSuiteReport, 'time' | 'total' | 'success' | 'failed' | 'skipped' | 'error'>) {
  return { total_time: s.time, total_count: s.total, success_count: s.success, failed_count: s.failed, skipped_count: s.skipped, error_count: s.error };
}

export function gitlabTestReport(report: PipelineTestReport, mask: Mask = keep): GitlabTestReport {
  return {
    ...counts(report),
    test_suites: report.suites.map((s) => ({
      name: s.name,
      ...counts(s),
      suite_error: s.suiteError,
      test_cases: (s.testCases ?? []).map((c) => ({
        status: c.status,
        name: c.name,
        classname: c.classname,
        file: c.file,
        execution_time: c.executionTime,
        system_output: c.systemOutput === null ? null : mask(c.systemOutput),
        stack_trace: c.stackTrace === null ? null : mask(c.stackTrace),
        attachment_url: null,
        recent_failures: null,
      })),
    })),
  };
}

export function gitlabTestReportSummary(report: PipelineTestReport): GitlabTestReportSummary {
  return {
    total: { time: report.time, count: report.total, success: report.success, failed: report.failed, skipped: report.skipped, error: report.error, suite_error: report.suiteError },
    test_suites: report.suites.map((s) => ({ name: s.name, ...counts(s), build_ids: s.jobIds, suite_error: s.suiteError })),
  };
}
