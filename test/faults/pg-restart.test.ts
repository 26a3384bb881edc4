// Fault: PostgreSQL restarts under load. Two `serve` processes share a private PostgreSQL cluster
// (its own initdb and port: the machine's shared 5432 is never touched); runner A works through
// node 1, runner B through node 2, and a probe keeps requests in flight on every HTTP edge (UI
// API, git smart HTTP, intake) of both nodes. While a 36-job pipeline runs, the database is
// stopped (`pg_ctl stop -m fast`, later `-m immediate`) and started again.
// What must hold: both server processes survive; requests in flight get 503 with Retry-After,
// never 500; the pipeline finishes with every job's script run exactly once and nothing left
// running; each node's LISTEN connection is back, and a job created on node 1 wakes runner B's
// long poll parked on node 2.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRunner, type Runner } from '../../src/runner/index.js';
import { createPipelineFromDir, createRunnerToken, freePort, startServe, waitForPipelineOver, type ServeProcess } from '../support/dispatcher-process.js';
import { privateClusterAvailable, startPgCluster, type PgCluster } from '../support/pg-cluster.js';

const enabled = privateClusterAvailable('pg-restart fault test');
const JOBS = 36;

function pipelineYaml(logFile: string, jobs: number, sleep: number, prefix = 'job'): string {
  const lines = ['stages: [a, b]', 'variables:', `  RUN_LOG: "${logFile}"`, '  GIT_STRATEGY: none', ''];
  for (let i = 0; i < jobs; i++) {
    lines.push(`${prefix}-${i}:`, `  stage: ${i < jobs / 2 ? 'a' : 'b'}`, '  script:', '    - echo "$CI_JOB_NAME $CI_JOB_ID" >> "$RUN_LOG"');
    if (sleep) lines.push(`    - sleep ${sleep}`);
    lines.push('');
  }
  return lines.join('\n');
}

const lines = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Probe {
  edge: string;
  status: number;
  retryAfter: string | null;
}

