// Test helper for the runner's end-to-end tests against OUR server (runner-api test server:
// real fastify on 127.0.0.1, real SQLite coordinator, real git smart HTTP).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Job } from '../../engine/model.js';
import type { RunnerApiTestServer } from '../../runner-api/test-support/start-test-server.js';
import { createRunner, type Runner, type RunnerOptions } from '../runner.js';

const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);

export async function tempDir(prefix = 'gcd-runner-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Polls the coordinator until the job reaches one of `states` (bounded). */
export async function waitForJob(t: RunnerApiTestServer, jobId: number, states: string[] = [...FINISHED], timeoutMs = 30_000): Promise<Job> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await t.coordinator.read.job(jobId);
    if (job && states.includes(job.status)) return job;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${job?.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function jobsOf(t: RunnerApiTestServer, pipelineId: number): Promise<Job[]> {
  return (await t.coordinator.read.pipeline(pipelineId))!.jobs;
}

export async function jobNamed(t: RunnerApiTestServer, pipelineId: number, name: string): Promise<Job> {
  const job = (await jobsOf(t, pipelineId)).find((j) => j.name === name);
  if (!job) throw new Error(`no job ${name}`);
  return job;
}

export async function waitForPipeline(t: RunnerApiTestServer, pipelineId: number, timeoutMs = 60_000): Promise<Job[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const detail = await t.coordinator.read.pipeline(pipelineId);
    if (detail && FINISHED.has(detail.pipeline.status)) return detail.jobs;
    if (Date.now() > until) throw new Error(`pipeline ${pipelineId} still ${detail?.pipeline.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function traceOf(t: RunnerApiTestServer, jobId: number): Promise<string> {
  return (await t.traces.read(jobId)).toString('utf8');
}

/** A started runner with fast test cadences, in its own builds/cache dirs. */
export async function startTestRunner(
  t: RunnerApiTestServer,
  opts: Partial<RunnerOptions> & { tags: string[]; beforeStart?: (runner: Runner) => void },
): Promise<{ runner: Runner; token: string; dir: string; close(): Promise<void> }> {
  const { token } = await t.createRunner({ tags: opts.tags, runUntagged: false });
  const tmp = await tempDir();
  const runner = createRunner({
    url: t.url,
    token,
    concurrency: 1,
    buildsDir: path.join(tmp.dir, 'builds'),
    cacheDir: path.join(tmp.dir, 'cache'),
    pollIntervalMs: 200,
    retry: { minBackoffMs: 10, maxBackoffMs: 100 },
    trace: { updateIntervalMs: 200, finalIntervalMs: 100, forceSendIntervalMs: 500 },
    ...opts,
  });
  opts.beforeStart?.(runner);
  runner.start();
  return {
    runner,
    token,
    dir: tmp.dir,
    async close() {
      await runner.stop({ abort: true });
      await tmp.cleanup();
    },
  };
}

/** [name, status] pairs; on a mismatch the error carries every job's failure reason and trace. */
export async function statusesWithTraces(t: RunnerApiTestServer, jobs: Job[], expected: [string, string][]): Promise<[string, string][]> {
  const got = jobs.map((j) => [j.name, j.status] as [string, string]);
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    for (const j of jobs) {
      process.stderr.write(`--- ${j.name} ${j.status} ${j.failureReason ?? ''}\n${await traceOf(t, j.id).catch(() => '')}\n`);
    }
  }
  return got;
}

/** The stored artifacts of a job, by type: for zip archives, the files inside (path → text). */
export async function storedArtifacts(t: RunnerApiTestServer, jobId: number): Promise<{ type: string; format: string; filename: string; files?: Record<string, string>; bytes: Buffer }[]> {
  const { createWriteStream } = await import('node:fs');
  const { readFile } = await import('node:fs/promises');
  const { pipeline } = await import('node:stream/promises');
  const { extractZip } = await import('../files/zip-extract.js');
  const { collectPaths } = await import('../files/collect-paths.js');
  const out = [];
  for (const a of await t.coordinator.read.artifacts(jobId)) {
    const tmp = await tempDir('gcd-stored-');
    try {
      const file = path.join(tmp.dir, 'blob');
      await pipeline(await t.blobs.get(a.storageKey), createWriteStream(file));
      const bytes = await readFile(file);
      let files: Record<string, string> | undefined;
      if (a.fileFormat === 'zip') {
        await extractZip(file, path.join(tmp.dir, 'x'));
        files = {};
        for (const rel of (await collectPaths({ root: path.join(tmp.dir, 'x'), paths: ['**'] })).entries) {
          const content = await readFile(path.join(tmp.dir, 'x', rel), 'utf8').catch(() => null);
          if (content !== null) files[rel] = content;
        }
      }
      out.push({ type: a.fileType, format: a.fileFormat, filename: a.filename, files, bytes });
    } finally {
      await tmp.cleanup();
    }
  }
  return out;
}
