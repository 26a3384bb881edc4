// `run --keep` serves GitLab's health checks and /metrics like `serve`: after the pipeline ran,
// /-/health answers, /-/readiness checks the database, /metrics counts the finished jobs.
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/run-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gcd-run-keep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('run --keep: /-/health, /-/readiness and /metrics while it keeps serving', async () => {
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), 'one:\n  script: [echo one]\ntwo:\n  script: [echo two]\n');
  let pid = 0;
  let checked: Promise<void> | null = null;
  const seen: { health?: string; ready?: number; metrics?: string } = {};
  const result = await runCli(['run', dir, '--keep', '--concurrency', '1'], {
    onSpawn: (p) => (pid = p),
    onStderr: (chunk) => {
      const url = /Serving the UI and API at (\S+)/.exec(chunk)?.[1];
      if (!url || checked) return;
      checked = (async () => {
        try {
          seen.health = await (await fetch(`${url}/-/health`)).text();
          seen.ready = (await fetch(`${url}/-/readiness`)).status;
          seen.metrics = await (await fetch(`${url}/metrics`)).text();
        } finally {
          process.kill(pid, 'SIGINT');
        }
      })();
    },
    timeoutMs: 90_000,
  });
  await checked;
  expect(result.stderr).toContain('Serving the UI and API at');
  expect(seen.health).toBe('GitLab OK');
  expect(seen.ready).toBe(200);
  expect(seen.metrics).toMatch(/^gcd_jobs\{status="success"\} 2$/m);
  expect(seen.metrics).toMatch(/^gcd_pending_jobs 0$/m);
  expect(seen.metrics).toMatch(/^process_cpu_user_seconds_total /m);
}, 120_000);
