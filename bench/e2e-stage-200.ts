// Benchmark: a stage-ordered 200-job pipeline (5 stages × 40, no `needs`) of `true` jobs run end
// to end exactly as `gitlab-ci-dispatcher run` runs it (runPipelineLocally: in-process server on
// SQLite, snapshot of the directory, pipeline, built-in runner with the shell executor), then the
// data directory is reopened to read each job's queued/started/finished times.
//
//   npx tsx bench/e2e-stage-200.ts [--stages 5] [--per-stage 40] [--concurrency <cpus>] [--git-strategy fetch|none]
//
// Prints: wall time (target < 10 s), per-job overhead (busy slot time per job), pending→running
// latency and job duration percentiles.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runPipelineLocally } from '../src/cli/run-pipeline.js';
import { createServer } from '../src/server/create-server.js';
import { loadServerConfig } from '../src/server/config.js';
import { arg, fmtMs, fmtPercentiles, machine, stageOrderedYaml, tempDir, writeProject } from './e2e-support.js';

const stages = Number(arg('stages', '5'));
const perStage = Number(arg('per-stage', '40'));
const concurrency = Number(arg('concurrency', String(availableParallelism())));
const gitStrategy = arg('git-strategy', 'fetch');
const total = stages * perStage;

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, cb) {
      w.text += String(chunk);
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

const tmp = tempDir('gcd-bench-stage-');
try {
  const variables = gitStrategy === 'fetch' ? undefined : { GIT_STRATEGY: gitStrategy };
  const dir = writeProject(path.join(tmp.dir, 'project'), stageOrderedYaml({ stages, perStage, variables }));
  const dataDir = path.join(tmp.dir, 'data');
  const stdout = sink();
  const stderr = sink();
  console.log(`e2e-stage-200: ${stages} stages × ${perStage} jobs = ${total} \`true\` jobs, built-in runner concurrency ${concurrency}, GIT_STRATEGY ${gitStrategy}`);
  console.log(`machine: ${machine()}`);
  const t0 = performance.now();
  const code = await runPipelineLocally({
    dir,
    dataDir,
    ref: 'main',
    isTag: false,
    source: 'push',
    variables: [],
    jobs: [],
    manual: [],
    committedOnly: false,
    concurrency,
    externalRunners: false,
    keep: false,
    port: 0,
    json: true,
    verbose: false,
    stdout,
    stderr,
  });
  const wall = performance.now() - t0;
  const summary = JSON.parse(stdout.text.trim().split('\n').pop() ?? '{}') as { pipeline?: { status: string; duration: number | null } };
  console.log(`exit ${code}, pipeline ${summary.pipeline?.status}${stderr.text ? `, stderr: ${stderr.text.trim().slice(0, 300)}` : ''}`);

  // Reopen the state to read the stored timestamps.
  const server = await createServer(loadServerConfig({ flags: { dataDir, logLevel: 'silent' } }));
  try {
    const [p] = await server.coordinator.read.pipelines({});
    const detail = (await server.coordinator.read.pipeline(p.id))!;
    const ms = (a: string | null, b: string | null) => (a && b ? Date.parse(b) - Date.parse(a) : NaN);
    const jobs = detail.jobs.filter((j) => !j.retried);
    const created = Date.parse(detail.pipeline.createdAt);
    const firstStart = Math.min(...jobs.map((j) => Date.parse(j.startedAt ?? '')).filter(Number.isFinite));
    const lastFinish = Math.max(...jobs.map((j) => Date.parse(j.finishedAt ?? '')).filter(Number.isFinite));
    const makespan = lastFinish - created;
    const durations = jobs.map((j) => ms(j.startedAt, j.finishedAt)).filter(Number.isFinite);
    const busy = durations.reduce((a, b) => a + b, 0);
    console.log('');
    console.log(`wall time (run, incl. server start, snapshot, compile, shutdown): ${fmtMs(wall)}  (target < 10 s)`);
    console.log(`pipeline makespan (created → last job finished): ${fmtMs(makespan)}; first job started ${fmtMs(firstStart - created)} after creation`);
    console.log(`jobs/s: ${(jobs.length / (makespan / 1000)).toFixed(1)}`);
    console.log(`per-job overhead: ${fmtMs((makespan * concurrency) / jobs.length)} of slot time per job (makespan × concurrency / jobs); ${fmtMs(wall / jobs.length)} of wall time per job`);
    console.log(`runner-side busy time (sum of started → finished): ${fmtMs(busy)} = ${((busy / (makespan * concurrency)) * 100).toFixed(0)}% of slot capacity`);
    console.log(fmtPercentiles('job duration (started → finished, clone + script + uploads)', durations));
    console.log(fmtPercentiles('pending → running (queuedAt → startedAt)', jobs.map((j) => ms(j.queuedAt, j.startedAt)).filter(Number.isFinite)));
    console.log(`statuses: ${JSON.stringify(jobs.reduce<Record<string, number>>((acc, j) => ({ ...acc, [j.status]: (acc[j.status] ?? 0) + 1 }), {}))}`);
  } finally {
    await server.close();
  }
} finally {
  tmp.cleanup();
}
