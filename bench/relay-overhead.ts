// Benchmark: what relay mode adds. Upstream = our `serve` (child process); the relay runs
// in-process with a launcher that starts nothing (it hands RELAY_URL/RELAY_TOKEN to a minimal
// in-process runner at once), so the figures exclude any launcher's own start time.
//   1. added latency per job: upstream pickup (201 to the relay) → the inner runner has the job,
//      over N sequential jobs; plus the makespan of those N trivial jobs, direct vs through the relay
//   2. throughput: a trace of T MiB in 1 MiB PATCHes, an artifact of A MiB up and down,
//      direct vs through the relay
//   npx tsx bench/relay-overhead.ts [jobs=20] [traceMiB=64] [artifactMiB=256]
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CoordinatorClient } from '../src/runner/network/coordinator-client.js';
import { runnerInfo } from '../src/runner/network/runner-info.js';
import { createRelay, loadRelayConfig, type Launcher } from '../src/relay/index.js';
import { createPipelineFromDir, createRunnerToken, freePort, startServe, waitForPipelineOver } from '../test/support/dispatcher-process.js';

const jobs = Number(process.argv[2] ?? 20);
const traceMiB = Number(process.argv[3] ?? 64);
const artifactMiB = Number(process.argv[4] ?? 256);
const work = mkdtempSync(path.join(tmpdir(), 'gcd-bench-relay-'));
const up = await startServe({ dataDir: path.join(work, 'up'), port: await freePort(), longPollSeconds: 20, tokensWaitMs: Infinity, env: { GCD_MAX_ARTIFACT_BYTES: String((artifactMiB + 64) * 1024 * 1024) } });
const admin = up.adminToken!;
const info = runnerInfo();
const MiB = 1024 * 1024;
const fmt = (n: number) => n.toFixed(1);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

function project(name: string, yaml: string): string {
  const dir = path.join(work, 'src', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), yaml);
  return dir;
}
const manyJobs = Array.from({ length: jobs }, (_, i) => `j${i}:\n  script: ['true']\n`).join('');
const artifactFile = path.join(work, 'artifact.zip');
await new Promise<void>((resolve, reject) => {
  const out = createWriteStream(artifactFile);
  const chunk = randomBytes(MiB);
  let left = artifactMiB;
  const write = () => {
    while (left > 0) {
      left--;
      if (!out.write(chunk)) return void out.once('drain', write);
    }
    out.end(resolve);
  };
  out.on('error', reject);
  write();
});

/** A minimal runner: take one job from `url`, optionally move a trace and an artifact, report success. */
async function runOne(url: string, token: string, heavy: boolean): Promise<{ traceMBs?: number; upMBs?: number; downMBs?: number }> {
  const client = new CoordinatorClient({ url });
  try {
    let r = await client.requestJob({ token, info });
    while (r.kind === 'none') r = await client.requestJob({ token, info });
    if (r.kind !== 'job') throw new Error(`no job: ${JSON.stringify(r)}`);
    const job = r.job;
    await client.updateJob(job.id, job.token, { state: 'running', info });
    const out: { traceMBs?: number; upMBs?: number; downMBs?: number } = {};
    if (heavy) {
      const chunk = Buffer.alloc(MiB, 'x');
      let t = performance.now();
      for (let off = 0; off < traceMiB * MiB; off += MiB) {
        const p = await client.patchTrace(job.id, job.token, off, chunk);
        if (p.outcome !== 'ok') throw new Error(`patch ${p.status}`);
      }
      out.traceMBs = traceMiB / ((performance.now() - t) / 1000);
      t = performance.now();
      await client.uploadArtifact(job.id, job.token, { file: artifactFile, filename: 'artifacts.zip', artifactFormat: 'zip', artifactType: 'archive' });
      out.upMBs = artifactMiB / ((performance.now() - t) / 1000);
      t = performance.now();
      await client.downloadArtifact(job.id, job.token, path.join(work, `down-${job.id}.zip`));
      out.downMBs = artifactMiB / ((performance.now() - t) / 1000);
    }
    const fin = await client.updateJob(job.id, job.token, { state: 'success', info });
    if (fin.outcome !== 'ok') throw new Error(`final ${fin.status}`);
    return out;
  } finally {
    await client.close();
  }
}

