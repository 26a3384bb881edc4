// request_concurrency against OUR server (long polls held 1.5 s): with N, the runner keeps one
// POST /jobs/request open per free slot, up to N, and never asks for more jobs than it has free
// slots; with the default 1, one request at a time whatever the concurrency.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from '../runner-api/test-support/start-test-server.js';
import { startTestRunner, waitForJob } from './test-support/e2e.js';

async function waitUntil(what: string, fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** `runner run --config FILE` in a child process: `done` has its exit code and output (killed after `ms`). */
function runnerRun(config: string, ms: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/runner/test-support/runner-cli.ts'), 'runner', 'run', '--config', config, '--poll-interval', '200'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (out += b));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    }),
  );
  return { child, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('request concurrency', () => {
  let t: RunnerApiTestServer;
  /** POST /jobs/request open on the server now, and the most open at once since reset(). */
  const open = { now: 0, max: 0, reset: () => (open.max = open.now) };
  const count = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/api/v4/jobs/request')) return;
    open.now++;
    open.max = Math.max(open.max, open.now);
    res.once('close', () => open.now--);
  };
  beforeAll(async () => {
    t = await startRunnerApiTestServer({ longPollMs: 1_500, engine: { traceIntervalIdle: 1 } });
    t.app.server.on('request', count);
  });
  afterAll(async () => {
    t?.app.server.off('request', count);
    await t?.close();
  });

  it('keeps a request open per free slot, up to request_concurrency, and none for a busy slot', async () => {
    const r = await startTestRunner(t, { tags: ['rc3'], concurrency: 3, requestConcurrency: 3 });
    try {
      await waitUntil('three requests open at once', () => open.now === 3);
      const { pipeline } = await t.createPipeline(planOf(['test'], [planJob('long', { tags: ['rc3'], script: ['sleep 6'] })]));
      const [job] = (await t.coordinator.read.pipeline(pipeline.id))!.jobs;
      await waitForJob(t, job.id, ['running']);
      await waitUntil('the two left open', () => open.now === 2);
      // over two long-poll rounds while the job holds its slot: two free slots, two requests
      open.reset();
      await sleep(3_000);
      expect(open.max).toBe(2);
      expect((await waitForJob(t, job.id, ['success', 'failed'])).status).toBe('success');
      await waitUntil('three open again once the slot is free', () => open.now === 3);
    } finally {
      await r.close();
    }
    await waitUntil('no request left open', () => open.now === 0);
  });

  it('asks one request at a time by default (gitlab-runner\'s request_concurrency = 1)', async () => {
    open.reset();
    const r = await startTestRunner(t, { tags: ['rc1'], concurrency: 3 });
    try {
      await waitUntil('a request open', () => open.now === 1);
      await sleep(3_200); // two long-poll rounds
      expect(open.max).toBe(1);
    } finally {
      await r.close();
    }
  });

  it('takes request_concurrency from the config file, and refuses a value that is not a positive integer', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-rc-'));
    try {
      const { token } = await t.createRunner({ tags: ['rc-cfg'], runUntagged: false });
      const entry = { name: 'rc', url: t.url, token, builds_dir: path.join(dir, 'builds'), cache_dir: path.join(dir, 'cache'), limit: 2 };
      const good = path.join(dir, 'good.json');
      await writeFile(good, JSON.stringify({ runners: [{ ...entry, request_concurrency: 2 }] }));
      open.reset();
      const run = runnerRun(good, 30_000);
      await waitUntil('two requests open', () => open.now === 2, 20_000).catch(async (e) => {
        run.child.kill('SIGKILL');
        throw new Error(`${(e as Error).message}: ${(await run.done).out}`);
      });
      await sleep(1_700); // a long-poll round
      expect(open.max).toBe(2);
      run.child.kill('SIGTERM');
      expect((await run.done).code).toBe(0);
      const bad = path.join(dir, 'bad.json');
      await writeFile(bad, JSON.stringify({ runners: [{ ...entry, request_concurrency: 0 }] }));
      const refused = await runnerRun(bad, 20_000).done;
      expect(refused.code).not.toBe(0);
      expect(refused.out).toContain('runners[0].request_concurrency must be a positive integer');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
