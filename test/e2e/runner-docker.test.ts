// The built-in runner's docker executor against this machine's Docker engine (host network):
// a canceled or timed-out job leaves no container behind, and what a crashed run left (stale
// containers with this runner's label) is removed when the runner starts. The coordinator is a
// small scripted HTTP server. Skipped with a message when no engine answers, unless
// GCD_REQUIRE_DOCKER=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoordinatorClient } from '../../src/runner/network/coordinator-client.js';
import { decodeJobPayload } from '../../src/runner/network/job-payload.js';
import { tinyServer } from '../../src/runner/test-support/tiny-server.js';
import { runJob } from '../../src/runner/job/run-job.js';
import { createRunner, dockerExecutor, LABEL_JOB, LABEL_RUNNER } from '../../src/runner/index.js';
import { readFileSync } from 'node:fs';
import { runCli } from '../support/run-cli.js';
import { docker, ensureBusyboxImage, labelledContainers, removeLabelledContainers, requireDocker } from '../support/docker-images.js';

const haveDocker = await requireDocker('docker executor runner tests (cancel, timeout, stale containers)');
const IMAGE = 'gcd-test/busybox-a:latest';
const TOKEN = 'glrt-dockertest1';
const SHORT = 'dockerte';
const work = mkdtempSync(path.join(tmpdir(), 'gcd-runner-docker-'));

async function runSlowJob(opts: { id: number; status?: 'canceling' | 'canceled'; timeoutS?: number }) {
  let seen = '';
  const s = await tinyServer((req, res) => {
    if (req.method === 'PATCH') seen += req.body.toString();
    const stop = opts.status && seen.includes('started-slow') ? { 'job-status': opts.status } : {};
    res.writeHead(req.method === 'PATCH' ? 202 : 200, stop).end();
  });
  const client = new CoordinatorClient({ url: s.url });
  const job = decodeJobPayload(
    JSON.stringify({
      id: opts.id,
      token: `jt-${opts.id}`,
      git_info: { repo_url: 'http://gitlab-ci-token:jt@h/g/p.git', sha: '0123456789abcdef', ref: 'main' },
      runner_info: { timeout: opts.timeoutS ?? 3600 },
      variables: [{ key: 'GIT_STRATEGY', value: 'none' }],
      image: { name: IMAGE },
      services: [{ name: IMAGE, alias: 'sleeper', command: ['sleep', '300'] }],
      steps: [
        { name: 'script', script: ['echo started-slow', 'sleep 300'] },
        { name: 'after_script', script: ['echo "after: $CI_JOB_STATUS"'] },
      ],
      features: { trace_sections: false, failure_reasons: ['script_failure', 'runner_system_failure', 'job_execution_timeout'] },
    }),
  );
  const executor = dockerExecutor({ runnerToken: TOKEN, networkMode: 'host', pullPolicy: ['if-not-present'] });
  const started = Date.now();
  try {
    const outcome = await runJob({
      client,
      job,
      executor,
      runnerToken: TOKEN,
      buildsDir: path.join(work, 'b'),
      cacheDir: path.join(work, 'c'),
      slot: 0,
      projectSlot: 0,
      trace: { updateIntervalMs: 200, finalIntervalMs: 5 },
    });
    const trace = Buffer.concat(s.requests.filter((r) => r.method === 'PATCH').map((r) => r.body)).toString();
    return { outcome, trace, ms: Date.now() - started };
  } finally {
    await client.close();
    await s.close();
  }
}