async function direct(): Promise<{ makespanMs: number; heavy: Awaited<ReturnType<typeof runOne>> }> {
  const token = await createRunnerToken(up.url, admin, { description: 'bench direct' });
  const p = await createPipelineFromDir(up.url, admin, { dir: project('direct-many', manyJobs), project: 'bench/direct-many' });
  const t0 = performance.now();
  for (let i = 0; i < jobs; i++) await runOne(up.url, token, false);
  await waitForPipelineOver(() => up.url, admin, p.pipeline.id, 120_000);
  const makespanMs = performance.now() - t0;
  const h = await createPipelineFromDir(up.url, admin, { dir: project('direct-heavy', 'heavy:\n  script: ["true"]\n'), project: 'bench/direct-heavy' });
  const heavy = await runOne(up.url, token, true);
  await waitForPipelineOver(() => up.url, admin, h.pipeline.id, 120_000);
  return { makespanMs, heavy };
}

async function relayed(): Promise<{ makespanMs: number; heavy: Awaited<ReturnType<typeof runOne>>; pickups: number[] }> {
  const token = await createRunnerToken(up.url, admin, { description: 'bench relay' });
  let heavyNext = false;
  let heavyResult: Awaited<ReturnType<typeof runOne>> = {};
  const launcher: Launcher = {
    kind: 'bench',
    exitGraceMs: 0,
    async launch(ctx) {
      const heavy = heavyNext;
      const exited = runOne(ctx.relayUrl, ctx.token, heavy).then(
        (r) => {
          if (heavy) heavyResult = r;
          return 'done';
        },
        (e: Error) => `failed: ${e.message}`,
      );
      return { ref: { kind: 'process', pid: -1, startTime: null }, exited, stop: async () => void (await exited), describe: () => 'in-process' };
    },
    adopt: async () => null,
  };
  const pickups: number[] = [];
  const logger = {
    debug() {},
    warn() {},
    error: (m: string, f?: Record<string, unknown>) => console.error(m, f),
    info(m: string, f?: Record<string, unknown>) {
      if (m.startsWith('job picked up')) pickups.push(f!.sinceReceivedMs as number);
    },
  };
  const config = loadRelayConfig({ flags: { upstreamUrl: up.url, upstreamToken: token, listen: `127.0.0.1:${await freePort()}`, dataDir: path.join(work, 'relay'), pollInterval: 100 } });
  const relay = createRelay({ config, launcher, info, systemId: 's_bench0000000', logger });
  await relay.start();
  const p = await createPipelineFromDir(up.url, admin, { dir: project('relay-many', manyJobs), project: 'bench/relay-many' });
  const t0 = performance.now();
  await waitForPipelineOver(() => up.url, admin, p.pipeline.id, 300_000);
  const makespanMs = performance.now() - t0;
  heavyNext = true;
  const h = await createPipelineFromDir(up.url, admin, { dir: project('relay-heavy', 'heavy:\n  script: ["true"]\n'), project: 'bench/relay-heavy' });
  const d = await waitForPipelineOver(() => up.url, admin, h.pipeline.id, 300_000);
  if (d.jobs[0].status !== 'success') throw new Error(`heavy job through the relay: ${d.jobs[0].status}`);
  await relay.stop();
  return { makespanMs, heavy: heavyResult, pickups };
}

try {
  const d = await direct();
  const r = await relayed();
  console.log(`relay overhead, ${jobs} sequential trivial jobs (launcher start excluded):`);
  console.log(`  upstream pickup → inner runner has the job: p50 ${fmt(pct(r.pickups, 50))} ms, p90 ${fmt(pct(r.pickups, 90))} ms, max ${fmt(Math.max(...r.pickups))} ms`);
  console.log(`  makespan of ${jobs} jobs: direct ${fmt(d.makespanMs)} ms (${fmt(d.makespanMs / jobs)} ms/job), relay ${fmt(r.makespanMs)} ms (${fmt(r.makespanMs / jobs)} ms/job)`);
  console.log(`throughput (MB/s = MiB/s), direct vs relay:`);
  console.log(`  trace ${traceMiB} MiB in 1 MiB PATCHes: ${fmt(d.heavy.traceMBs!)} vs ${fmt(r.heavy.traceMBs!)}`);
  console.log(`  artifact ${artifactMiB} MiB upload:   ${fmt(d.heavy.upMBs!)} vs ${fmt(r.heavy.upMBs!)}`);
  console.log(`  artifact ${artifactMiB} MiB download: ${fmt(d.heavy.downMBs!)} vs ${fmt(r.heavy.downMBs!)}`);
} finally {
  await up.stop();
  rmSync(work, { recursive: true, force: true });
}
