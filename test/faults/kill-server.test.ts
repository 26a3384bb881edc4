// Fault: kill -9. The dispatcher's side is covered by test/reliability/kill-dispatcher.test.ts
// (SIGKILL of `serve` mid-pipeline, restart on the same data: every job ran exactly once) and
// test/reliability/two-nodes-postgres.test.ts (SIGKILL of one of two nodes); not repeated here.
// This file adds the runner's side: a built-in runner process (`runner run`, its own process
// group, so its job's shell dies with it) is killed with SIGKILL in the middle of a job, then
// started again with the same token. The restarted runner does not resume that job (it cannot know
// it); the stale-job sweep fails it (stuck_or_timeout_failure) once it has gone without an update
// for staleJobSeconds, the job's `retry:` makes a new attempt, and the runner runs that one.
// What must hold: the killed job's script started once and never finished, the retry is a new job
// that ran once, the pipeline succeeds, nothing is left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';
import { getPipeline } from '../support/dispatcher-process.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const STALE_SECONDS = 3;

const YAML = (log: string, mark: string) => `
stages: [one, two]
variables:
  RUN_LOG: "${log}"
  MARK: "${mark}"
  GIT_STRATEGY: none
victim:
  stage: one
  retry:
    max: 1
    when: [stuck_or_timeout_failure]
  script:
    - echo "start $CI_JOB_NAME $CI_JOB_ID" >> "$RUN_LOG"
    - if [ ! -e "$MARK" ]; then touch "$MARK"; sleep 8; fi
    - echo "end $CI_JOB_NAME $CI_JOB_ID" >> "$RUN_LOG"
after:
  stage: two
  script:
    - echo "start $CI_JOB_NAME $CI_JOB_ID" >> "$RUN_LOG"
    - echo "end $CI_JOB_NAME $CI_JOB_ID" >> "$RUN_LOG"
`;

const lines = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `runner run` as its own process group (so SIGKILL to the group takes the job's shell too). */
function startRunnerProcess(url: string, token: string, work: string): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts'), 'runner', 'run', '--config', path.join(work, 'no-config.toml'), '--url', url, '--token', token,
      '--concurrent', '1', '--builds-dir', path.join(work, 'builds'), '--cache-dir', path.join(work, 'cache'), '--poll-interval', '200'],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid!, signal);
  } catch {
    return Promise.resolve();
  }
  return exited;
}

describe('kill -9 of a runner in the middle of a job', () => {
  let work: string;
  let server: DispatcherServer | null = null;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'gcd-fault-kill-runner-'));
  });
  afterAll(async () => {
    for (const c of children) await killGroup(c, 'SIGKILL');
    await server?.close().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  test('the killed job is failed by the stale sweep and retried as a new job; no script runs twice', async () => {
    const logFile = path.join(work, 'ran.log');
    const projectDir = path.join(work, 'project');
    await mkdir(projectDir, { recursive: true });
    await writeFile(path.join(projectDir, '.gitlab-ci.yml'), YAML(logFile, path.join(work, 'mark')));
    server = await createServer(
      loadServerConfig({ flags: { dataDir: path.join(work, 'data'), port: 0, logLevel: 'silent', webRoot: null, longPollSeconds: 2 } }),
      { engine: { staleJobSeconds: STALE_SECONDS, sweepIntervalMs: 500, traceIntervalIdle: 1 } },
    );
    const url = await server.start();
    const admin = (await server.coordinator.createApiToken('admin', 'admin')).token;
    const { token } = await server.coordinator.createRunner({ runUntagged: true, description: 'killed runner' });

    const first = startRunnerProcess(url, token, work);
    children.push(first.child);
    const project = await server.coordinator.ensureProject('faults/kill-runner');
    const commit = await server.importDirectory({ project, dir: projectDir, committedOnly: false, ref: 'main' });
    const { detail } = await server.createPipelineFor({ project, ref: 'main', isTag: false, sha: commit.sha, source: 'push' });
    const pipelineId = detail!.pipeline.id;

    await waitUntil('the victim job to start', async () => (await lines(logFile)).some((l) => l.startsWith('start victim')), 40_000);
    const killedAt = Date.now();
    await killGroup(first.child, 'SIGKILL');
    const victimId = Number((await lines(logFile)).find((l) => l.startsWith('start victim'))!.split(' ')[2]);

    const second = startRunnerProcess(url, token, work);
    children.push(second.child);
    let view = await getPipeline(url, admin, pipelineId);
    const until = Date.now() + 40_000;
    while (!['success', 'failed', 'canceled'].includes(view.pipeline.status) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      view = await getPipeline(url, admin, pipelineId);
    }
    const sweptAfterMs = Date.now() - killedAt;
    await killGroup(second.child, 'SIGTERM');

    // The killed shell would have written its `end` line 8 s after it started: give it the time.
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 9000 - Date.now())));
    const ran = await lines(logFile);
    const starts = ran.filter((l) => l.startsWith('start ')).map((l) => l.split(' ').slice(1).join(' '));
    const killed = view.jobs.find((j) => j.id === victimId)!;
    const retry = view.jobs.find((j) => j.name === 'victim' && j.id !== victimId);
    console.log(
      `[faults] kill-runner: runner killed -9 during job #${victimId}; it ended ${killed.status} (${killed.failureReason}), ` +
        `retry #${retry?.id} ${retry?.status} on the restarted runner; pipeline ${view.pipeline.status} ${sweptAfterMs} ms after the kill; ` +
        `script starts: ${starts.join(', ')}`,
    );

    expect(view.pipeline.status).toBe('success');
    expect(killed.status).toBe('failed');
    expect(killed.failureReason).toBe('stuck_or_timeout_failure');
    expect(killed.retried).toBe(true);
    expect(retry?.status).toBe('success');
    expect(retry?.attempt).toBe(killed.attempt + 1);
    expect(view.jobs.find((j) => j.name === 'after')?.status).toBe('success');
    expect(view.jobs.filter((j) => j.status === 'running' || j.status === 'pending')).toEqual([]);
    // Every job's script started once; the killed one never went on (its shell died with it).
    expect(new Set(starts).size).toBe(starts.length);
    expect(starts.sort()).toEqual([`after ${view.jobs.find((j) => j.name === 'after')!.id}`, `victim ${retry!.id}`, `victim ${victimId}`].sort());
    expect(ran).not.toContain(`end victim ${victimId}`);
    expect(sweptAfterMs).toBeGreaterThanOrEqual(STALE_SECONDS * 1000);
  }, 90_000);
});
