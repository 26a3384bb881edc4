// `run --keep` gives its own user a UI where actions work: the sign-in link printed when the
// pipeline starts signs Chromium in as admin of this run (once), a failed job is retried from the
// pipeline graph, and the built-in runner that `--keep` kept runs it again, to success. The link
// does not work twice; without it the API refuses the action. Needs /usr/bin/chromium
// (GCD_REQUIRE_BROWSER=1 makes its absence a failure).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/run-cli.js';

const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  if (process.env.GCD_REQUIRE_BROWSER === '1') throw new Error(`GCD_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  console.warn(`[run-keep-ui] SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium), set GCD_REQUIRE_BROWSER=1 to fail instead`);
}

const repo = path.resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(path.join(tmpdir(), 'gcd-run-keep-ui-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!haveBrowser)('run --keep in Chromium', () => {
  it('retries a failed job from the UI of run --keep and sees it pass', async () => {
    const webRoot = path.join(work, 'web');
    await promisify(execFile)(process.execPath, [path.join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--outDir', webRoot, '--emptyOutDir', '--logLevel', 'warn'], { cwd: repo });
    const dir = path.join(work, 'project');
    const mark = path.join(work, 'second-attempt');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, '.gitlab-ci.yml'),
      `stages: [build, test]
compile:
  stage: build
  script: [echo compiled]
flip:
  stage: test
  script:
    - 'if [ -f "${mark}" ]; then echo "second attempt passes"; exit 0; fi'
    - 'touch "${mark}"'
    - 'echo "first attempt fails"; exit 1'
`,
    );

    let stdout = '';
    let stderr = '';
    let pid = 0;
    const done: Promise<CliResult> = runCli(['run', dir, '--keep', '--concurrency', '1'], {
      env: { GCD_WEB_ROOT: webRoot },
      onSpawn: (p) => (pid = p),
      onStdout: (c) => (stdout += c),
      onStderr: (c) => (stderr += c),
      timeoutMs: 150_000,
    });
    let browser: Browser | null = null;
    try {
      await until('the pipeline to end and run --keep to serve', () => stderr.includes('Serving the UI and API at'));
      // The UI address came with the header, before the pipeline's verdict.
      const link = /^ {2}UI: (http:\/\/127\.0\.0\.1:\d+\/\S+)$/m.exec(stdout)?.[1];
      expect(link, stdout).toBeTruthy();
      expect(stdout.indexOf(link!)).toBeLessThan(stdout.search(/Pipeline #\d+ failed/));
      const base = new URL(link!).origin;
      expect(stdout).toMatch(/✖ failed\s+flip/);

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const page = await (await browser.newContext({ viewport: { width: 1360, height: 860 } })).newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(link!);
      expect(new URL(page.url()).pathname).toMatch(/^\/pipelines\/\d+$/);
      await page.waitForSelector('.who-name');
      const card = page.locator('.job-card[data-job-name="flip"]');
      await until('flip failed in the graph', async () => (await card.getAttribute('data-status')) === 'failed');
      await page.click('[data-testid=retry-flip]');
      await until('flip to pass in the graph', async () => (await card.getAttribute('data-status')) === 'success', 90_000);
      // run --keep reports what the UI did, one line per change.
      await until('run to report the retried job', () => /✔ success\s+flip/.test(stdout));
      await until('run to report the new verdict', () => /^Pipeline #\d+ passed in [\d.]+s: 2 success$/m.test(stdout));

      // The link worked once; an anonymous caller cannot act.
      const again = await fetch(link!, { redirect: 'manual' });
      expect(again.status).toBe(403);
      expect(again.headers.get('set-cookie')).toBeNull();
      const session = (await (await fetch(`${base}/api/ui/session`)).json()) as { authenticated: boolean };
      expect(session.authenticated).toBe(false);
      const pipelineId = /\/pipelines\/(\d+)/.exec(page.url())![1];
      const anonymous = await fetch(`${base}/api/ui/pipelines/${pipelineId}/retry`, { method: 'POST' });
      expect(anonymous.status).toBe(401);
    } finally {
      await browser?.close();
      if (pid) process.kill(pid, 'SIGINT');
    }
    const result = await done;
    // The pipeline's last state decides: the retried job passed.
    expect(result.code, result.stderr).toBe(0);
  }, 200_000);
});
