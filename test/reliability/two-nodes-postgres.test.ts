// Reliability: two dispatcher processes (`serve --database postgres://…`) on one PostgreSQL
// database and one shared data directory (traces, artifacts, repositories: the shared volume of a
// scale-out setup). Runner A talks only to node 1, runner B only to node 2. A 100-job pipeline is
// created on node 1; runner B's long poll is parked on node 2 and must be woken across processes
// (LISTEN/NOTIFY, with the poll fallback behind it). The pipeline completes, every job's script ran
// exactly once, and both runners took jobs. Then node 2 is killed with SIGKILL while runner B has
// jobs running through it and restarted on the same port: runner B's retried trace/final updates
// land on the new process, runner A carries on through node 1, and again every job ran once.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRunner, type Runner } from '../../src/runner/index.js';
import { createPipelineFromDir, createRunnerToken, freePort, startServe, waitForPipelineOver, type ServeProcess } from '../support/dispatcher-process.js';
import { createThrowawayDatabase, requirePostgres, type ThrowawayDatabase } from '../support/pg-throwaway.js';

const enabled = await requirePostgres('two dispatcher processes on one PostgreSQL');

const STAGES = ['s0', 's1', 's2', 's3'];
const JOBS = 100;

function pipelineYaml(logFile: string): string {
  const lines = [`stages: [${STAGES.join(', ')}]`, 'variables:', `  RUN_LOG: "${logFile}"`, '  GIT_STRATEGY: none', ''];
  for (let i = 0; i < JOBS; i++) {
    lines.push(`job-${i}:`, `  stage: ${STAGES[i % STAGES.length]}`, '  script:', '    - echo "$CI_JOB_NAME $CI_JOB_ID" >> "$RUN_LOG"', '');
  }
  return lines.join('\n');
}

