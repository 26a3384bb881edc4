// The Tests tab in Chromium (issue 18 point 6): a pipeline whose jobs upload junit reports through
// the built-in runner (gzip, as gitlab-runner does) shows the right counts per suite and in total,
// failures first with their message and output (masked values hidden), a summary on the job page,
// and no horizontal overflow at 390 px. Without /usr/bin/chromium it is skipped with a message,
// unless GCD_REQUIRE_BROWSER=1.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanArtifacts } from '../ci/plan.js';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import { createRunner, fail, type Runner as BuiltInRunner } from '../runner/index.js';
import { createApiHarness, type ApiHarness } from './test-support/api-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  if (process.env.GCD_REQUIRE_BROWSER === '1') throw new Error(`GCD_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing`);
  console.warn(`[test-report.ui.e2e] SKIPPED: ${CHROMIUM} not found, set GCD_REQUIRE_BROWSER=1 to fail instead`);
}
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'sup3r-secret-token-value';

const junit: PlanArtifacts = { name: null, paths: [], exclude: [], untracked: false, when: 'always', expireIn: null, exposeAs: null, reports: { junit: ['report.xml'] } };

const UNIT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="unit" tests="6">
  <testcase classname="calc" name="adds" time="0.5"/>
  <testcase classname="calc" name="subtracts" time="0.25"/>
  <testcase classname="calc" name="multiplies" time="0.25"/>
  <testcase classname="calc" name="divides" file="test/div.test.js" time="1.5"><failure message="expected 2 to equal 3">AssertionError at div.test.js:7</failure><system-out>token=${SECRET}</system-out></testcase>
  <testcase classname="calc" name="rounds" time="0.1"><failure message="off by one"/></testcase>
  <testcase classname="calc" name="powers"><skipped message="not yet"/></testcase>
</testsuite></testsuites>`;
const LINT_XML = `<testsuite name="lint"><testcase classname="style" name="indent"/><testcase classname="style" name="parses"><error message="SyntaxError">unexpected token</error></testcase></testsuite>`;

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!haveBrowser)('Tests tab in Chromium', () => {
  let h: ApiHarness;
  let dir: string;
  let browser: Browser;
  let page: Page;
  let runner: BuiltInRunner;
  let pipelineId: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-tests-ui-'));
    const webRoot = path.join(dir, 'web');
    await promisify(execFile)(process.execPath, [path.join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--outDir', webRoot, '--emptyOutDir', '--logLevel', 'warn'], { cwd: repo });
    h = await createApiHarness({ runnerApi: true, webRoot, anonymousRead: true });
    await h.coordinator.setVariable({ projectId: null, key: 'API_TOKEN', value: SECRET, masked: true, protected: false, file: false, raw: false });
    const { token } = await h.coordinator.createRunner({ runUntagged: true, description: 'tests-tab runner' });
    runner = createRunner({
      url: h.url,
      token,
      concurrency: 2,
      pollIntervalMs: 200,
      buildsDir: path.join(dir, 'builds'),
      cacheDir: path.join(dir, 'cache'),
      description: 'tests-tab',
      handlers: {
        unit: async (ctx) => {
          await writeFile(path.join(ctx.artifactsDir, 'report.xml'), UNIT_XML);
          return fail('2 tests failed', { exitCode: 1 });
        },
        lint: async (ctx) => {
          await writeFile(path.join(ctx.artifactsDir, 'report.xml'), LINT_XML);
        },
      },
    });
    runner.start();
    const plan = planOf(['test'], [planJob('unit', { artifacts: junit }), planJob('lint', { artifacts: junit })]);
    const d = await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha: 'a'.repeat(40), source: 'push', plan, commitMessage: 'tests' });
    pipelineId = d.pipeline.id;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await (await browser.newContext({ viewport: { width: 1360, height: 860 } })).newPage();
    page.setDefaultTimeout(20_000);
    await until('the pipeline to finish', async () => (await h.coordinator.read.pipeline(pipelineId))!.pipeline.status === 'failed');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await runner?.stop({ abort: true });
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const text = async (testId: string) => (await page.getByTestId(testId).first().textContent())?.trim();

  it('shows the counts, one row per suite, failures first with their output, masked', async () => {
    await page.goto(`${h.url}/pipelines/${pipelineId}`);
    await page.waitForSelector('[data-testid=pipeline-graph]');
    await until('the tab count', async () => (await text('tests-count')) === '8');
    await page.getByTestId('tab-tests').click();
    await page.waitForSelector('[data-testid=test-report]');
    expect(await text('tests-total')).toBe('8');
    expect(await text('tests-failed')).toBe('2');
    expect(await text('tests-errors')).toBe('1');
    expect(await text('tests-skipped')).toBe('1');
    expect(await text('tests-success')).toBe('4');
    const rows = page.getByTestId('test-suite-row');
    expect(await rows.count()).toBe(2);
    const cells = async (i: number) =>
      Promise.all(['suite-failed', 'suite-errors', 'suite-skipped', 'suite-success', 'suite-total'].map(async (t) => (await rows.nth(i).getByTestId(t).textContent())?.trim()));
    expect(await rows.nth(0).locator('button').textContent()).toBe('unit');
    expect(await cells(0)).toEqual(['2', '0', '1', '3', '6']);
    expect(await cells(1)).toEqual(['0', '1', '0', '1', '2']);
    await rows.nth(0).click();
    await page.waitForSelector('[data-testid=test-cases]');
    const statuses = await page.locator('[data-testid=test-cases] .test-case').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(statuses).toEqual(['test-case-failed', 'test-case-failed', 'test-case-success', 'test-case-success', 'test-case-success', 'test-case-skipped']);
    const output = await page.getByTestId('test-output').first().textContent();
    expect(output).toContain('expected 2 to equal 3');
    expect(output).toContain('AssertionError at div.test.js:7');
    expect(output).toContain('token=[MASKED]');
    expect(await page.content()).not.toContain(SECRET);
    // the tab is in the URL: a reload stays on it
    expect(new URL(page.url()).pathname).toBe(`/pipelines/${pipelineId}/tests`);
    await page.reload();
    await page.waitForSelector('[data-testid=test-report]');
  });

  // The page frame itself is too wide on phones today (issue 18 point 7, another change): this
  // checks that the report's own content wraps inside its box rather than widening it.
  it('wraps inside its box on a 390 px phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${h.url}/pipelines/${pipelineId}?tab=tests`);
    await page.waitForSelector('[data-testid=test-report]');
    await page.getByTestId('test-suite-row').first().click();
    await page.waitForSelector('[data-testid=test-cases]');
    const overflow = await page.locator('[data-testid=test-report], [data-testid=test-cases], .test-totals').evaluateAll((els) => els.map((e) => e.scrollWidth - e.clientWidth));
    expect(overflow.length).toBeGreaterThan(2);
    expect(Math.max(...overflow)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1360, height: 860 });
  });

  it('shows the summary on the job page, linking to the Tests tab', async () => {
    const unit = (await h.coordinator.read.pipeline(pipelineId))!.jobs.find((j) => j.name === 'unit')!;
    await page.goto(`${h.url}/jobs/${unit.id}`);
    const summary = page.getByTestId('job-test-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toContain('6 tests, 2 failed, 0 errors, 1 skipped, 3 passed');
    await summary.locator('a').click();
    await page.waitForSelector('[data-testid=test-report]');
  });
});
