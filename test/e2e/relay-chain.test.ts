// Relay mode end to end, with real processes and sockets: upstream = our `serve` (it speaks the
// runner API as GitLab does), a relay registered with it, and the `process` launcher running our
// built-in runner for every job against the relay. The same pipeline (artifacts between stages,
// dotenv, a cancel, a job timeout, a 100 MiB artifact, a trace over 1 MiB) is run once with a
// runner talking to the upstream directly and once through the relay: statuses, traces and
// artifacts must be the same. Then the faults: the upstream restarted mid-job, the relay
// SIGKILLed mid-job (its environment adopted, or failed upstream when it is gone too), a
// launcher that never starts a runner, and SIGTERM past --shutdown-timeout.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPipelineFromDir, createRunnerToken, freePort, startServe, waitForPipelineOver, type PipelineDetailView, type ServeProcess } from '../support/dispatcher-process.js';
import { startRelay, type RelayProcess } from '../support/relay-process.js';
import { runCli } from '../support/run-cli.js';
import { createRunner } from '../../src/runner/index.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-relay-chain-'));
let upstream: ServeProcess;
let upstreamPort = 0;
let admin = '';
let relay: RelayProcess | null = null;
const started: RelayProcess[] = [];

const api = async (route: string, init: RequestInit = {}) => {
  const res = await fetch(`${upstream.url}/api/ui${route}`, { ...init, headers: { authorization: `Bearer ${admin}`, ...(init.headers ?? {}) } });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${route} → ${res.status}: ${await res.text()}`);
  return res;
};
const trace = async (jobId: number) => (await api(`/jobs/${jobId}/trace`)).text();
const artifacts = async (jobId: number) => (await (await api(`/jobs/${jobId}/artifacts`)).json()) as { fileType: string; size: number; filename: string }[];

async function until<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Pids whose command line contains `marker` (the tests' own sleep markers). */
function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').includes(marker)) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

function project(name: string, yaml: string): string {
  const dir = path.join(work, 'src', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), yaml);
  return dir;
}

async function relayWith(args: string[], dataDir: string, port?: number): Promise<RelayProcess> {
  const r = await startRelay(['--listen', `127.0.0.1:${port ?? (await freePort())}`, '--data-dir', dataDir, '--poll-interval', '300', ...args]);
  started.push(r);
  return r;
}

const CHAIN = `
stages: [build, test]
build:
  stage: build
  script:
    - echo hello-from-build > out.txt
    - head -c 104857600 /dev/urandom > big.bin
    - sha256sum big.bin | cut -d' ' -f1 > big.sha
    - echo "DOTENV_KEY=from-build" > build.env
    - for i in $(seq 1 16000); do echo "trace line $i padding padding padding padding padding padding padding"; done
    - echo build-done
  artifacts:
    paths: [out.txt, big.bin, big.sha]
    reports:
      dotenv: build.env
consume:
  stage: test
  script:
    - cat out.txt
    - echo "dotenv says $DOTENV_KEY"
    - sha256sum big.bin | cut -d' ' -f1 | diff - big.sha && echo big-artifact-intact
sleeper:
  stage: test
  dependencies: []
  script:
    - echo sleeper-started
    - sleep 117.25
too-slow:
  stage: test
  dependencies: []
  # longer than the inner runner's start (the upstream's clock starts at the relay's pickup)
  timeout: 30s
  script:
    - echo too-slow-started
    - sleep 120
`;

/** Runs the chain pipeline; cancels `sleeper` once it runs. */
async function runChain(label: string): Promise<{ detail: PipelineDetailView; traces: Record<string, string>; artifacts: Record<string, unknown> }> {
  const created = await createPipelineFromDir(upstream.url, admin, { dir: project(`chain-${label}`, CHAIN), project: `relay/chain-${label}` });
  const id = created.pipeline.id;
  const sleeper = created.jobs.find((j) => j.name === 'sleeper')!;
  await until(async () => (await trace(sleeper.id)).includes('sleeper-started'), `${label}: sleeper to start`, 240_000);
  await api(`/jobs/${sleeper.id}/cancel`, { method: 'POST' });
  const detail = await waitForPipelineOver(() => upstream.url, admin, id, 240_000);
  const traces: Record<string, string> = {};
  const arts: Record<string, unknown> = {};
  for (const j of detail.jobs) {
    traces[j.name] = await trace(j.id);
    arts[j.name] = (await artifacts(j.id)).map((a) => ({ type: a.fileType, size: a.fileType === 'archive' ? 'zip' : a.size, filename: a.filename })).sort((a, b) => a.type.localeCompare(b.type));
  }
  return { detail, traces, artifacts: arts };
}

/** A trace without what differs between two runs: times, ids, build paths, runner names. */
function normalize(t: string): string {
  return t
    // a fresh environment per job clones into an empty directory; the direct runner reuses its
    // builds directory between jobs ("Reinitialized existing…", "Removing out.txt")
    .replace(/section_start:\d+:get_sources[\s\S]*?section_end:\d+:get_sources/g, '<get_sources>')
    .replace(/ on \S+ \S+, system ID: \S+/g, ' on <runner>')
    .replace(/\/\S*\/builds\/[^/\s]+\//g, '<builds>/')
    .replace(/chain-(direct|relay)/g, 'chain-X')
    .replace(/\b[0-9a-f]{8,40}\b/g, '<sha>')
    .replace(/(section_(?:start|end)):\d+/g, '$1:T')
    .replace(/\d+(\.\d+)?/g, 'N');
}

beforeAll(async () => {
  upstreamPort = await freePort();
  upstream = await startServe({ dataDir: path.join(work, 'upstream'), port: upstreamPort, longPollSeconds: 5, tokensWaitMs: Infinity });
  admin = upstream.adminToken!;
}, 60_000);

afterAll(async () => {
  for (const r of started) await r.kill9().catch(() => undefined);
  await upstream?.stop().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe('relay chain: serve ← relay ← built-in runner (process launcher)', () => {
  let direct: Awaited<ReturnType<typeof runChain>>;
  let relayed: Awaited<ReturnType<typeof runChain>>;
  const relayData = path.join(work, 'relay-main');
  const relayConfig = path.join(work, 'relay.json');

  it('runs the pipeline with a runner talking to the upstream directly', async () => {
    const token = await createRunnerToken(upstream.url, admin, { description: 'direct' });
    const runner = createRunner({ url: upstream.url, token, concurrency: 3, buildsDir: path.join(work, 'direct', 'builds'), cacheDir: path.join(work, 'direct', 'cache'), pollIntervalMs: 300 });
    runner.start();
    try {
      direct = await runChain('direct');
    } finally {
      await runner.stop({ abort: true });
    }
    expect(direct.detail.jobs.map((j) => [j.name, j.status, j.failureReason]).sort()).toEqual([
      ['build', 'success', null],
      ['consume', 'success', null],
      ['sleeper', 'canceled', null],
      ['too-slow', 'failed', 'job_execution_timeout'],
    ]);
  }, 300_000);

  it('relay register (registration-token flow) saves the upstream and token in the config file', async () => {
    const r = await runCli(['relay', 'register', '--upstream-url', upstream.url, '--registration-token', upstream.registrationToken!, '--description', 'chain relay', '--config', relayConfig]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Relay registered upstream \(runner id \d+, new runner\)/);
    const saved = JSON.parse(readFileSync(relayConfig, 'utf8')) as { relay: { upstreamUrl: string; upstreamToken: string } };
    expect(saved.relay.upstreamUrl).toBe(upstream.url);
    expect(saved.relay.upstreamToken.length).toBeGreaterThan(16);
    const bad = await runCli(['relay', 'register', '--upstream-url', upstream.url, '--registration-token', 'not-the-token', '--config', path.join(work, 'x.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/registering runner failed: 403/);
  }, 60_000);

  it('runs the same pipeline through the relay with the same statuses, traces and artifacts', async () => {
    relay = await relayWith(['--config', relayConfig, '--max-jobs', '3'], relayData);
    relayed = await runChain('relay');
    expect(relayed.detail.jobs.map((j) => [j.name, j.status, j.failureReason]).sort()).toEqual(direct.detail.jobs.map((j) => [j.name, j.status, j.failureReason]).sort());
    expect(relayed.traces.consume).toContain('hello-from-build');
    expect(relayed.traces.consume).toContain('dotenv says from-build');
    expect(relayed.traces.consume).toContain('big-artifact-intact');
    expect(relayed.traces.build.length).toBeGreaterThan(1024 * 1024);
    expect(relayed.traces.build).toContain('trace line 16000 ');
    expect(relayed.artifacts).toEqual(direct.artifacts);
    for (const name of Object.keys(direct.traces)) expect(normalize(relayed.traces[name]), name).toBe(normalize(direct.traces[name]));
    // every environment is torn down: no job left, no sleeper left behind
    await until(async () => !processesWith('sleep 117.25').length, 'the canceled job to leave no process', 20_000);
    // the teardown (SIGTERM, the inner runner exits) is under way; it must end well before the
    // launcher's 10 s grace would SIGKILL a runner that does not exit
    let jobs: unknown[];
    const until8 = Date.now() + 8000;
    do {
      const status = await runCli(['relay', 'status', '--listen', new URL(relay.url).host, '--json']);
      expect(status.code, status.stderr).toBe(0);
      jobs = (JSON.parse(status.stdout) as { jobs: unknown[] }).jobs;
    } while (jobs.length && Date.now() < until8);
    expect(jobs).toEqual([]);
    const log = relay.output();
    for (const step of ['job received', 'environment launched', 'job picked up by the inner runner', 'job finished', 'environment torn down']) expect(log).toContain(step);
  }, 300_000);

  it('serves /-/health and /metrics, and refuses tokens that are not a running job\'s', async () => {
    const health = await fetch(`${relay!.url}/-/health`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${relay!.url}/metrics`)).text();
    expect(metrics).toMatch(/gcd_relay_jobs_total\{outcome="success"\} 2/);
    expect(metrics).toMatch(/gcd_relay_proxied_bytes_total\{kind="artifact_upload"\} \d{9}/);
    const req = await fetch(`${relay!.url}/api/v4/jobs/request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'glrt-guess' }) });
    expect(req.status).toBe(403);
    const put = await fetch(`${relay!.url}/api/v4/jobs/1`, { method: 'PUT', headers: { 'content-type': 'application/json', 'job-token': 'nope' }, body: '{"state":"success"}' });
    expect(put.status).toBe(403);
    expect((await fetch(`${relay!.url}/api/v4/runners`, { method: 'GET' })).status).toBe(404);
    expect(await relay!.stop()).toBe(0);
    relay = null;
  }, 60_000);
});

describe('relay faults', () => {
  let token = '';
  // a relay a failed test left running would take the next test's job
  afterEach(async () => {
    for (const r of started) await r.stop(15_000).catch(() => undefined);
  });
  beforeAll(async () => {
    // the glrt- flow: a runner created upstream, verified by `relay register --token`
    const glrt = await createRunnerToken(upstream.url, admin, { description: 'fault relay' });
    const file = path.join(work, 'fault-relay.json');
    const r = await runCli(['relay', 'register', '--upstream-url', upstream.url, '--token', glrt, '--config', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('token verified');
    token = (JSON.parse(readFileSync(file, 'utf8')) as { relay: { upstreamToken: string } }).relay.upstreamToken;
    expect(token).toBe(glrt);
  }, 60_000);

  const oneJob = async (name: string, script: string[], extra = '') => {
    const yaml = `${name}:\n${extra}  script:\n${script.map((s) => `    - ${JSON.stringify(s)}`).join('\n')}\n`;
    const p = await createPipelineFromDir(upstream.url, admin, { dir: project(name, yaml), project: `relay/${name}` });
    return { pipelineId: p.pipeline.id, jobId: p.jobs[0].id };
  };

  it('the upstream restarted mid-job: the final update arrives once it is back', async () => {
    const r = await relayWith(['--upstream-url', upstream.url, '--upstream-token', token], path.join(work, 'relay-up-restart'));
    const { pipelineId, jobId } = await oneJob('up-restart', ['echo phase-one', 'sleep 12', 'echo phase-two']);
    // (the trace arrives at the upstream's update interval, so the relay's log says when the job runs)
    await until(async () => r.output().includes('job picked up by the inner runner'), 'the inner runner to take the job', 120_000);
    await new Promise((res) => setTimeout(res, 3000));
    await upstream.kill9();
    try {
      // the job ends while the upstream is down: its trace and final update wait for it
      await new Promise((res) => setTimeout(res, 25_000));
    } finally {
      upstream = await startServe({ dataDir: path.join(work, 'upstream'), port: upstreamPort, longPollSeconds: 5 });
    }
    const d = await waitForPipelineOver(() => upstream.url, admin, pipelineId, 180_000);
    expect(d.jobs[0].status).toBe('success');
    expect(await trace(jobId)).toContain('phase-two');
    expect(r.output()).toMatch(/upstream unreachable/);
    expect(await r.stop()).toBe(0);
  }, 300_000);

  it('the relay SIGKILLed mid-job and restarted adopts the running environment', async () => {
    const data = path.join(work, 'relay-kill');
    const port = await freePort();
    const first = await relayWith(['--upstream-url', upstream.url, '--upstream-token', token], data, port);
    const { pipelineId, jobId } = await oneJob('relay-kill', ['echo adopt-start', 'sleep 16.5', 'echo adopt-end']);
    await until(async () => first.output().includes('job picked up by the inner runner'), 'the inner runner to take the job', 120_000);
    await new Promise((res) => setTimeout(res, 3000));
    await first.kill9();
    const second = await relayWith(['--upstream-url', upstream.url, '--upstream-token', token], data, port);
    const d = await waitForPipelineOver(() => upstream.url, admin, pipelineId, 120_000);
    expect(d.jobs[0].status).toBe('success');
    expect(await trace(jobId)).toContain('adopt-end');
    expect(second.output()).toContain('adopted the environment of a running job');
    await until(async () => !processesWith('sleep 16.5').length && JSON.parse(readFileSync(path.join(data, 'relay-state.json'), 'utf8')).jobs.length === 0, 'teardown after adoption', 30_000);
    expect(await second.stop()).toBe(0);
  }, 300_000);

  it('the relay and its environment SIGKILLed: the restarted relay fails the job upstream', async () => {
    const data = path.join(work, 'relay-kill-both');
    const port = await freePort();
    const first = await relayWith(['--upstream-url', upstream.url, '--upstream-token', token], data, port);
    const { pipelineId, jobId } = await oneJob('relay-kill-both', ['echo both-start', 'sleep 60.5']);
    await until(async () => (await trace(jobId)).includes('both-start'), 'the job to start', 120_000);
    const state = JSON.parse(readFileSync(path.join(data, 'relay-state.json'), 'utf8')) as { jobs: { env: { pid: number } }[] };
    await first.kill9();
    const envPid = state.jobs[0].env.pid;
    process.kill(-envPid, 'SIGKILL'); // the environment the relay started, crashed with it
    for (const pid of processesWith('sleep 60.5')) process.kill(pid, 'SIGKILL');
    const second = await relayWith(['--upstream-url', upstream.url, '--upstream-token', token], data, port);
    const d = await waitForPipelineOver(() => upstream.url, admin, pipelineId, 60_000);
    expect([d.jobs[0].status, d.jobs[0].failureReason]).toEqual(['failed', 'runner_system_failure']);
    expect(await trace(jobId)).toContain("relay: the relay restarted and the job's environment is gone");
    expect(await second.stop()).toBe(0);
  }, 300_000);

  it('a launcher that never starts a runner fails the job after --launch-timeout and leaves nothing behind', async () => {
    const r = await relayWith(['--upstream-url', upstream.url, '--upstream-token', token, '--launcher', 'command', '--launch-command', 'sleep "598.5"', '--launch-timeout', '3'], path.join(work, 'relay-no-runner'));
    const { pipelineId, jobId } = await oneJob('no-runner', ['echo never']);
    const d = await waitForPipelineOver(() => upstream.url, admin, pipelineId, 60_000);
    expect([d.jobs[0].status, d.jobs[0].failureReason]).toEqual(['failed', 'runner_system_failure']);
    expect(await trace(jobId)).toMatch(/no runner picked the job up within 3s of its launch \(--launch-timeout\)/);
    await until(async () => !processesWith('sleep 598.5').length, 'the launched command to be stopped', 20_000);
    expect(await r.stop()).toBe(0);
  }, 120_000);

  it('SIGTERM past --shutdown-timeout fails the running job upstream, tears down and exits 0', async () => {
    const r = await relayWith(['--upstream-url', upstream.url, '--upstream-token', token, '--shutdown-timeout', '1'], path.join(work, 'relay-shutdown'));
    const { pipelineId, jobId } = await oneJob('shutdown', ['echo shut-start', 'sleep 61.5']);
    await until(async () => (await trace(jobId)).includes('shut-start'), 'the job to start', 120_000);
    expect(await r.stop()).toBe(0);
    const d = await waitForPipelineOver(() => upstream.url, admin, pipelineId, 30_000);
    expect([d.jobs[0].status, d.jobs[0].failureReason]).toEqual(['failed', 'runner_system_failure']);
    // the relay stops the environment first: the built-in runner inside reports the abort itself
    // (else the relay does: "relay: the relay is shutting down")
    expect(await trace(jobId)).toMatch(/(relay: the relay|aborted: the runner) is shutting down/);
    await until(async () => !processesWith('sleep 61.5').length, 'no process left', 20_000);
  }, 180_000);
});
