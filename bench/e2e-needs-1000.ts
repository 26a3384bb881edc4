// Benchmark: a 1,000-job pipeline (5 stages × 200, each job of stage s>0 needs 2 jobs of stage s-1)
// through the real server (HTTP on 127.0.0.1, runner API v4) with 50 built-in runner workers whose
// SDK handler succeeds at once (no bash, no git): the cost of the dispatcher and the protocol.
//
//   npx tsx bench/e2e-needs-1000.ts [--stages 5] [--per-stage 200] [--workers 50] [--database sqlite|postgres]
//
// Prints: creation time (read .gitlab-ci.yml from git + compile + store; target < 1 s) split into
// compile and insert, first pickup latency, pending → running latency percentiles, makespan, jobs/s.
// Times come from coordinator events observed in-process (the runners run in this process too).
import path from 'node:path';
import { createServer } from '../src/server/create-server.js';
import { loadServerConfig } from '../src/server/config.js';
import { createRunner, ok, type Runner } from '../src/runner/index.js';
import type { PipelinePlan } from '../src/ci/plan.js';
import { createPgDatabase, pgReachable } from '../src/store/test-support/pg-database.js';
import { arg, fmtMs, fmtPercentiles, machine, needsDagYaml, tempDir, writeProject } from './e2e-support.js';

const stages = Number(arg('stages', '5'));
const perStage = Number(arg('per-stage', '200'));
const workers = Number(arg('workers', '50'));
const dialect = arg('database', 'sqlite');
const total = stages * perStage;

const tmp = tempDir('gcd-bench-needs-');
const pgDb = dialect === 'postgres' ? ((await pgReachable()) ? await createPgDatabase() : null) : null;
if (dialect === 'postgres' && !pgDb) {
  console.log('postgres: not reachable, nothing to do');
  process.exit(0);
}
const runners: Runner[] = [];
const runnerSide: number[] = [];
const server = await createServer(
  loadServerConfig({ flags: { dataDir: path.join(tmp.dir, 'data'), host: '127.0.0.1', port: 0, longPollSeconds: 30, logLevel: 'silent', database: pgDb?.url ?? null } }),
);
try {
  const url = await server.start();
  console.log(`e2e-needs-1000: ${stages} stages × ${perStage} = ${total} jobs (needs DAG, fan-in 2), ${workers} SDK runner workers, ${dialect}`);
  console.log(`machine: ${machine()}`);
  const dir = writeProject(path.join(tmp.dir, 'project'), needsDagYaml({ stages, perStage, fanIn: 2 }));
  const project = await server.coordinator.ensureProject('bench/needs-1000');
  const commit = await server.importDirectory({ project, dir, committedOnly: false, ref: 'main' });

  for (let i = 0; i < workers; i++) {
    const { token } = await server.coordinator.createRunner({ description: `bench ${i}`, runUntagged: true });
    const runner = createRunner({
      url,
      token,
      concurrency: 1,
      systemId: `bench_${i}`,
      route: { default: async () => ok() },
      buildsDir: path.join(tmp.dir, 'builds'),
      cacheDir: path.join(tmp.dir, 'cache'),
      pollIntervalMs: 1000,
      trace: { updateIntervalMs: 1000, finalIntervalMs: 50 },
    });
    runner.on('job-finished', (o) => runnerSide.push(o.durationMs));
    runners.push(runner);
    runner.start();
  }
  // Let every worker park its long poll before the pipeline exists.
  await new Promise((r) => setTimeout(r, 1500));

  const pendingAt = new Map<number, number>();
  const runningAt = new Map<number, number>();
  let firstRunning = 0;
  let finished = 0;
  let pipelineDone: (status: string) => void = () => {};
  const over = new Promise<string>((r) => (pipelineDone = r));
  let pipelineId = -1;
  const unsubscribe = server.coordinator.subscribe((e) => {
    const now = performance.now();
    if (e.type === 'job') {
      if (e.job.status === 'pending' && !pendingAt.has(e.job.id)) pendingAt.set(e.job.id, now);
      if (e.job.status === 'running' && !runningAt.has(e.job.id)) {
        runningAt.set(e.job.id, now);
        firstRunning ||= now;
      }
      if (e.job.status === 'success') finished++;
    } else if (e.type === 'pipeline' && e.pipeline.id === pipelineId && ['success', 'failed', 'canceled'].includes(e.pipeline.status)) {
      pipelineDone(e.pipeline.status);
    }
  });

  let compiledAt = 0;
  const t0 = performance.now();
  const result = await server.createPipelineFor({
    project,
    ref: 'main',
    isTag: false,
    sha: commit.sha,
    source: 'push',
    transformPlan: (plan: PipelinePlan) => {
      compiledAt = performance.now();
      return plan;
    },
  });
  const t1 = performance.now();
  pipelineId = result.detail!.pipeline.id;
  // Jobs made pending inside the creating transaction have no event of their own before it returns.
  for (const j of result.detail!.jobs) if (j.status === 'pending' && !pendingAt.has(j.id)) pendingAt.set(j.id, t1);
  const latest = await server.coordinator.read.pipeline(pipelineId);
  let giveUp: NodeJS.Timeout | undefined;
  const status =
    latest && ['success', 'failed', 'canceled'].includes(latest.pipeline.status)
      ? latest.pipeline.status
      : await Promise.race([over, new Promise<string>((r) => (giveUp = setTimeout(() => r('timeout (110 s)'), 110_000)))]);
  clearTimeout(giveUp);
  const t2 = performance.now();
  unsubscribe();

  const latencies = [...runningAt].map(([id, at]) => at - (pendingAt.get(id) ?? at));
  console.log('');
  console.log(`pipeline: ${status}; ${finished}/${total} jobs succeeded`);
  console.log(`creation (git read + compile + store, ${total} jobs): ${fmtMs(t1 - t0)}  (target < 1 s) — compile ${fmtMs(compiledAt - t0)}, store ${fmtMs(t1 - compiledAt)}`);
  console.log(`first pickup: ${fmtMs(firstRunning - t1)} after creation returned`);
  console.log(fmtPercentiles('pending → running (event times)', latencies));
  console.log(`makespan (creation returned → pipeline ${status}): ${fmtMs(t2 - t1)}`);
  console.log(`throughput: ${(finished / ((t2 - t1) / 1000)).toFixed(0)} jobs/s with ${workers} workers`);
  console.log(fmtPercentiles('runner side per job (ack → handler → final trace + PUT)', runnerSide));
} finally {
  const s0 = performance.now();
  await Promise.all(runners.map((r) => r.stop({ abort: true }).catch(() => undefined)));
  const s1 = performance.now();
  await server.close();
  console.log(`shutdown: runners ${fmtMs(s1 - s0)}, server ${fmtMs(performance.now() - s1)}`);
  await pgDb?.drop();
  tmp.cleanup();
}
