// `staleJobSeconds` (serve --stale-job-timeout / GCD_STALE_JOB_SECONDS) reaches the engine's
// sweeper: a job claimed by a runner that then went silent is failed with
// stuck_or_timeout_failure once its last activity is older than the setting, not the default hour.
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from './create-server.js';
import { loadServerConfig } from './config.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-stale-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function claimOneJob(dataDir: string, staleJobSeconds: number) {
  const config = loadServerConfig({ flags: { dataDir, logLevel: 'silent', webRoot: null }, env: { GCD_STALE_JOB_SECONDS: String(staleJobSeconds) } });
  const server = await createServer(config, { engine: { sweepIntervalMs: 50 } });
  await server.start();
  const dir = path.join(dataDir, '..', `project-${staleJobSeconds}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), 'job:\n  script: [echo hi]\n');
  const project = await server.coordinator.ensureProject('local/stale');
  const commit = await server.importDirectory({ project, dir, committedOnly: false, ref: 'main' });
  await server.createPipelineFor({ project, ref: 'main', isTag: false, sha: commit.sha, source: 'push', commitMessage: commit.message, variables: [] });
  const { runner } = await server.coordinator.createRunner({ runUntagged: true });
  const r = await server.coordinator.requestJob({ runner, holdMs: 0, signal: new AbortController().signal });
  if (r.kind !== 'job') throw new Error('no job claimed');
  // The runner goes silent: its last activity is two minutes old.
  const db = new Database(path.join(dataDir, 'dispatcher.db'));
  db.prepare('UPDATE jobs SET last_activity_at = ? WHERE id = ?').run(new Date(Date.now() - 120_000).toISOString(), r.claimed.job.id);
  db.close();
  return { server, jobId: r.claimed.job.id };
}

async function statusAfterSweeps(server: Awaited<ReturnType<typeof createServer>>, jobId: number) {
  await new Promise((resolve) => setTimeout(resolve, 400));
  const detail = await server.coordinator.read.job(jobId);
  await server.close();
  return detail;
}

describe('stale running jobs', () => {
  it('fails a silent running job after the configured staleJobSeconds', async () => {
    const { server, jobId } = await claimOneJob(path.join(work, 'short', 'data'), 60);
    const job = await statusAfterSweeps(server, jobId);
    expect(job?.status).toBe('failed');
    expect(job?.failureReason).toBe('stuck_or_timeout_failure');
  });

  it('leaves it running under the default hour', async () => {
    const { server, jobId } = await claimOneJob(path.join(work, 'default', 'data'), 3600);
    const job = await statusAfterSweeps(server, jobId);
    expect(job?.status).toBe('running');
  });
});