describe.skipIf(!haveDocker)('docker executor: nothing is left behind', () => {
  beforeAll(() => ensureBusyboxImage(IMAGE), 60_000);
  afterAll(async () => {
    await removeLabelledContainers();
    rmSync(work, { recursive: true, force: true });
  });

  it('a graceful cancel (Job-Status: canceling) stops the container, runs after_script, removes job and service containers', async () => {
    const r = await runSlowJob({ id: 501, status: 'canceling' });
    expect(r.outcome).toMatchObject({ state: 'failed', reason: 'job_canceled' });
    expect(r.trace).toContain('started-slow');
    expect(r.trace).toContain('after: canceled');
    expect(r.ms).toBeLessThan(30_000);
    expect(await labelledContainers(`${LABEL_JOB}=501`)).toEqual([]);
  }, 40_000);

  it('a hard cancel (Job-Status: canceled) and a timeout remove every container of the job', async () => {
    const [canceled, timedOut] = await Promise.all([runSlowJob({ id: 502, status: 'canceled' }), runSlowJob({ id: 503, timeoutS: 3 })]);
    expect(canceled.outcome).toMatchObject({ state: 'failed', reason: 'job_canceled' });
    expect(canceled.trace).not.toContain('after: ');
    expect(timedOut.outcome).toMatchObject({ state: 'failed', reason: 'job_execution_timeout' });
    expect(await labelledContainers(`${LABEL_JOB}=502`)).toEqual([]);
    expect(await labelledContainers(`${LABEL_JOB}=503`)).toEqual([]);
  }, 40_000);

  it("removes a previous crash's stale containers of this runner when it starts, and only those", async () => {
    const create = (runner: string) =>
      docker.createContainer({ Image: IMAGE, Cmd: ['sleep', '300'], Labels: { [LABEL_RUNNER]: runner, [LABEL_JOB]: '77' }, HostConfig: { NetworkMode: 'host' } });
    const stale = await create(SHORT);
    await stale.start();
    await create(SHORT); // a stopped one
    const other = await create('otherrun');
    // what was left of this runner's containers when its first poll arrived
    let firstPollLeft: Promise<string[]> | undefined;
    const s = await tinyServer((_req, res) => {
      firstPollLeft ??= labelledContainers(`${LABEL_RUNNER}=${SHORT}`);
      res.writeHead(204).end();
    });
    const runner = createRunner({ url: s.url, token: TOKEN, buildsDir: path.join(work, 'b2'), cacheDir: path.join(work, 'c2'), pollIntervalMs: 100, docker: { networkMode: 'host' } });
    try {
      runner.start();
      const until = Date.now() + 15_000;
      while ((await labelledContainers(`${LABEL_RUNNER}=${SHORT}`)).length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(await labelledContainers(`${LABEL_RUNNER}=${SHORT}`)).toEqual([]);
      expect(await labelledContainers(`${LABEL_RUNNER}=otherrun`)).toEqual([other.id]);
      // the runner polled only after the sweep: the info it sends names the docker executor
      expect(s.requests.length).toBeGreaterThan(0);
      expect(await firstPollLeft).toEqual([]);
      expect(JSON.parse(s.requests[0].body.toString()).info).toMatchObject({ executor: 'docker', features: { image: true, services: true } });
    } finally {
      await runner.stop();
      await s.close();
      await other.remove({ force: true });
    }
  }, 30_000);

  it('runner register --executor docker saves [runners.docker]; runner run reads it and polls as the docker executor', async () => {
    const s = await tinyServer((req, res) => {
      if (req.url.endsWith('/runners/verify')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 9, token: 'glrt-registered9', token_expires_at: null }));
      res.writeHead(204).end();
    });
    const config = path.join(work, 'runner.json');
    try {
      const reg = await runCli(['runner', 'register', '--url', s.url, '--token', 'glrt-registered9', '--config', config, '--executor', 'docker', '--docker-image', IMAGE, '--docker-network-mode', 'host', '--docker-pull-policy', 'if-not-present,never']);
      expect(reg.code, reg.stderr).toBe(0);
      const saved = JSON.parse(readFileSync(config, 'utf8'));
      expect(saved.runners[0]).toMatchObject({ executor: 'docker', docker: { image: IMAGE, network_mode: 'host', pull_policy: ['if-not-present', 'never'] } });
      let pid = 0;
      const running = runCli(['runner', 'run', '--config', config, '--poll-interval', '200'], { onSpawn: (p) => (pid = p), timeoutMs: 30_000 });
      const until = Date.now() + 20_000;
      while (!s.requests.some((r) => r.url.endsWith('/jobs/request')) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      process.kill(pid, 'SIGTERM');
      const r = await running;
      expect(r.code, r.stderr).toBe(0);
      const poll = s.requests.find((x) => x.url.endsWith('/jobs/request'))!;
      expect(JSON.parse(poll.body.toString()).info).toMatchObject({ executor: 'docker', features: { image: true, services: true } });
    } finally {
      await s.close();
    }
  }, 40_000);
});
