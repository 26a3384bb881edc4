// runJob's edges against a small real HTTP server: a refused running-ack drops the job without
// a final PUT; Job-Status canceling at the ack ends the job as canceled without running it;
// a `run:` payload fails with runner_system_failure.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorClient } from '../network/coordinator-client.js';
import { decodeJobPayload } from '../network/job-payload.js';
import { shellExecutor } from '../shell/shell-executor.js';
import { tinyServer } from '../test-support/tiny-server.js';
import { runnerInfo } from '../network/runner-info.js';
import type { RunnerInfo } from '../../runner-api/protocol.js';
import { runJob } from './run-job.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(ackHeaders: Record<string, string>, ackStatus = 200, extra: object = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-runjob-'));
  const s = await tinyServer((req, res) => {
    const body = req.method === 'PUT' ? JSON.parse(req.body.toString()) : null;
    if (body?.state === 'running' && !body.output) return void res.writeHead(ackStatus, ackHeaders).end();
    res.writeHead(req.method === 'PATCH' ? 202 : 200).end();
  });
  cleanup.push(s.close, () => rm(dir, { recursive: true, force: true }));
  const client = new CoordinatorClient({ url: s.url });
  cleanup.push(() => client.close());
  const job = decodeJobPayload(
    JSON.stringify({
      id: 3,
      token: 'jt-3',
      git_info: { repo_url: 'http://gitlab-ci-token:jt-3@h/g/p.git', sha: '0123456789abcdef', ref: 'main' },
      variables: [{ key: 'GIT_STRATEGY', value: 'none' }],
      steps: [{ name: 'script', script: [`touch ${dir}/ran`] }],
      features: { trace_sections: true, failure_reasons: ['script_failure', 'runner_system_failure'] },
      ...extra,
    }),
  );
  const go = (info?: RunnerInfo) =>
    runJob({ client, job, executor: shellExecutor(), info, runnerToken: 'glrt-abc', buildsDir: path.join(dir, 'b'), cacheDir: path.join(dir, 'c'), slot: 0, projectSlot: 0, trace: { finalIntervalMs: 5 } });
  return { s, dir, go };
}

const puts = (s: Awaited<ReturnType<typeof tinyServer>>) => s.requests.filter((r) => r.method === 'PUT').map((r) => JSON.parse(r.body.toString()));

describe('runJob', () => {
  it('drops the job silently when the running ack is refused (403)', async () => {
    const { s, dir, go } = await setup({}, 403);
    expect((await go()).state).toBe('dropped');
    expect(s.requests).toHaveLength(1);
    await expect(stat(path.join(dir, 'ran'))).rejects.toThrow();
  });

  it('Job-Status: canceling at the ack: the job is not run and ends failed (job_canceled → unknown_failure)', async () => {
    const { s, dir, go } = await setup({ 'job-status': 'canceling' });
    const out = await go();
    expect(out).toMatchObject({ state: 'failed', reason: 'job_canceled' });
    await expect(stat(path.join(dir, 'ran'))).rejects.toThrow();
    expect(puts(s).at(-1)).toMatchObject({ state: 'failed', failure_reason: 'unknown_failure' });
    const trace = Buffer.concat(s.requests.filter((r) => r.method === 'PATCH').map((r) => r.body)).toString();
    expect(trace).toContain('ERROR: Job failed: canceled');
  });

  it('runs the script and reports success with the trace checksum', async () => {
    const { s, dir, go } = await setup({});
    expect((await go(runnerInfo())).state).toBe('success');
    await stat(path.join(dir, 'ran'));
    expect(puts(s).at(0)).toMatchObject({ state: 'running', token: 'jt-3' });
    expect(puts(s).at(0)).not.toHaveProperty('output');
    expect(puts(s).at(-1)).toMatchObject({ state: 'success', token: 'jt-3', output: { bytesize: expect.any(Number) } });
  });

  it('without two_phase_job_commit (as before gitlab-runner 18.5) sends no running ack: a refusing coordinator is not asked', async () => {
    const { s, dir, go } = await setup({}, 403);
    expect((await go(runnerInfo({ features: { two_phase_job_commit: false } }))).state).toBe('success');
    await stat(path.join(dir, 'ran'));
    expect(puts(s).map((p) => p.state)).toEqual(['success']);
  });

  it('a job with `run:` (CI steps) fails with runner_system_failure', async () => {
    const { s, go } = await setup({}, 200, { run: '[{"name":"x","script":"echo"}]' });
    expect(await go()).toMatchObject({ state: 'failed', reason: 'runner_system_failure' });
    expect(puts(s).at(-1)).toMatchObject({ failure_reason: 'runner_system_failure' });
  });
});
