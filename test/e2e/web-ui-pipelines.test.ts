// The web UI as a GitLab user uses it, in Debian's Chromium at 1440×900 and 390×844, against a
// real server (createServer: SQLite, git push over smart HTTP, the built UI) and the built-in
// runner (SDK handlers over the real runner API): sign-in that returns to the page, the Run
// pipeline form, the pipeline list (mini graph, triggerer, live duration, row actions), the
// pipeline's Jobs and Failed jobs tabs, allowed failures in orange, a manual job's page, artifact
// folders and files with their own URLs (Back works), expiry and Keep, not-found pages, and the
// reconnect notice when the server stops and comes back. Screenshots: test-output/ui/web2-*.png.
// Without /usr/bin/chromium the suite is skipped with a message, unless GCD_REQUIRE_BROWSER=1.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner, fail, type Runner as BuiltInRunner } from '../../src/runner/index.js';
import { loadServerConfig } from '../../src/server/config.js';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';

const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  if (process.env.GCD_REQUIRE_BROWSER === '1') throw new Error(`GCD_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  console.warn(`[web-ui-pipelines] SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium), set GCD_REQUIRE_BROWSER=1 to fail instead`);
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shots = path.join(repoRoot, 'test-output', 'ui');
const PROJECT = 'team/app';
const CI = `
stages: [build, test, deploy]
compile:
  stage: build
  script: [compile]
  artifacts:
    paths: [out/]
    expire_in: 3 days
unit:
  stage: test
  script: [unit]
flaky:
  stage: test
  script: [flaky]
  allow_failure: true
exitcodes:
  stage: test
  script: [exitcodes]
  allow_failure:
    exit_codes: [3]
ship:
  stage: deploy
  script: [ship]
  when: manual