describe.skipIf(!enabled)('PostgreSQL restart under load (two nodes)', () => {
  let work: string;
  let cluster: PgCluster | null = null;
  const nodes: ServeProcess[] = [];
  const runners: Runner[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'gcd-fault-pg-'));
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(async () => {
    for (const r of runners) await r.stop({ abort: true }).catch(() => undefined);
    for (const n of nodes) await n.stop().catch(() => undefined);
    await cluster?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  test('servers survive, in-flight requests get 503 + Retry-After, every job runs once, LISTEN comes back', async () => {
    const pgc = cluster!;
    const dataDir = path.join(work, 'shared');
    const projectDir = path.join(work, 'project');
    const logFile = path.join(work, 'ran.log');
    await mkdir(projectDir, { recursive: true });
    await writeFile(path.join(projectDir, '.gitlab-ci.yml'), pipelineYaml(logFile, JOBS, 1));

    const node1 = await startServe({ dataDir, port: await freePort(), database: pgc.url, longPollSeconds: 5, tokensWaitMs: Infinity });
    nodes.push(node1);
    const node2 = await startServe({ dataDir, port: await freePort(), database: pgc.url, longPollSeconds: 5 });
    nodes.push(node2);
    const alive = nodes.map(() => true);
    nodes.forEach((n, i) => void n.exited.then(() => (alive[i] = false)));
    const admin = node1.adminToken!;
    expect(admin).toBeTruthy();

    const started = { a: new Map<number, number>(), b: new Map<number, number>() };
    for (const [name, node] of [['a', node1], ['b', node2]] as const) {
      const runner = createRunner({
        url: node.url,
        token: await createRunnerToken(node1.url, admin, { description: `runner ${name}` }),
        concurrency: 3,
        buildsDir: path.join(work, `builds-${name}`),
        cacheDir: path.join(work, `cache-${name}`),
        pollIntervalMs: 200,
        retry: { attempts: 5, minBackoffMs: 100, maxBackoffMs: 2000 },
        trace: { updateIntervalMs: 300, finalIntervalMs: 100 },
      });
      runner.on('job-started', (job) => started[name].set(job.id, Date.now()));
      runners.push(runner);
      runner.start();
    }

    const created = await createPipelineFromDir(node1.url, admin, { dir: projectDir, project: 'faults/pg' });
    expect(created.jobs).toHaveLength(JOBS);

    // Requests in flight on every edge of both nodes, all along.
    const probes: Probe[] = [];
    let probing = true;
    const basic = `Basic ${Buffer.from(`admin:${admin}`).toString('base64')}`;
    const probeLoop = (async () => {
      for (let i = 0; probing; i++) {
        const node = nodes[i % 2];
        const edge = ['ui', 'git', 'ui-write', 'runner'][i % 4];
        try {
          const res =
            edge === 'ui'
              ? await fetch(`${node.url}/api/ui/pipelines/${created.pipeline.id}`, { headers: { authorization: `Bearer ${admin}` } })
              : edge === 'git'
                ? await fetch(`${node.url}/faults/pg.git/info/refs?service=git-upload-pack`, { headers: { authorization: basic } })
                : edge === 'runner'
                  ? // a job update with a token no job has: the job is looked up (normally 403)
                    await fetch(`${node.url}/api/v4/jobs/999999`, {
                      method: 'PUT',
                      headers: { 'content-type': 'application/json', 'job-token': `glcbt-probe-${i}` },
                      body: JSON.stringify({ token: `glcbt-probe-${i}`, state: 'running' }),
                    })
                  : await fetch(`${node.url}/api/ui/runners`, {
                    method: 'POST',
                    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
                    body: JSON.stringify({ description: `probe ${i}`, paused: true }),
                  });
          await res.arrayBuffer();
          probes.push({ edge: `${edge}@node${(i % 2) + 1}`, status: res.status, retryAfter: res.headers.get('retry-after') });
        } catch (e) {
          probes.push({ edge: `${edge}@node${(i % 2) + 1}`, status: -1, retryAfter: (e as Error).message });
        }
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    // An intake upload while the database is down (the tar.gz edge).
    const intakeDuringOutage: Probe[] = [];

    const restart = async (mode: 'fast' | 'immediate', afterStarts: number) => {
      await waitUntil(`${afterStarts} job starts`, async () => (await lines(logFile)).length >= afterStarts, 40_000);
      await pgc.stop(mode);
      const outageProbes = probes.length;
      const intake = await fetch(`${node2.url}/api/ui/pipelines?project=faults/pg-intake&ref=main`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/gzip' },
        body: Buffer.alloc(0),
      }).catch(() => null);
      if (intake) intakeDuringOutage.push({ edge: 'intake@node2', status: intake.status, retryAfter: intake.headers.get('retry-after') });
      await waitUntil('a probe answered during the outage', () => probes.length > outageProbes + 6, 10_000);
      await new Promise((r) => setTimeout(r, 1000));
      await pgc.start();
    };
    await restart('fast', 8);
    await restart('immediate', 20);

    const done = await waitForPipelineOver(() => node1.url, admin, created.pipeline.id, 50_000).catch(async (e) => {
      const rows = await pgc.query(`SELECT id, name, status, runner_id FROM jobs WHERE status NOT IN ('success')`).catch((x) => String(x));
      console.log('[faults] pg-restart: pipeline did not finish; jobs not success:', JSON.stringify(rows), (await lines(logFile)).length, started.a.size, started.b.size, probes.slice(-5));
      for (const n of nodes) console.log('[faults] node output:', n.output().slice(-3000));
      throw e;
    });
    probing = false;
    await probeLoop;

    const ran = await lines(logFile);
    const leftOver = await pgc.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status IN ('running', 'pending', 'canceling')`);
    // Each node LISTENs again (its LISTEN session's last statement).
    await waitUntil('both nodes to LISTEN again', async () => {
      const rows = await pgc.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'gcd' AND query ILIKE 'LISTEN%'`);
      return rows[0].n >= 2;
    }, 10_000);

    // A wake-up across nodes after the restarts: only runner B (node 2) is left; jobs created on node 1.
    await runners[0].stop();
    const wakeDir = path.join(work, 'wake');
    const wakeLog = path.join(work, 'wake.log');
    await mkdir(wakeDir, { recursive: true });
    await writeFile(path.join(wakeDir, '.gitlab-ci.yml'), pipelineYaml(wakeLog, 1, 0, 'wake').replace('stages: [a, b]', 'stages: [a]'));
    // The sweeper loop (delayed jobs, stale jobs) survived the outages: a delayed job still starts.
    const delayedDir = path.join(work, 'delayed');
    await mkdir(delayedDir, { recursive: true });
    await writeFile(
      path.join(delayedDir, '.gitlab-ci.yml'),
      `late:\n  when: delayed\n  start_in: 1 second\n  variables: { GIT_STRATEGY: none }\n  script: [echo "late $CI_JOB_ID" >> "${path.join(work, 'late.log')}"]\n`,
    );
    const delayed = await createPipelineFromDir(node1.url, admin, { dir: delayedDir, project: 'faults/pg-delayed' });
    const delayedDone = await waitForPipelineOver(() => node1.url, admin, delayed.pipeline.id, 20_000);
    const wakeMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 700)); // runner B parks its long poll on node 2
      const before = started.b.size;
      const t0 = Date.now();
      const wake = await createPipelineFromDir(node1.url, admin, { dir: wakeDir, project: 'faults/pg-wake' });
      await waitUntil('runner B to take the wake-up job', () => started.b.size > before, 10_000);
      wakeMs.push(started.b.get(wake.jobs[0].id)! - t0);
      await waitForPipelineOver(() => node1.url, admin, wake.pipeline.id, 10_000);
    }

    const bad = [...probes, ...intakeDuringOutage].filter((p) => p.status >= 500 && p.status !== 503);
    const unavailable = [...probes, ...intakeDuringOutage].filter((p) => p.status === 503);
    const errorLogs = nodes.flatMap((n) => n.output().split('\n').filter((l) => /"level":(50|60)/.test(l)));
    const byName = new Map<string, string[]>();
    for (const line of ran) {
      const [name, id] = line.split(' ');
      byName.set(name, [...(byName.get(name) ?? []), id]);
    }
    console.log(
      `[faults] pg-restart: 2 restarts (fast, immediate) under a ${JOBS}-job pipeline on 2 nodes; ${probes.length} probe requests, ` +
        `${unavailable.length} got 503 (${unavailable.filter((p) => p.retryAfter).length} with Retry-After; ` +
        `${['ui', 'ui-write', 'git', 'runner', 'intake'].map((e) => `${e} ${unavailable.filter((p) => p.edge.startsWith(`${e}@`)).length}`).join(', ')}), ${bad.length} other 5xx, ` +
        `intake during outage: ${intakeDuringOutage.map((p) => p.status).join(',')}; pipeline ${done.pipeline.status}, ` +
        `${ran.length} script runs for ${JOBS} jobs, ${leftOver[0].n} left running; nodes alive: ${alive.join(',')}; ` +
        `delayed job after restart: ${delayedDone.pipeline.status}; LISTEN resubscribed, cross-node wake-ups after restart: ${wakeMs.join(', ')} ms`,
    );

    expect(alive).toEqual([true, true]);
    expect(bad).toEqual([]);
    expect(probes.filter((p) => p.status === -1)).toEqual([]);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const p of unavailable) expect(p.retryAfter, p.edge).toMatch(/^\d+$/);
    expect(new Set(unavailable.map((p) => p.edge.split('@')[0]))).toEqual(new Set(['ui', 'git', 'ui-write', 'runner', 'intake']));
    expect(intakeDuringOutage.map((p) => p.status)).toEqual([503, 503]);
    expect(errorLogs).toEqual([]);
    expect(done.pipeline.status).toBe('success');
    expect(done.jobs).toHaveLength(JOBS);
    for (const job of done.jobs) {
      expect(job.status, job.name).toBe('success');
      expect(byName.get(job.name), job.name).toEqual([String(job.id)]);
    }
    expect(ran).toHaveLength(JOBS);
    expect(leftOver[0].n).toBe(0);
    expect([...started.a.keys()].filter((id) => started.b.has(id))).toEqual([]);
    expect(wakeMs).toHaveLength(3);
    expect(delayedDone.pipeline.status).toBe('success');
    expect(await lines(path.join(work, 'late.log'))).toEqual([`late ${delayed.jobs[0].id}`]);
  }, 120_000);
});
