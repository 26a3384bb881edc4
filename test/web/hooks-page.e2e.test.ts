// The webhooks page in real Chromium: a hook whose receiver (127.0.0.1) refuses the first
// delivery and takes the second shows the delivery log — the event, `delivered` after 2 attempts,
// response 200 and a duration — for an admin signed in through the UI. Screenshot in test-output/ui/.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadServerConfig } from '../../src/server/config.js';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { hostProject } from '../../src/server/test-support/hosted-project.js';

const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  if (process.env.GCD_REQUIRE_BROWSER === '1') throw new Error(`GCD_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing`);
  console.warn(`[hooks-page.e2e] SKIPPED: ${CHROMIUM} not found`);
}
const repo = path.resolve(import.meta.dirname, '..', '..');

describe.skipIf(!haveBrowser)('webhooks page in Chromium', () => {
  let dir: string;
  let server: DispatcherServer;
  let browser: Browser;
  let receiver: http.Server;
  let refused = 0;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-hooks-ui-'));
    const webRoot = path.join(dir, 'web');
    await promisify(execFile)(process.execPath, [path.join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--outDir', webRoot, '--emptyOutDir', '--logLevel', 'warn'], { cwd: repo });
    server = await createServer(loadServerConfig({ flags: { dataDir: path.join(dir, 'data'), logLevel: 'silent', webRoot, anonymousRead: false } }), { automation: { hookRetryDelaysMs: [300, 300], hookPollMs: 100 } });
    await server.start();
    receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (refused++ === 0) res.writeHead(503).end('busy');
        else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((r) => receiver?.close(r));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('an admin sees each delivery with its status, attempts, response code and duration', { timeout: 60_000 }, async () => {
    const { project } = await hostProject(server, 'ui/hooked', { '.gitlab-ci.yml': 'j:\n  script: [echo]\n' });
    const { token } = await server.coordinator.createApiToken('admin', 'admin');
    await server.automation.automation.hooks.create(project.id, { url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`, token: null, pushEvents: false, pipelineEvents: true, jobEvents: false, enableSslVerification: true });
    await server.automation.pipelineForRef({ project, ref: 'main', source: 'api' });

    const page = await (await browser.newContext({ viewport: { width: 1200, height: 700 } })).newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${server.url}/sign-in`);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.waitForSelector('.who-name');
    await page.goto(`${server.url}/projects/${encodeURIComponent('ui/hooked')}`);
    await page.click('text=Webhooks');
    await page.waitForSelector('[data-testid=hook-deliveries] tr[data-status=delivered]');
    const row = page.locator('[data-testid=hook-deliveries] tr[data-status=delivered]').last();
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('Pipeline Hook');
    expect(cells[1]).toContain('delivered');
    expect(cells).toContain('2');
    expect(cells).toContain('200');
    expect(cells.some((c) => / ms$/.test(c))).toBe(true);
    await mkdir(path.join(repo, 'test-output', 'ui'), { recursive: true });
    await page.screenshot({ path: path.join(repo, 'test-output', 'ui', 'hooks.png') });
  });
});
