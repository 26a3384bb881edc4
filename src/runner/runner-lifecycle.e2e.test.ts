// The runner process against OUR server: cancel (graceful and hard) kills the job's process
// group, SIGTERM drains (running job completes, no new job taken), a second SIGTERM aborts,
// 403 stops the runner, load limits refuse jobs, concurrency, register/verify, metrics.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from '../runner-api/test-support/start-test-server.js';
import { createRunner, registerRunner, verifyRunner } from './index.js';
import { startTestRunner, tempDir, traceOf, waitForJob, waitForPipeline } from './test-support/e2e.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitUntil<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const readPids = async (file: string) => ((await readFile(file, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).map(Number));

function runCli(args: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/runner/test-support/runner-cli.ts'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (b) => (err += b));
  child.stdout!.on('data', (b) => (err += b));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // Bounded, so that a runner that does not exit fails the test instead of hanging it.
  const exit = Promise.race([exited, new Promise<number | null>((_, reject) => setTimeout(() => reject(new Error(`runner process still running:\n${err}`)), 40_000).unref())]);
  exit.catch(() => {});
  return { child, stderr: () => err, exit };
}

describe('runner lifecycle against our server', () => {
  let t: RunnerApiTestServer;
  let dir: string;
  beforeAll(async () => {
    t = await startRunnerApiTestServer({ longPollMs: 1_000, engine: { traceIntervalIdle: 1 } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-life-'));
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const killerScript = (pidFile: string) => [`sleep 300 & echo $! >> ${pidFile}`, `(sleep 300 & echo $! >> ${pidFile}; wait) &`, 'echo started', 'sleep 300'];

  it('graceful cancel (Job-Status: canceling): script killed with its children, after_script runs, job canceled', async () => {
    const r = await startTestRunner(t, { tags: ['cancel-g'] });
    const pids = path.join(dir, 'graceful.pids');
    try {
      const { pipeline } = await t.createPipeline(
        planOf(['test'], [planJob('victim', { tags: ['cancel-g'], script: killerScript(pids), afterScript: ['echo "after status=$CI_JOB_STATUS"'] })]),
      );
      const [job] = (await t.coordinator.read.pipeline(pipeline.id))!.jobs;
      await waitUntil('both background pids', async () => (await readPids(pids)).length >= 2);
      await t.coordinator.cancelJob(job.id);
      const done = await waitForJob(t, job.id, ['canceled', 'failed', 'success']);
      expect(done.status).toBe('canceled');
      for (const pid of await readPids(pids)) await waitUntil(`pid ${pid} gone`, async () => !isAlive(pid), 10_000);
      const trace = await traceOf(t, job.id);
      expect(trace).toContain('after status=canceled');
      expect(trace).toContain('ERROR: Job failed: canceled');
    } finally {
      await r.close();
    }
  });

  it('hard cancel (runner without cancel_gracefully): killed at once, no after_script, nothing left running', async () => {
    const r = await startTestRunner(t, { tags: ['cancel-h'], features: { cancel_gracefully: false } });
    const pids = path.join(dir, 'hard.pids');
    const marker = path.join(dir, 'hard-after');
    try {
      const { pipeline } = await t.createPipeline(
        planOf(['test'], [planJob('victim', { tags: ['cancel-h'], script: killerScript(pids), afterScript: [`touch ${marker}`] })]),
      );
      const [job] = (await t.coordinator.read.pipeline(pipeline.id))!.jobs;
      await waitUntil('both background pids', async () => (await readPids(pids)).length >= 2);
      const finished = new Promise((res) => r.runner.on('job-finished', res));
      await t.coordinator.cancelJob(job.id);
      expect((await waitForJob(t, job.id, ['canceled'])).status).toBe('canceled');
      await finished;
      // Killed processes may linger a moment as zombies until reaped: wait (bounded).
      for (const pid of await readPids(pids)) await waitUntil(`pid ${pid} gone`, async () => !isAlive(pid), 10_000);
      await expect(stat(marker)).rejects.toThrow();
    } finally {
      await r.close();
    }
  });

  it('runs jobs concurrently up to `concurrency`', async () => {
    const r = await startTestRunner(t, { tags: ['conc'], concurrency: 2 });
    const d = path.join(dir, 'conc');
    try {
      const wait = (me: string, other: string) => [`mkdir -p ${d}`, `touch ${d}/${me}`, `for i in $(seq 200); do test -f ${d}/${other} && exit 0; sleep 0.05; done; exit 1`];
      const { pipeline } = await t.createPipeline(planOf(['test'], [planJob('a', { tags: ['conc'], script: wait('a', 'b') }), planJob('b', { tags: ['conc'], script: wait('b', 'a') })]));
      const jobs = await waitForPipeline(t, pipeline.id);
      expect(jobs.map((j) => j.status)).toEqual(['success', 'success']);
      const traces = await Promise.all(jobs.map((j) => traceOf(t, j.id)));
      expect(traces.some((x) => /CI_CONCURRENT_ID/.test(x))).toBe(false);
    } finally {
      await r.close();
    }
  });

  it('sends a heartbeat (POST /runners/verify) while every slot is busy', async () => {
    const beats: boolean[] = [];
    const r = await startTestRunner(t, { tags: ['beat'], heartbeatIntervalMs: 300, beforeStart: (x) => x.on('heartbeat', (ok) => beats.push(ok)) });
    try {
      const { pipeline } = await t.createPipeline(planOf(['test'], [planJob('busy', { tags: ['beat'], script: ['sleep 2'] })]));
      await waitForPipeline(t, pipeline.id);
      expect(beats.length).toBeGreaterThan(0);
      expect(beats.every(Boolean)).toBe(true);
    } finally {
      await r.close();
    }
  });

  it('stops and says why on 403', async () => {
    const tmp = await tempDir();
    const runner = createRunner({ url: t.url, token: 'glrt-not-a-real-token', buildsDir: tmp.dir, cacheDir: tmp.dir, pollIntervalMs: 100 });
    const said: string[] = [];
    runner.on('forbidden', (m) => said.push(m));
    runner.start();
    await runner.done;
    expect(runner.state).toBe('forbidden');
    expect(runner.stoppedReason).toMatch(/403/);
    expect(said).toHaveLength(1);
    await tmp.cleanup();
  });

  it('refuses new jobs while the load limit is crossed, takes them once it is not', async () => {
    let load = 50;
    const refused: string[] = [];
    const r = await startTestRunner(t, {
      tags: ['load'],
      limits: { maxLoad: 4, checkIntervalMs: 50, stats: () => ({ load1: load, freeMemoryBytes: 8e9 }) },
      beforeStart: (runner) => runner.on('refusing', (why) => refused.push(why)),
    });
    try {
      // the first check comes before the first request (the executor's start may take a tick or two)
      for (let waited = 0; !refused.length && waited < 2000; waited += 10) await new Promise((res) => setTimeout(res, 10));
      expect(refused[0]).toMatch(/load average 50\.00 above 4/);
      const { pipeline } = await t.createPipeline(planOf(['test'], [planJob('later', { tags: ['load'] })]));
      const [job] = (await t.coordinator.read.pipeline(pipeline.id))!.jobs;
      await new Promise((res) => setTimeout(res, 400));
      expect((await t.coordinator.read.job(job.id))!.status).toBe('pending');
      load = 0.5;
      expect((await waitForJob(t, job.id)).status).toBe('success');
    } finally {
      await r.close();
    }
  });

  it('registers with a registration token and verifies a glrt- token', async () => {
    const regToken = await t.coordinator.resetRegistrationToken();
    const reg = await registerRunner({ url: t.url, registrationToken: regToken, description: 'reg test', tags: ['a', 'b'], runUntagged: false });
    expect(reg.id).toBeGreaterThan(0);
    expect(reg.token).toBeTruthy();
    const listed = (await t.coordinator.read.runners()).find((x) => x.runner.id === reg.id)!.runner;
    expect(listed).toMatchObject({ description: 'reg test', tags: ['a', 'b'], runUntagged: false });
    const { token, runner } = await t.createRunner({ tags: ['v'] });
    const verified = await verifyRunner({ url: t.url, token });
    expect(verified.id).toBe(runner.id);
    await expect(verifyRunner({ url: t.url, token: 'glrt-nope' })).rejects.toThrow(/403/);
  });

  it('CLI: register writes the config; run serves /health and /metrics; first SIGTERM drains (running job completes, no new job), exit 0', async () => {
    const cfg = path.join(dir, 'runner.json');
    const regToken = await t.coordinator.resetRegistrationToken();
    const reg = runCli(['runner', 'register', '--url', t.url, '--registration-token', regToken, '--tag-list', 'drain', '--run-untagged=false', '--description', 'cli runner', '--config', cfg]);
    expect(await reg.exit).toBe(0);
    const config = JSON.parse(await readFile(cfg, 'utf8'));
    expect(config.runners).toHaveLength(1);
    expect(config.runners[0]).toMatchObject({ url: t.url, name: 'cli runner' });
    expect((await stat(cfg)).mode & 0o777).toBe(0o600);

    const marks = path.join(dir, 'drain');
    const script = [`mkdir -p ${marks}`, `touch ${marks}/$CI_JOB_NAME`, 'sleep 2', 'echo finished-$CI_JOB_NAME'];
    const { pipeline } = await t.createPipeline(planOf(['test'], [planJob('one', { tags: ['drain'], script }), planJob('two', { tags: ['drain'], script })]));
    const builds = path.join(dir, 'cli-builds');
    const run = runCli(['runner', 'run', '--config', cfg, '--builds-dir', builds, '--cache-dir', builds, '--concurrent', '1', '--poll-interval', '200', '--listen', '127.0.0.1:0']);
    try {
      const metricsUrl = await waitUntil('metrics url', async () => /metrics and health on (http:\/\/\S+)\/metrics/.exec(run.stderr())?.[1]);
      const started = await waitUntil('a job to start', async () => {
        for (const n of ['one', 'two']) if (await stat(path.join(marks, n)).catch(() => null)) return n;
        return null;
      });
      const health = await fetch(`${metricsUrl}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', runners: [{ name: 'cli runner', state: 'running', running: 1 }] });
      const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(/gcd_runner_jobs_running\{runner="cli runner"\} 1/);
      expect(metrics).toMatch(/gcd_runner_job_requests_total\{runner="cli runner",result="job"\} 1/);
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
      const jobs = (await t.coordinator.read.pipeline(pipeline.id))!.jobs;
      const ran = jobs.find((j) => j.name === started)!;
      const other = jobs.find((j) => j.name !== started)!;
      expect(ran.status).toBe('success');
      expect(await traceOf(t, ran.id)).toContain(`finished-${started}`);
      expect(other.status).toBe('pending');
      expect(run.stderr()).toContain('SIGTERM: finishing running jobs');
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('CLI: a second SIGTERM aborts the running job (runner_system_failure) and kills its processes', async () => {
    const { token } = await t.createRunner({ tags: ['abort2'], runUntagged: false });
    const pids = path.join(dir, 'abort2.pids');
    const { pipeline } = await t.createPipeline(planOf(['test'], [planJob('victim', { tags: ['abort2'], script: killerScript(pids) })]));
    const builds = path.join(dir, 'abort-builds');
    const run = runCli(['runner', 'run', '--url', t.url, '--token', token, '--builds-dir', builds, '--cache-dir', builds, '--poll-interval', '200']);
    try {
      await waitUntil('both background pids', async () => (await readPids(pids)).length >= 2);
      run.child.kill('SIGTERM');
      await waitUntil('draining', async () => run.stderr().includes('finishing running jobs'));
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
      const [job] = (await t.coordinator.read.pipeline(pipeline.id))!.jobs;
      expect(job.status).toBe('failed');
      expect(job.failureReason).toBe('runner_system_failure');
      for (const pid of await readPids(pids)) await waitUntil(`pid ${pid} gone`, async () => !isAlive(pid), 10_000);
      expect(await traceOf(t, job.id)).toContain('Job failed (system failure)');
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
