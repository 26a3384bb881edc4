// End to end: Debian's Chromium (driven by playwright-core) against a real server — the UI API,
// the runner API v4 and the built UI on 127.0.0.1 — running a real pipeline with the built-in
// runner (SDK handlers, over the real runner protocol). Screenshots go to test-output/ui/.
// Without /usr/bin/chromium the suite is skipped with a message, unless GCD_REQUIRE_BROWSER=1.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, need, planOf } from '../engine/test-support/plan-builder.js';
import type { PlanArtifacts } from '../ci/plan.js';
import { createRunner, fail, type Runner as BuiltInRunner } from '../runner/index.js';
import { createApiHarness, type ApiHarness } from './test-support/api-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  if (process.env.GCD_REQUIRE_BROWSER === '1') throw new Error(`GCD_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  console.warn(`[ui.e2e] SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium), set GCD_REQUIRE_BROWSER=1 to fail instead`);
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shots = path.join(repo, 'test-output', 'ui');
const SECRET = 'hunter2-very-secret';

const artifactsOf = (paths: string[]): PlanArtifacts => ({ name: null, paths, exclude: [], untracked: false, when: 'on_success', expireIn: null, exposeAs: null, reports: {} });

/** Resolves when `check` returns true, polling every 100 ms, up to `ms`. */
async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!haveBrowser)('web UI in Chromium', () => {
  let h: ApiHarness;
  let dir: string;
  let browser: Browser;
  let page: Page;
  let runner: BuiltInRunner;
  let pipelineId: number;
  let releaseUnit = false;
  let lintAttempts = 0;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-ui-'));
    await mkdir(shots, { recursive: true });
    // Build the UI as shipped (vite), into a temporary directory.
    const webRoot = path.join(dir, 'web');
    await promisify(execFile)(process.execPath, [path.join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--outDir', webRoot, '--emptyOutDir', '--logLevel', 'warn'], { cwd: repo });
    h = await createApiHarness({ runnerApi: true, webRoot, anonymousRead: true, engine: { traceIntervalIdle: 1, traceIntervalWatched: 1 } });
    await h.coordinator.setVariable({ projectId: null, key: 'DEPLOY_PASSWORD', value: SECRET, masked: true, protected: false, file: false, raw: false });

    const { token } = await h.coordinator.createRunner({ runUntagged: true, description: 'built-in e2e runner' });
    runner = createRunner({
      url: h.url,
      token,
      concurrency: 5,
      pollIntervalMs: 200,
      buildsDir: path.join(dir, 'builds'),
      cacheDir: path.join(dir, 'cache'),
      description: 'e2e',
      trace: { updateIntervalMs: 200, finalIntervalMs: 200 },
      handlers: {
        compile: async (ctx) => {
          ctx.trace.writeln('\x1b[36;1mCompiling the project\x1b[0;m');
          ctx.trace.write(`section_start:${Math.floor(Date.now() / 1000)}:build_step\r\x1b[0K\x1b[1mBuild step\x1b[0m\n`);
          for (let i = 1; i <= 5; i++) ctx.trace.writeln(`\x1b[32mcompiled module ${i}\x1b[0m`);
          ctx.trace.write(`section_end:${Math.floor(Date.now() / 1000) + 2}:build_step\r\x1b[0K`);
          ctx.trace.write(`section_start:${Math.floor(Date.now() / 1000)}:details[collapsed=true]\r\x1b[0KDetails\n`);
          ctx.trace.writeln('hidden detail line');
          ctx.trace.write(`section_end:${Math.floor(Date.now() / 1000)}:details\r\x1b[0K`);
          ctx.trace.writeln('progress 10%\rprogress 100%');
          ctx.trace.writeln(`deploying with password ${ctx.variables.DEPLOY_PASSWORD}`);
          await mkdir(path.join(ctx.artifactsDir, 'out'), { recursive: true });
          await writeFile(path.join(ctx.artifactsDir, 'out', 'hello.txt'), 'hello from compile\n');
          await writeFile(path.join(ctx.artifactsDir, 'out', 'data.bin'), Buffer.from([0, 1, 2, 3, 254, 255]));
        },
        unit: async (ctx) => {
          for (let i = 1; i <= 600 && !releaseUnit && !ctx.signal.aborted; i++) {
            ctx.trace.writeln(`test ${i} ok`);
            await new Promise((r) => setTimeout(r, 100));
          }
          ctx.trace.writeln('all tests passed');
        },
        lint: async (ctx) => {
          lintAttempts++;
          ctx.trace.writeln(`lint attempt ${lintAttempts}`);
          if (lintAttempts === 1) return fail('lint errors', { exitCode: 2 });
        },
        slow: async (ctx) => {
          // Writes a line now and then, as a real job does: each trace PATCH is a chance for the
          // coordinator to say "canceling".
          for (let i = 0; i < 300 && !ctx.signal.aborted; i++) {
            ctx.trace.writeln(`still working ${i}`);
            await new Promise((r) => setTimeout(r, 200));
          }
          if (ctx.signal.aborted) return fail('canceled');
        },
        big: async (ctx) => {
          for (let i = 1; i <= 20_000; i++) ctx.trace.writeln(`2024-05-01T10:00:00.${String(i % 1_000_000).padStart(6, '0')}Z 00O \x1b[33mline ${i}\x1b[0m of a long log`);
        },
        ship: async (ctx) => {
          ctx.trace.writeln(`shipping to ${ctx.variables.TARGET ?? 'nowhere'}`);
        },
      },
    });
    runner.start();

    const plan = planOf(
      ['build', 'test', 'deploy'],
      [
        planJob('compile', { stage: 'build', artifacts: artifactsOf(['out/']) }),
        planJob('unit', { stage: 'test', needs: [need('compile')] }),
        planJob('lint', { stage: 'test', needs: [] }),
        planJob('slow', { stage: 'test', needs: [need('compile', { artifacts: false })] }),
        planJob('ship', { stage: 'deploy', when: 'manual', allowFailure: true, needs: [] }),
        planJob('big', { stage: 'build' }),
      ],
    );
    const d = await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha: 'e2e0'.padEnd(40, '0'), source: 'push', plan, commitMessage: 'Add the web UI' });
    pipelineId = d.pipeline.id;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await runner?.stop({ abort: true });
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const jobId = async (name: string) => {
    const d = await h.coordinator.read.pipeline(pipelineId);
    return d!.jobs.filter((j) => j.name === name && !j.retried)[0].id;
  };
  const status = async (name: string) => {
    const d = await h.coordinator.read.pipeline(pipelineId);
    return d!.jobs.filter((j) => j.name === name && !j.retried)[0]?.status;
  };
  const card = (name: string) => page.locator(`.job-card[data-job-name="${name}"]`);

  it('signs in with a token', async () => {
    await page.goto(`${h.url}/sign-in`);
    await page.fill('input[name=token]', h.adminToken);
    await page.click('button[type=submit]');
    await page.waitForSelector('.who-name');
    expect(await page.textContent('.who-name')).toContain('admin');
  });

  it('shows the pipeline graph with every job, its status and the needs links', async () => {
    await page.goto(`${h.url}/pipelines/${pipelineId}`);
    await page.waitForSelector('[data-testid=pipeline-graph]');
    await until('compile to succeed', async () => (await status('compile')) === 'success');
    await until('the graph to show compile passed', async () => (await card('compile').getAttribute('data-status')) === 'success');
    for (const name of ['compile', 'unit', 'lint', 'slow', 'ship']) await expect(card(name).count()).resolves.toBe(1);
    await expect(page.locator('.stage').evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')))).resolves.toEqual(['build', 'test', 'deploy']);
    await page.waitForSelector('svg.graph-links path[data-from="compile"][data-to="unit"]', { state: 'attached' });
    await page.waitForSelector('svg.graph-links path[data-from="compile"][data-to="slow"]', { state: 'attached' });
    expect(await page.locator('svg.graph-links path[data-to="lint"]').count()).toBe(0);
    // Every card shows the status the server has.
    await until('lint to fail', async () => (await status('lint')) === 'failed');
    await until('the graph to catch up', async () => {
      const d = await h.coordinator.read.pipeline(pipelineId);
      for (const j of d!.jobs.filter((x) => !x.retried)) if ((await card(j.name).getAttribute('data-status')) !== j.status) return false;
      return true;
    });
    expect(await card('ship').getAttribute('data-status')).toBe('manual');
    await page.screenshot({ path: path.join(shots, 'pipeline.png'), fullPage: true });
  });

  it('shows the log growing while the job runs', async () => {
    await until('unit to run', async () => (await status('unit')) === 'running');
    await page.goto(`${h.url}/jobs/${await jobId('unit')}`);
    const log = page.locator('[data-testid=job-log]');
    await until('log lines', async () => Number(await log.getAttribute('data-lines')) > 3);
    const before = Number(await log.getAttribute('data-lines'));
    await until('more log lines', async () => Number(await log.getAttribute('data-lines')) > before + 5);
    releaseUnit = true;
    await until('unit to finish', async () => (await status('unit')) === 'success');
    await page.waitForSelector('.ci-badge[data-status=success]');
    await page.waitForSelector('.log-line:has-text("all tests passed")');
    await page.screenshot({ path: path.join(shots, 'job-log.png') });
  });

  it('folds and unfolds a section, and honours collapsed', async () => {
    await page.goto(`${h.url}/jobs/${await jobId('compile')}`);
    const header = page.locator('.log-section-header[data-section=build_step]');
    await header.waitFor();
    expect(await header.getAttribute('aria-expanded')).toBe('true');
    await page.waitForSelector('.log-line:has-text("compiled module 3")');
    expect(await page.locator('.log-section-header[data-section=build_step] .log-duration').textContent()).toBe('00:02');
    // collapsed=true starts folded
    expect(await page.locator('.log-section-header[data-section=details]').getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('.log-line:has-text("hidden detail line")').count()).toBe(0);
    await header.click();
    await until('the section to fold', async () => (await header.getAttribute('aria-expanded')) === 'false');
    await until('its lines to hide', async () => (await page.locator('.log-line:has-text("compiled module 3")').count()) === 0);
    await header.click();
    await page.waitForSelector('.log-line:has-text("compiled module 3")');
    // \r progress lines show their last state; ANSI colours become classes.
    expect(await page.locator('.log-line:has-text("progress 100%")').count()).toBe(1);
    expect(await page.locator('.log-line:has-text("progress 10%")').count()).toBe(0);
    expect(await page.locator('.log-line .f2:has-text("compiled module 1")').count()).toBe(1);
    // The masked variable's value never reaches the page.
    await page.waitForSelector('.log-line:has-text("deploying with password")');
    expect(await page.content()).not.toContain(SECRET);
    expect(await page.locator('.log-line:has-text("[MASKED]")').count()).toBe(1);
    await page.screenshot({ path: path.join(shots, 'job-sections.png') });
  });

  it('renders only the visible part of a large log', async () => {
    await until('big to finish', async () => (await status('big')) === 'success');
    await page.goto(`${h.url}/jobs/${await jobId('big')}`);
    const log = page.locator('[data-testid=job-log]');
    // Over 1 MiB: the tail is loaded first, the rest on request. A finished log opens at the top.
    await until('the tail', async () => Number(await log.getAttribute('data-lines')) > 1000);
    await page.click('[data-testid=log-bottom]');
    await page.waitForSelector('.log-line:has-text("line 20000 of a long log")');
    expect(Number(await log.getAttribute('data-lines'))).toBeLessThan(20_000);
    await page.click('text=Load the complete log');
    await until('the whole log', async () => Number(await log.getAttribute('data-lines')) >= 20_000);
    await page.click('[data-testid=log-bottom]');
    await page.waitForSelector('.log-line:has-text("line 20000 of a long log")');
    expect(await page.locator('.log-line').count()).toBeLessThan(300);
    // Runner timestamps are split off and shown dimmed, or hidden on request.
    expect(await page.locator('.log-line:has-text("line 20000 ") .log-time').textContent()).toBe('10:00:00');
    expect(await page.locator('.log-line:has-text("00O")').count()).toBe(0);
    await log.evaluate((el) => (el.scrollTop = 0));
    await page.waitForSelector('.log-line[data-line="1"]:has-text("Running with")');
    await page.screenshot({ path: path.join(shots, 'job-large-log.png') });
    await page.selectOption('.log-toolbar select', 'hide');
    await until('timestamps to hide', async () => (await page.locator('.log-time').count()) === 0);
    await page.selectOption('.log-toolbar select', 'dim');
  });

  it('browses artifacts and downloads a file with the right bytes', async () => {
    await page.goto(`${h.url}/jobs/${await jobId('compile')}`);
    await page.click('[data-testid=tab-artifacts]');
    await page.waitForSelector('[data-testid=zip-listing]');
    await page.click('text=out/');
    await page.click('[data-testid="entry-out/hello.txt"]');
    await expect(page.locator('[data-testid=file-preview]').textContent()).resolves.toBe('hello from compile\n');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="download-entry-out/data.bin"]')]);
    const file = await download.path();
    expect([...(await readFile(file))]).toEqual([0, 1, 2, 3, 254, 255]);
    await page.screenshot({ path: path.join(shots, 'artifacts.png') });
  });

  it('cancels a running job and retries a failed one', async () => {
    await until('slow to run', async () => (await status('slow')) === 'running');
    await page.goto(`${h.url}/pipelines/${pipelineId}`);
    await page.click('[data-testid=cancel-slow]');
    await until('slow to be canceled', async () => (await status('slow')) === 'canceled');
    await until('slow canceled in the graph', async () => (await card('slow').getAttribute('data-status')) === 'canceled');
    expect(await status('lint')).toBe('failed');
    await page.click('[data-testid=retry-lint]');
    await until('lint retried and passed', async () => (await status('lint')) === 'success');
    await until('lint passed in the graph', async () => (await card('lint').getAttribute('data-status')) === 'success');
    expect(lintAttempts).toBe(2);
    await page.click('[data-testid=play-ship]');
    await until('ship to run and pass', async () => (await status('ship')) === 'success');
    await until('ship passed in the graph', async () => (await card('ship').getAttribute('data-status')) === 'success');
    await page.screenshot({ path: path.join(shots, 'pipeline-after-actions.png'), fullPage: true });
  });

  it('lists projects, pipelines, runners and admin variables without masked values', async () => {
    await page.goto(`${h.url}/`);
    await page.waitForSelector('.card-row:has-text("group/demo")');
    await page.screenshot({ path: path.join(shots, 'projects.png') });
    await page.goto(`${h.url}/projects/${h.project.id}`);
    await page.waitForSelector('[data-testid=pipelines] tbody tr');
    await page.screenshot({ path: path.join(shots, 'pipelines.png') });
    await page.goto(`${h.url}/runners`);
    await page.waitForSelector('[data-testid=runners] tbody tr');
    expect(await page.textContent('[data-testid=runners]')).toContain('online');
    await page.screenshot({ path: path.join(shots, 'runners.png') });
    await page.goto(`${h.url}/admin`);
    await page.waitForSelector('[data-testid=variables] tr[data-variable=DEPLOY_PASSWORD]');
    expect(await page.content()).not.toContain(SECRET);
    await page.screenshot({ path: path.join(shots, 'admin.png'), fullPage: true });
  });
});