`;

const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!haveBrowser)('web UI: pipelines, artifacts, errors (Chromium)', () => {
  let work: string;
  let webRoot: string;
  let server: DispatcherServer;
  let port = 0;
  let url = '';
  let runner: BuiltInRunner;
  let browser: Browser;
  let adminToken = '';
  const pages = new Map<string, Page>();
  /** Pipelines whose `unit` job may finish. */
  const released = new Set<number>();
  const byViewport = new Map<string, number>();

  const start = async () => {
    server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot, port, anonymousRead: true } }), {
      engine: { traceIntervalIdle: 1, traceIntervalWatched: 1 },
    });
    return server;
  };
  const project = async () => (await server.coordinator.read.projectByPath(PROJECT))!;
  const jobsOf = async (pipelineId: number) => (await server.coordinator.read.pipeline(pipelineId))!.jobs.filter((j) => !j.retried);
  const jobOf = async (pipelineId: number, name: string) => (await jobsOf(pipelineId)).find((j) => j.name === name)!;
  const noOverflow = async (page: Page, what: string) => {
    // the page content (not the shared top bar, which the layout work owns) fits the viewport
    // (a string: this file is type-checked without the DOM library)
    const { main, width, wide } = (await page.evaluate(`(() => {
      const w = window.innerWidth;
      const over = [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > w + 0.5).slice(0, 5);
      return { main: document.querySelector('main').scrollWidth, width: w, wide: over.map((e) => e.tagName.toLowerCase() + '.' + e.className).join(', ') };
    })()`)) as { main: number; width: number; wide: string };
    expect(main, `${what}: main is ${main}px wide in a ${width}px viewport (${wide})`).toBeLessThanOrEqual(width);
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'gcd-web2-'));
    await mkdir(shots, { recursive: true });
    webRoot = path.join(work, 'web');
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--outDir', webRoot, '--emptyOutDir', '--logLevel', 'warn'], { cwd: repoRoot });
    await start();
    url = await server.start();
    port = Number(new URL(url).port);
    adminToken = (await server.coordinator.createApiToken('Ada Lovelace', 'admin')).token;

    // The project arrives by git push (the pusher's token becomes the pipeline's user).
    const src = path.join(work, 'src');
    await mkdir(src);
    await writeFile(path.join(src, '.gitlab-ci.yml'), CI);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: src, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('-c', 'user.name=Grace', '-c', 'user.email=g@example.com', 'commit', '-qm', 'Add the CI configuration');
    await promisify(execFile)('git', ['push', '-q', `${url.replace('http://', `http://x:${adminToken}@`)}/${PROJECT}.git`, 'main'], { cwd: src });
    const pushed = await server.coordinator.read.pipelines({ projectId: (await project()).id });
    expect(pushed).toHaveLength(1);
    released.add(pushed[0].id);

    const { token } = await server.coordinator.createRunner({ runUntagged: true, description: 'web2 e2e runner' });
    runner = createRunner({
      url,
      token,
      concurrency: 6,
      pollIntervalMs: 200,
      buildsDir: path.join(work, 'builds'),
      cacheDir: path.join(work, 'cache'),
      description: 'web2',
      trace: { updateIntervalMs: 200, finalIntervalMs: 200 },
      handlers: {
        compile: async (ctx) => {
          ctx.trace.writeln('compiling');
          await mkdir(path.join(ctx.artifactsDir, 'out', 'sub'), { recursive: true });
          await writeFile(path.join(ctx.artifactsDir, 'out', 'hello.txt'), `hello from pipeline ${ctx.variables.CI_PIPELINE_ID}\n`);
          await writeFile(path.join(ctx.artifactsDir, 'out', 'sub', 'deep.txt'), 'deep file\n');
        },
        unit: async (ctx) => {
          const id = Number(ctx.variables.CI_PIPELINE_ID);
          for (let i = 0; i < 1200 && !released.has(id) && !ctx.signal.aborted; i++) {
            if (i % 10 === 0) ctx.trace.writeln(`test ${i} ok`);
            await new Promise((r) => setTimeout(r, 100));
          }
          ctx.trace.writeln('all tests passed');
        },
        flaky: async (ctx) => {
          ctx.trace.writeln('\x1b[31mflaky test failed: expected 1, got 2\x1b[0m');
          return fail('flaky', { exitCode: 1 });
        },
        exitcodes: async (ctx) => {
          ctx.trace.writeln('exiting with 3 (an allowed exit code)');
          return fail('exit 3', { exitCode: 3 });
        },
        ship: async (ctx) => {
          ctx.trace.writeln(`shipping to ${ctx.variables.TARGET ?? 'nowhere'}`);
        },
      },
    });
    runner.start();

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    for (const v of VIEWPORTS) {
      const context = await browser.newContext({ viewport: { width: v.width, height: v.height }, acceptDownloads: true });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      pages.set(v.name, page);
    }
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await runner?.stop({ abort: true });
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  describe.each(VIEWPORTS)('at $width×$height', (v) => {
    const page = () => pages.get(v.name)!;
    const shot = (name: string) => page().screenshot({ path: path.join(shots, `web2-${name}-${v.name}.png`), fullPage: true });

    it('signs in from a page and returns to it', async () => {
      const p = page();
      await p.goto(`${url}/projects/${encodeURIComponent(PROJECT)}`);
      await p.waitForSelector('[data-testid=pipelines] tbody tr');
      await p.click('[data-testid=sign-in-link]');
      await p.waitForSelector('input[name=token]');
      expect(new URL(p.url()).searchParams.get('back')).toBe(`/projects/${encodeURIComponent(PROJECT)}`);
      await p.fill('input[name=token]', adminToken);
      await p.click('button[type=submit]');
      await p.waitForSelector('.who-name');
      await until('the page we came from', () => new URL(p.url()).pathname === `/projects/${encodeURIComponent(PROJECT)}`);
      await p.waitForSelector('[data-testid=pipelines] tbody tr');
    });

    it('starts a pipeline from the Run pipeline form (ref + variables)', async () => {
      const p = page();
      await p.click('[data-testid=run-pipeline-link]');
      await p.waitForSelector('[data-testid=run-pipeline-form]');
      // the form is there before the project is read; its ref is the default branch once it is
      await until('the default branch in the ref field', async () => (await p.inputValue('input[name=ref]')) === 'main', 10_000);
      await noOverflow(p, 'run pipeline form');
      // a ref that does not exist: a clear error, no pipeline
      await p.fill('input[name=ref]', 'no-such-branch');
      await p.click('[data-testid=run-pipeline-submit]');
      await p.waitForSelector('.alert-danger:has-text("no branch or tag")');
      await p.fill('input[name=ref]', 'main');
      await p.locator('[data-testid=var-key]').first().fill('TARGET');
      await p.locator('[data-testid=var-value]').first().fill(`prod-${v.name}`);
      await shot('run-form');
      await p.click('[data-testid=run-pipeline-submit]');
      await until('the new pipeline page', () => /^\/pipelines\/\d+$/.test(new URL(p.url()).pathname));
      const id = Number(new URL(p.url()).pathname.split('/')[2]);
      byViewport.set(v.name, id);
      const created = (await server.coordinator.read.pipeline(id))!.pipeline;
      expect(created.source).toBe('web');
      expect(created.variables).toEqual([{ key: 'TARGET', value: `prod-${v.name}` }]);
      expect(created.commit?.user.login).toBe('Ada Lovelace');
      expect(created.commitMessage).toBe('Add the CI configuration');
      await p.waitForSelector('[data-testid=pipeline-graph]');
    });

    it('lists it with a stage mini graph, its triggerer and a live duration', async () => {
      const p = page();
      const id = byViewport.get(v.name)!;
      await until('unit to run', async () => (await jobOf(id, 'unit')).status === 'running');
      await p.goto(`${url}/projects/${encodeURIComponent(PROJECT)}`);
      const row = p.locator(`tr[data-pipeline="${id}"]`);
      await row.waitFor();
      expect(await row.locator('[data-testid=triggerer]').textContent()).toContain('Ada Lovelace');
      expect(await row.locator('[data-testid=triggerer]').textContent()).toContain('web');
      await p.waitForSelector(`[data-testid="mini-graph-${id}"] [data-testid="stage-${id}-deploy"]`);
      expect(await row.locator('.mini-stage').count()).toBe(3);
      // the duration ticks while it runs (it used to stay at the value of the read, "0s")
      const duration = row.locator(`[data-testid=duration-${id}]`);
      const first = await duration.textContent();
      await until('the duration to tick', async () => (await duration.textContent()) !== first, 5_000);
      expect(await duration.textContent()).not.toBe('0s');
      // the test stage's jobs, from the mini graph
      await p.click(`[data-testid="stage-${id}-test"]`);
      await p.waitForSelector('[data-testid=stage-job-unit]');
      expect(await p.locator('.dropdown-menu .dropdown-item').count()).toBe(3);
      await p.keyboard.press('Escape');
      // the row's cancel action is there while it runs
      expect(await row.locator(`[data-testid=row-cancel-${id}]`).count()).toBe(1);
      await noOverflow(p, 'pipeline list');
      await shot('pipelines-running');
      released.add(id);
      await until('the pipeline to finish', async () => ['success', 'failed'].includes((await server.coordinator.read.pipeline(id))!.pipeline.status));
    });

    it('shows an allowed failure in orange everywhere: list badge, mini graph, graph, tabs, title and favicon', async () => {
      const p = page();
      const id = byViewport.get(v.name)!;
      const flaky = await jobOf(id, 'flaky');
      expect(flaky).toMatchObject({ status: 'failed' });
      expect((await server.coordinator.read.pipeline(id))!.pipeline.status).toBe('success');
      const row = p.locator(`tr[data-pipeline="${id}"]`);
      await until('the list to show the warning', async () => (await row.locator('.ci-badge').getAttribute('data-display')) === 'warning');
      expect(await row.locator(`[data-testid="stage-${id}-test"] .ci-icon`).getAttribute('class')).toContain('ci-warning');
      expect(await row.locator(`[data-testid="stage-${id}-build"] .ci-icon`).getAttribute('class')).toContain('ci-success');
      // retry is offered for failed or canceled pipelines only; artifacts for all
      expect(await row.locator(`[data-testid=row-retry-${id}]`).count()).toBe(0);
      await p.click(`[data-testid=row-artifacts-${id}]`);
      const link = p.locator('[data-testid=row-artifact-compile-archive]');
      await link.waitFor();
      const res = await fetch(url + (await link.getAttribute('href'))!);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toContain('attachment');
      await res.arrayBuffer();
      await shot('pipelines-warning');
      await p.keyboard.press('Escape');

      await p.click(`tr[data-pipeline="${id}"] .ci-badge`);
      await p.waitForSelector('[data-testid=pipeline-graph]');
      expect(await p.locator('.pipeline-head .ci-badge').getAttribute('data-display')).toBe('warning');
      expect(await p.locator('.job-card[data-job-name=flaky] .ci-icon').getAttribute('class')).toContain('ci-warning');
      expect(await p.title()).toContain('warning');
      expect(await p.locator('link[rel=icon]').getAttribute('data-status')).toBe('warning');
      // allow_failure: exit_codes [3] and the job exited 3: an allowed failure too, once the API reports it so
      const exitcodes = await jobOf(id, 'exitcodes');
      expect(exitcodes).toMatchObject({ status: 'failed', exitCode: 3 });
      const api = (await (await fetch(`${url}/api/ui/pipelines/${id}`)).json()) as { jobs: { name: string; allowFailure: boolean }[] };
      const exitAllowed = api.jobs.find((j) => j.name === 'exitcodes')!.allowFailure;
      expect(await p.locator('.job-card[data-job-name=exitcodes] .ci-icon').getAttribute('class')).toContain(exitAllowed ? 'ci-warning' : 'ci-failed');

      // Jobs tab: its own URL, every job; Failed jobs: the failures with their log's end
      await p.click('[data-testid=tab-jobs]');
      await until('the jobs URL', () => new URL(p.url()).pathname === `/pipelines/${id}/jobs`);
      await p.waitForSelector('[data-testid=jobs-table] tr[data-job=ship]');
      expect(await p.locator('[data-testid=jobs-table] tbody tr').count()).toBe(5);
      expect(await p.locator('[data-testid=jobs-table] tr[data-job=flaky] .ci-badge').getAttribute('data-display')).toBe('warning');
      await noOverflow(p, 'jobs tab');
      await p.click('[data-testid=tab-failures]');
      await until('the failures URL', () => new URL(p.url()).pathname === `/pipelines/${id}/failures`);
      await p.waitForSelector(`[data-testid=log-tail-${flaky.id}]`);
      expect(await p.textContent(`[data-testid=log-tail-${flaky.id}]`)).toContain('flaky test failed: expected 1, got 2');
      expect(await p.textContent(`[data-testid=log-tail-${flaky.id}]`)).not.toContain('\x1b[');
      expect(await p.locator('[data-testid=failed-jobs] tr[data-job]').count()).toBe(2);
      await shot('failed-jobs');
      await p.goBack();
      await until('back on the jobs tab', () => new URL(p.url()).pathname === `/pipelines/${id}/jobs`);
      await p.waitForSelector('[data-testid=jobs-table]');
      // the job's own page: orange badge, reason, title and favicon
      await p.click('[data-testid=jobs-table] tr[data-job=flaky] a.strong');
      await p.waitForSelector('[data-testid=job-title]:has-text("flaky")');
      expect(await p.locator('.page-head .ci-badge').getAttribute('data-display')).toBe('warning');
      expect(await p.locator('[data-testid=failure-reason]').getAttribute('class')).toBe('warning-text');
      expect(await p.title()).toContain('warning');
      expect(await p.locator('link[rel=icon]').getAttribute('data-status')).toBe('warning');
    });

    it("explains a manual job and plays it with a variable", async () => {
      const p = page();
      const id = byViewport.get(v.name)!;
      const ship = await jobOf(id, 'ship');
      expect(ship.status).toBe('manual');
      await p.goto(`${url}/jobs/${ship.id}`);
      await p.waitForSelector('[data-testid=manual-job]');
      expect(await p.textContent('[data-testid=manual-job]')).toContain('This job requires a manual action');
      expect(await p.locator('[data-testid=job-log]').count()).toBe(0);
      await noOverflow(p, 'manual job');
      await shot('manual-job');
      await p.locator('[data-testid=play-var-key]').first().fill('TARGET');
      await p.locator('[data-testid=play-var-value]').first().fill(`moon-${v.name}`);
      await p.click('[data-testid=job-play]');
      await until('ship to pass', async () => (await jobOf(id, 'ship')).status === 'success');
      await p.waitForSelector(`.log-line:has-text("shipping to moon-${v.name}")`);
    });

    it('gives every artifact folder and file its own URL, and Back walks them; expiry with Keep', async () => {
      const p = page();
      const id = byViewport.get(v.name)!;
      const compile = await jobOf(id, 'compile');
      await p.goto(`${url}/jobs/${compile.id}`);
      await p.waitForSelector('[data-testid=job-log]');
      await p.click('[data-testid=tab-artifacts]');
      await until('the artifacts URL', () => new URL(p.url()).pathname === `/jobs/${compile.id}/artifacts`);
      await p.waitForSelector('[data-testid=zip-listing]');
      expect(await p.textContent('[data-testid=artifact-expiry]')).toMatch(/will be removed in (3 days|7\d hours)/);
      await p.click('[data-testid="dir-out/"]');
      await until('the folder URL', () => new URL(p.url()).pathname === `/jobs/${compile.id}/artifacts/browse/out/`);
      await p.waitForSelector('[data-testid="entry-out/hello.txt"]');
      // rows (.., sub/, hello.txt) are separated by one line each, the folder rows too (they used to lose theirs)
      const cells = (await p.evaluate(`[...document.querySelectorAll('[data-testid=zip-listing] tr:not(:last-child) td')].map((td) => [getComputedStyle(td).display, getComputedStyle(td).borderBottomWidth])`)) as string[][];
      expect(cells.length).toBeGreaterThanOrEqual(2);
      for (const c of cells) expect(c).toEqual(['table-cell', '1px']);
      await p.click('[data-testid="dir-out/sub/"]');
      await until('the subfolder URL', () => new URL(p.url()).pathname === `/jobs/${compile.id}/artifacts/browse/out/sub/`);
      await p.click('[data-testid="entry-out/sub/deep.txt"]');
      await until('the file URL', () => new URL(p.url()).pathname === `/jobs/${compile.id}/artifacts/file/out/sub/deep.txt`);
      await expect(p.locator('[data-testid=file-preview]').textContent()).resolves.toBe('deep file\n');
      await noOverflow(p, 'artifact file');
      await shot('artifact-file');
      await p.goBack();
      await until('back in out/sub/', () => new URL(p.url()).pathname === `/jobs/${compile.id}/artifacts/browse/out/sub/`);
      await p.waitForSelector('[data-testid="entry-out/sub/deep.txt"]');
      expect(await p.locator('[data-testid=file-preview]').count()).toBe(0);
      await p.goBack();
      await until('back in out/', () => new URL(p.url()).pathname === `/jobs/${compile.id}/artifacts/browse/out/`);
      await p.waitForSelector('[data-testid="entry-out/hello.txt"]');
      await p.goBack();
      await until('back at the list', () => new URL(p.url()).pathname === `/jobs/${compile.id}/artifacts`);
      await p.goBack();
      await until('back at the log', () => new URL(p.url()).pathname === `/jobs/${compile.id}`);
      await p.waitForSelector('[data-testid=job-log]');
      // a file's URL opened directly (a shared link)
      await p.goto(`${url}/jobs/${compile.id}/artifacts/file/out/hello.txt`);
      await expect(p.locator('[data-testid=file-preview]').textContent()).resolves.toBe(`hello from pipeline ${id}\n`);
      await p.goto(`${url}/jobs/${compile.id}/artifacts/file/out/missing.txt`);
      await p.waitForSelector('[data-testid=artifact-missing]');
      // Keep: the expiry goes
      await p.goto(`${url}/jobs/${compile.id}/artifacts`);
      await p.click('[data-testid=artifacts-keep]');
      await p.waitForSelector('[data-testid=artifacts-kept]');
      expect((await server.coordinator.read.artifacts(compile.id)).map((a) => a.expireAt)).toEqual([null]);
      await shot('artifacts-kept');
    });

    it("cancels and retries a pipeline from its row in the list", async () => {
      const p = page();
      const sha = (await server.repos.resolve(PROJECT, 'refs/heads/main'))!;
      const made = await server.createPipelineFor({ project: await project(), ref: 'main', isTag: false, sha, source: 'api' });
      const id = made.detail!.pipeline.id;
      const status = async () => (await server.coordinator.read.pipeline(id))!.pipeline.status;
      await until('unit to run', async () => (await jobOf(id, 'unit')).status === 'running');
      await p.goto(`${url}/projects/${encodeURIComponent(PROJECT)}`);
      await p.click(`[data-testid=row-cancel-${id}]`);
      await until('the pipeline to be canceled', async () => (await status()) === 'canceled');
      await p.waitForSelector(`tr[data-pipeline="${id}"] .ci-badge[data-status=canceled]`);
      released.add(id);
      await p.click(`[data-testid=row-retry-${id}]`);
      await until('the retried pipeline to pass', async () => (await status()) === 'success');
      await p.waitForSelector(`tr[data-pipeline="${id}"] .ci-badge[data-display=warning]`);
      expect(await p.locator(`[data-testid=row-retry-${id}]`).count()).toBe(0);
    });

    it('answers unknown pipelines, jobs and pages with a not-found page and a way back', async () => {
      const p = page();
      for (const [where, text] of [
        ['/pipelines/9999', 'Pipeline #9999 not found'],
        ['/jobs/9999', 'Job #9999 not found'],
        ['/jobs/9999/artifacts/browse/x/', 'Job #9999 not found'],
        ['/no/such/page', 'Page not found'],
      ] as const) {
        await p.goto(`${url}${where}`);
        await p.waitForSelector('[data-testid=not-found]');
        expect(await p.textContent('[data-testid=not-found] h1')).toBe(text);
        await noOverflow(p, `not found ${where}`);
      }
      await shot('not-found');
      await p.click('[data-testid=not-found] a:has-text("Back to projects")');
      await until('the projects page', () => new URL(p.url()).pathname === '/');
      await p.waitForSelector(`.card-row:has-text("${PROJECT}")`);
    });
  });

  it('shows a notice when the server goes away, reconnects by itself and re-reads what changed meanwhile', async () => {
    const list = `${url}/projects/${encodeURIComponent(PROJECT)}`;
    for (const p of pages.values()) {
      await p.goto(list);
      await p.waitForSelector('[data-testid=pipelines] tbody tr');
    }
    const before = (await server.coordinator.read.pipelines({ projectId: (await project()).id })).length;
    await server.close();
    for (const p of pages.values()) await p.waitForSelector('[data-testid=connection-notice][data-state=offline]', { timeout: 15_000 });
    for (const [name, p] of pages) await p.screenshot({ path: path.join(shots, `web2-offline-${name}.png`) });
    // Back on the same port, with a pipeline created while the UI could not hear of it.
    await start();
    const proj = await project();
    const sha = (await server.repos.resolve(PROJECT, 'refs/heads/main'))!;
    const made = await server.createPipelineFor({ project: proj, ref: 'main', isTag: false, sha, source: 'api' });
    const newId = made.detail!.pipeline.id;
    released.add(newId);
    const seen = [...pages.values()].map((p) => p.waitForSelector('[data-testid=connection-notice][data-state=reconnected]', { timeout: 15_000 }));
    await server.start();
    await Promise.all(seen);
    for (const p of pages.values()) {
      // "Reconnected" shows for a few seconds, then goes; the new pipeline is there either way
      await p.waitForSelector(`tr[data-pipeline="${newId}"]`, { timeout: 15_000 });
      expect(await p.locator('[data-testid=pipelines] tbody tr').count()).toBe(before + 1);
      await until('the notice to go', async () => (await p.locator('[data-testid=connection-notice]').count()) === 0, 10_000);
    }
  });
});
