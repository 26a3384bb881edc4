// Reliability: the dispatcher (`serve` on SQLite) is killed with SIGKILL while a pipeline runs,
// then restarted on the same data directory and port. The built-in runner (in this process) keeps
// retrying as gitlab-runner does: its trace PATCHes and final PUTs fail while the server is down
// and go through once it is back. The pipeline must complete, and every job's script must have run
// exactly once: each job appends "<name> <CI_JOB_ID>" to a log file outside the build dirs.
//
// When the kill lands: while every runner slot is busy with a running job (the poller is then
// waiting for a free slot, so no jobs/request is in flight). A claim committed by the server whose
// answer never reached the runner would leave that job `running` until the stale-job sweep fails
// it (stuck_or_timeout_failure, an hour by default, as in GitLab); this test does not aim there.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRunner, type Runner } from '../../src/runner/index.js';
import {
  createPipelineFromDir,
  createRunnerToken,
  freePort,
  startServe,
  waitForPipelineOver,
  type ServeProcess,
} from '../support/dispatcher-process.js';

const STAGES = ['one', 'two', 'three'];
const PER_STAGE = 4;

function pipelineYaml(logFile: string): string {
  const lines = [`stages: [${STAGES.join(', ')}]`, 'variables:', `  RUN_LOG: "${logFile}"`, ''];
  for (const stage of STAGES) {
    for (let i = 0; i < PER_STAGE; i++) {
      lines.push(`${stage}-${i}:`, `  stage: ${stage}`, '  script:', '    - echo "$CI_JOB_NAME $CI_JOB_ID" >> "$RUN_LOG"', '    - sleep 2', '');
    }
  }
  return lines.join('\n');
}

async function logLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean);
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('kill -9 of the dispatcher while a pipeline runs (SQLite)', () => {
  let work: string;
  let server: ServeProcess | null = null;
  let runner: Runner | null = null;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'gcd-rel-kill-'));
  });
  afterAll(async () => {
    await runner?.stop({ abort: true }).catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('restart on the same data: the pipeline completes and every job ran exactly once', async () => {
    const dataDir = path.join(work, 'data');
    const projectDir = path.join(work, 'project');
    const logFile = path.join(work, 'ran.log');
    await mkdir(projectDir, { recursive: true });
    await writeFile(path.join(projectDir, '.gitlab-ci.yml'), pipelineYaml(logFile));

    const port = await freePort();
    server = await startServe({ dataDir, port, longPollSeconds: 5, tokensWaitMs: Infinity });
    const admin = server.adminToken!;
    expect(admin).toBeTruthy();
    const url = server.url;
    const token = await createRunnerToken(url, admin, { description: 'reliability runner' });
    runner = createRunner({
      url,
      token,
      concurrency: PER_STAGE,
      buildsDir: path.join(work, 'builds'),
      cacheDir: path.join(work, 'cache'),
      pollIntervalMs: 200,
      // gitlab-runner's policy (5 attempts, exponential backoff), with a shorter first step.
      retry: { attempts: 5, minBackoffMs: 100, maxBackoffMs: 2000 },
      trace: { updateIntervalMs: 300, finalIntervalMs: 100 },
    });
    const finals: { id: number; name: string; state: string }[] = [];
    runner.on('job-finished', (o) => finals.push({ id: o.id, name: o.name, state: o.state }));
    runner.start();

    const created = await createPipelineFromDir(url, admin, { dir: projectDir, project: 'rel/kill' });
    expect(created.jobs).toHaveLength(STAGES.length * PER_STAGE);

    // Stage two fully started: every slot holds a running job (each sleeps 2 s after logging).
    await waitUntil('stage two to start', async () => (await logLines(logFile)).length >= 2 * PER_STAGE, 40_000);
    await server.kill9();
    const ranBeforeKill = (await logLines(logFile)).length;
    await new Promise((r) => setTimeout(r, 500));
    server = await startServe({ dataDir, port, longPollSeconds: 5, tokensWaitMs: 1000 });
    expect(server.url).toBe(url);
    expect(server.adminToken).toBeNull(); // not a first start: the data survived

    const done = await waitForPipelineOver(() => url, admin, created.pipeline.id, 45_000);
    const lines = await logLines(logFile);
    const byName = new Map<string, string[]>();
    for (const line of lines) {
      const [name, id] = line.split(' ');
      byName.set(name, [...(byName.get(name) ?? []), id]);
    }
    const current = done.jobs.filter((j) => !j.retried);
    // What happened, for the record (the report quotes it).
    console.info(
      `[kill-dispatcher] killed after ${ranBeforeKill} job starts; pipeline ${done.pipeline.status}; ` +
        `jobs: ${done.jobs.map((j) => `${j.name}#${j.id}:${j.status}${j.attempt > 1 ? `(attempt ${j.attempt})` : ''}`).join(' ')}`,
    );

    expect(done.pipeline.status).toBe('success');
    expect(current).toHaveLength(STAGES.length * PER_STAGE);
    for (const job of current) {
      expect(job.status, job.name).toBe('success');
      // Exactly once, and by this very job (not by a lost attempt).
      expect(byName.get(job.name), job.name).toEqual([String(job.id)]);
    }
    expect(lines).toHaveLength(STAGES.length * PER_STAGE);
    // The jobs running at the kill finished while the server was down or after; their final
    // state reached the restarted server (no job reported twice, none dropped).
    expect(finals.filter((f) => f.state === 'dropped')).toEqual([]);
    expect(new Set(finals.map((f) => f.id)).size).toBe(finals.length);
  });
});
