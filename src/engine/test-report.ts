// Unit test reports (`artifacts:reports:junit`), as GitLab shows them: runner-api/ parses an
// uploaded report into TestCases (streaming) and the engine stores them per job; a pipeline's
// report groups the current jobs' cases into one suite per job (GitLab's test_suite_name: the job
// name, or the group name of a `parallel: N` job), counts computed from the cases.
import type { Job, JobTestSummary, StoredTestCase, TestCase, TestCaseStatus, TestCounts } from './model.js';

export type { JobTestSummary, StoredTestCase, TestCase, TestCaseStatus, TestCounts };

export interface TestSuiteReport extends TestCounts {
  name: string;
  jobIds: number[];
  suiteError: string | null;
  /** Only in the full report, not in the summary. */
  testCases?: TestCase[];
}

export interface PipelineTestReport extends TestCounts {
  suiteError: string | null;
  suites: TestSuiteReport[];
}

export const emptyCounts = (): TestCounts => ({ total: 0, success: 0, failed: 0, skipped: 0, error: 0, time: 0 });

export function addCase(counts: TestCounts, c: Pick<TestCase, 'status' | 'executionTime'>): void {
  counts.total += 1;
  counts[c.status] += 1;
  counts.time += c.executionTime;
}

function addCounts(into: TestCounts, from: TestCounts): void {
  into.total += from.total;
  into.success += from.success;
  into.failed += from.failed;
  into.skipped += from.skipped;
  into.error += from.error;
  into.time += from.time;
}

/** GitLab's test suite name of a job: `test 1/3` → `test`; matrix jobs keep their full name. */
export function testSuiteName(jobName: string): string {
  return jobName.replace(/ \d+\/\d+$/, '');
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const STATUS_ORDER: Record<TestCaseStatus, number> = { failed: 0, error: 1, success: 2, skipped: 3 };

/**
 * The pipeline's report from its current jobs' summaries (and cases, for the full report): one
 * suite per test suite name, in job order; cases failed first, then errors, successes, skips.
 */
export function pipelineTestReport(input: { jobs: Pick<Job, 'id' | 'name' | 'retried'>[]; summaries: JobTestSummary[]; cases?: StoredTestCase[] }): PipelineTestReport {
  const byJob = new Map(input.summaries.map((s) => [s.jobId, s]));
  const suites = new Map<string, TestSuiteReport>();
  for (const job of [...input.jobs].sort((a, b) => a.id - b.id)) {
    const summary = byJob.get(job.id);
    if (job.retried || !summary) continue;
    const name = testSuiteName(job.name);
    let suite = suites.get(name);
    if (!suite) {
      suite = { name, ...emptyCounts(), jobIds: [], suiteError: null, ...(input.cases ? { testCases: [] } : {}) };
      suites.set(name, suite);
    }
    suite.jobIds.push(job.id);
    addCounts(suite, summary);
    suite.suiteError ??= summary.suiteError;
  }
  if (input.cases) {
    const suiteOfJob = new Map<number, TestSuiteReport>();
    for (const s of suites.values()) for (const id of s.jobIds) suiteOfJob.set(id, s);
    for (const c of input.cases) {
      const { jobId: _jobId, ...testCase } = c;
      suiteOfJob.get(c.jobId)?.testCases?.push(testCase);
    }
    for (const s of suites.values()) s.testCases?.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.executionTime - a.executionTime);
  }
  const total = emptyCounts();
  for (const s of suites.values()) {
    addCounts(total, s);
    s.time = round2(s.time);
  }
  total.time = round2(total.time);
  const list = [...suites.values()];
  return { ...total, suiteError: list.find((s) => s.suiteError)?.suiteError ?? null, suites: list };
}