describe.skipIf(!enabled)('two dispatcher processes on one PostgreSQL', () => {
  let work: string;
  let db: ThrowawayDatabase | null = null;
  const nodes: ServeProcess[] = [];
  const runners: Runner[] = [];
  const ports: number[] = [];
  let admin: string | null = null;
  const taken = { a: new Set<number>(), b: new Set<number>() };

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'gcd-rel-2n-'));
    db = await createThrowawayDatabase();
  });
  afterAll(async () => {
    for (const r of runners) await r.stop({ abort: true }).catch(() => undefined);
    for (const n of nodes) await n.stop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a 100-job pipeline created on node 1, runners split over both nodes: every job ran exactly once', async () => {
    const dataDir = path.join(work, 'shared');
    const projectDir = path.join(work, 'project');
    const logFile = path.join(work, 'ran.log');
    await mkdir(projectDir, { recursive: true });
    await writeFile(path.join(projectDir, '.gitlab-ci.yml'), pipelineYaml(logFile));

    // Both nodes start at once on a fresh database: migrations must serialise (advisory lock).
    const [p1, p2] = await Promise.all([freePort(), freePort()]);
    ports.push(p1, p2);
    const started = await Promise.all([
      startServe({ dataDir, port: p1, database: db!.url, longPollSeconds: 20, tokensWaitMs: 3000 }),
      startServe({ dataDir, port: p2, database: db!.url, longPollSeconds: 20, tokensWaitMs: 3000 }),
    ]);
    nodes.push(...started);
    const [node1, node2] = started;
    admin = node1.adminToken ?? node2.adminToken;
    expect(admin).toBeTruthy();
    const mk = async (name: 'a' | 'b', node: ServeProcess) => {
      const token = await createRunnerToken(node1.url, admin!, { description: `runner ${name}` });
      const runner = createRunner({
        url: node.url,
        token,
        concurrency: 2,
        buildsDir: path.join(work, `builds-${name}`),
        cacheDir: path.join(work, `cache-${name}`),
        pollIntervalMs: 200,
        retry: { attempts: 5, minBackoffMs: 50, maxBackoffMs: 1000 },
        trace: { updateIntervalMs: 300, finalIntervalMs: 100 },
      });
      runner.on('job-started', (job) => taken[name].add(job.id));
      runners.push(runner);
      runner.start();
    };
    await mk('a', node1);
    await mk('b', node2);
    // Let both runners reach their first (parked) long poll before any job exists.
    await new Promise((r) => setTimeout(r, 500));

    const created = await createPipelineFromDir(node1.url, admin!, { dir: projectDir, project: 'rel/two-nodes' });
    expect(created.jobs).toHaveLength(JOBS);
    const done = await waitForPipelineOver(() => node2.url, admin!, created.pipeline.id, 50_000);

    const lines = (await readFile(logFile, 'utf8')).split('\n').filter(Boolean);
    const ranBy = new Map<string, string[]>();
    for (const line of lines) {
      const [name, id] = line.split(' ');
      ranBy.set(name, [...(ranBy.get(name) ?? []), id]);
    }
    console.info(`[two-nodes] pipeline ${done.pipeline.status}; runner A took ${taken.a.size} jobs (node 1), runner B took ${taken.b.size} (node 2)`);
    for (const job of done.jobs.filter((j) => j.status !== 'success')) {
      const t = await fetch(`${node1.url}/api/ui/jobs/${job.id}/trace`, { headers: { authorization: `Bearer ${admin}` } });
      console.info(`[two-nodes] not a success: ${job.name} #${job.id} ${job.status} ${JSON.stringify(job)}\n${await t.text()}`);
    }

    expect(done.pipeline.status).toBe('success');
    expect(done.jobs).toHaveLength(JOBS);
    for (const job of done.jobs) {
      expect(job.status, job.name).toBe('success');
      expect(ranBy.get(job.name), job.name).toEqual([String(job.id)]);
    }
    expect(lines).toHaveLength(JOBS);
    // No job was handed to both runners, and both took part.
    expect([...taken.a].filter((id) => taken.b.has(id))).toEqual([]);
    expect(taken.a.size + taken.b.size).toBe(JOBS);
    expect(taken.a.size).toBeGreaterThan(0);
    expect(taken.b.size).toBeGreaterThan(0);
  });

  test('kill -9 of node 2 while its runner has running jobs; restart: every job still ran exactly once', async () => {
    expect(nodes).toHaveLength(2);
    const dataDir = path.join(work, 'shared');
    const projectDir = path.join(work, 'project-kill');
    const logFile = path.join(work, 'ran-kill.log');
    await mkdir(projectDir, { recursive: true });
    const yaml = ['stages: [a, b]', 'variables:', `  RUN_LOG: "${logFile}"`, '  GIT_STRATEGY: none', ''];
    for (let i = 0; i < 12; i++) yaml.push(`k-${i}:`, `  stage: ${i < 6 ? 'a' : 'b'}`, '  script:', '    - echo "$CI_JOB_NAME $CI_JOB_ID" >> "$RUN_LOG"', '    - sleep 1', '');
    await writeFile(path.join(projectDir, '.gitlab-ci.yml'), yaml.join('\n'));
    taken.a.clear();
    taken.b.clear();

    const created = await createPipelineFromDir(nodes[0].url, admin!, { dir: projectDir, project: 'rel/two-nodes-kill' });
    // Runner B (node 2) holds running jobs: kill node 2 under them.
    const until = Date.now() + 30_000;
    while (taken.b.size < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    expect(taken.b.size).toBeGreaterThanOrEqual(2);
    await nodes[1].kill9();
    await new Promise((r) => setTimeout(r, 500));
    nodes[1] = await startServe({ dataDir, port: ports[1], database: db!.url, longPollSeconds: 20, tokensWaitMs: 1000 });
    expect(nodes[1].adminToken).toBeNull();

    const done = await waitForPipelineOver(() => nodes[0].url, admin!, created.pipeline.id, 40_000);
    const lines = (await readFile(logFile, 'utf8')).split('\n').filter(Boolean);
    console.info(
      `[two-nodes kill] pipeline ${done.pipeline.status}; runner A took ${taken.a.size}, runner B took ${taken.b.size}; ` +
        `jobs: ${done.jobs.map((j) => `${j.name}#${j.id}:${j.status}`).join(' ')}`,
    );
    expect(done.pipeline.status).toBe('success');
    expect(done.jobs).toHaveLength(12);
    for (const job of done.jobs) {
      expect(job.status, job.name).toBe('success');
      expect(lines.filter((l) => l.split(' ')[0] === job.name), job.name).toEqual([`${job.name} ${job.id}`]);
    }
    expect(lines).toHaveLength(12);
    expect([...taken.a].filter((id) => taken.b.has(id))).toEqual([]);
  });
});
