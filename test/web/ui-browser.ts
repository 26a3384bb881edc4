// Shared by the UI e2e files in test/web: one real server (UI API + built UI on 127.0.0.1, SQLite,
// filesystem traces) and one Debian Chromium per file; jobs are seeded through the coordinator
// (claimed as a runner would, log appended, finished), so no runner process is needed.
// Without /usr/bin/chromium the files skip with a message, unless GCD_REQUIRE_BROWSER=1.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Job, Runner } from '../../src/engine/model.js';
import { createApiHarness, type ApiHarness } from '../../src/api/test-support/api-harness.js';

// Browser globals used inside page.evaluate callbacks (the tests are type-checked without the DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any, window: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

export const CHROMIUM = '/usr/bin/chromium';
export const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  if (process.env.GCD_REQUIRE_BROWSER === '1') throw new Error(`GCD_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  console.warn(`[ui e2e] SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium), set GCD_REQUIRE_BROWSER=1 to fail instead`);
}

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const shots = path.join(repo, 'test-output', 'ui');
export const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

export interface UiEnv {
  h: ApiHarness;
  browser: Browser;
  runner: Runner;
  /** A fresh page (own context: no cookies shared) at this viewport. */
  page(viewport: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startUi(): Promise<UiEnv> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-ui-web-'));
  await mkdir(shots, { recursive: true });
  const webRoot = path.join(dir, 'web');
  await promisify(execFile)(process.execPath, [path.join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--outDir', webRoot, '--emptyOutDir', '--logLevel', 'warn'], { cwd: repo });
  const h = await createApiHarness({ webRoot, anonymousRead: true });
  const runner = (await h.coordinator.createRunner({ runUntagged: true, description: 'seed runner' })).runner;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    h,
    browser,
    runner,
    async page(viewport) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      return page;
    },
    async close() {
      await browser.close();
      await h.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Claims every job that can be claimed now (as the runner), by name. */
export async function claimAll(env: UiEnv): Promise<Map<string, Job>> {
  const out = new Map<string, Job>();
  for (;;) {
    const r = await env.h.coordinator.requestJob({ runner: env.runner, holdMs: 0, signal: new AbortController().signal });
    if (r.kind !== 'job') return out;
    out.set(r.claimed.job.name, r.claimed.job);
  }
}

/** Appends `log` to a claimed job and finishes it. */
export async function finish(env: UiEnv, job: Job, state: 'success' | 'failed', log = ''): Promise<void> {
  if (log) await env.h.coordinator.appendTrace(job, 0, Buffer.from(log));
  await env.h.coordinator.updateJob(job, state === 'failed' ? { state, failureReason: 'script_failure', exitCode: 1 } : { state });
}

/** Runs every job of the pipeline to the end (claiming in waves), `failing` ones fail. */
export async function runAll(env: UiEnv, failing: string[] = [], logs: Record<string, string> = {}): Promise<void> {
  for (let wave = 0; wave < 20; wave++) {
    const claimed = await claimAll(env);
    if (claimed.size === 0) return;
    for (const [name, job] of claimed) await finish(env, job, failing.includes(name) ? 'failed' : 'success', logs[name] ?? `${name} ran\n`);
  }
}

/** How far the page is wider than its viewport (0 = no horizontal overflow). */
export async function overflowX(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth);
}

/** Resolves when `check` returns true, polling every 100 ms, up to `ms`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** WCAG contrast ratio of two CSS colours `rgb(r, g, b)`. */
export function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
