// Benchmark: per-job overhead of the docker executor against the shell executor. The same
// 50-job pipeline (5 stages × 10 `true` jobs, `image:` a local busybox image) is run by
// `gitlab-ci-dispatcher run` (compiled dist/, as published) with `--executor shell` and with
// `--executor docker --docker-network-mode host`, alternately, --rounds times; then, when
// tools/gitlab-ci-local is installed, by gitlab-ci-local in its docker mode (it runs jobs with
// `image:` in containers) on the same image, with --pull-policy if-not-present (no registry is reachable here).
// gitlab-ci-local's docker mode also pulls its helper image `firecow/gitlab-ci-local-util` from Docker
// Hub, so where no registry is reachable it fails before its first job (the bench says so).
//
//   npx tsx bench/docker-executor-overhead.ts [--rounds 3] [--stages 5] [--per-stage 10] [--cap 300]
//
// Needs a Docker engine on /var/run/docker.sock; the image is built locally (never pulled).
// Prints wall times (min/median) per mode and the docker executor's extra cost per job:
// (docker median - shell median) × concurrency / jobs, i.e. busy slot time added per job.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { dockerReachable, ensureBusyboxImage } from '../test/support/docker-images.js';
import { arg, fmtMs, machine, percentiles, tempDir, writeProject } from './e2e-support.js';

const root = path.resolve(import.meta.dirname, '..');
const rounds = Number(arg('rounds', '3'));
const stages = Number(arg('stages', '5'));
const perStage = Number(arg('per-stage', '10'));
const capS = Number(arg('cap', '300'));
const jobs = stages * perStage;
const concurrency = availableParallelism();
const IMAGE = 'gcd-bench/busybox:latest';

function yaml(): string {
  const names = Array.from({ length: stages }, (_, i) => `s${i}`);
  const out = [`stages: [${names.join(', ')}]`, `image: ${IMAGE}`, ''];
  for (const [si, stage] of names.entries()) {
    for (let j = 0; j < perStage; j++) out.push(`job-${si}-${j}:`, `  stage: ${stage}`, '  script: ["true"]', '');
  }
  return out.join('\n');
}

function gitRepo(dir: string): void {
  for (const a of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'bench']]) {
    const r = spawnSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...a], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
  }
}

interface Timed {
  ms: number;
  code: number | null;
  tail: string;
}

function timed(cmd: string, args: string[], cwd: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    const keep = (d: Buffer) => (out = (out + String(d)).slice(-3000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGINT');
      } catch {
        // gone
      }
    }, capS * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, code, tail: out.trim().split('\n').slice(-3).join(' | ') });
    });
  });
}

if (!(await dockerReachable())) {
  console.log('docker-executor-overhead: no Docker engine answers on /var/run/docker.sock');
  process.exit(1);
}
await ensureBusyboxImage(IMAGE);
const build = spawnSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', path.join(root, 'tsconfig.build.json')], { encoding: 'utf8' });
if (build.status !== 0) throw new Error(`tsc failed: ${build.stdout}${build.stderr}`);
const cli = path.join(root, 'dist', 'cli', 'main.js');

const tmp = tempDir('gcd-bench-docker-');
try {
  console.log(`docker-executor-overhead: ${stages} stages × ${perStage} = ${jobs} \`true\` jobs in ${IMAGE}, concurrency ${concurrency}, ${rounds} rounds`);
  console.log(`machine: ${machine()}`);
  const modes: Record<string, string[]> = {
    shell: ['--executor', 'shell'],
    docker: ['--executor', 'docker', '--docker-network-mode', 'host', '--docker-pull-policy', 'if-not-present'],
  };
  const times: Record<string, number[]> = { shell: [], docker: [] };
  for (let r = 0; r < rounds; r++) {
    for (const [mode, flags] of Object.entries(modes)) {
      const dir = writeProject(path.join(tmp.dir, `${mode}-${r}`), yaml());
      gitRepo(dir);
      const data = path.join(tmp.dir, `${mode}-${r}-data`);
      mkdirSync(data, { recursive: true });
      const t = await timed(process.execPath, [cli, 'run', dir, '--data', data, '--json', ...flags], root);
      console.log(`round ${r + 1} ${mode.padEnd(6)} ${fmtMs(t.ms)}${t.code === 0 ? '' : ` (exit ${t.code}: ${t.tail.slice(0, 300)})`}`);
      if (t.code === 0) times[mode].push(t.ms);
    }
  }
  const med = (m: string) => percentiles(times[m]).p50;
  for (const m of Object.keys(modes)) {
    if (times[m].length) console.log(`${m}: min ${fmtMs(Math.min(...times[m]))}, median ${fmtMs(med(m))} (${times[m].length} ok runs)`);
  }
  if (times.shell.length && times.docker.length) {
    const perJob = ((med('docker') - med('shell')) * concurrency) / jobs;
    console.log(`docker executor overhead: ${fmtMs(perJob)} of slot time per job (${fmtMs(med('docker') / jobs)} wall per job vs ${fmtMs(med('shell') / jobs)} with shell)`);
  }

  const gclDir = path.join(root, 'tools', 'gitlab-ci-local');
  const gclNode = path.join(gclDir, 'node_modules', '.bin', 'node');
  const gclBin = path.join(gclDir, 'node_modules', '.bin', 'gitlab-ci-local');
  if (existsSync(gclBin) && existsSync(gclNode)) {
    const dir = writeProject(path.join(tmp.dir, 'gcl'), yaml());
    gitRepo(dir);
    spawnSync('git', ['remote', 'add', 'origin', 'https://gitlab.example.com/bench/project.git'], { cwd: dir });
    const t = await timed(gclNode, [gclBin, '--quiet', '--pull-policy', 'if-not-present'], dir);
    console.log(`gitlab-ci-local (docker mode, same image): ${fmtMs(t.ms)}${t.code === 0 ? '' : ` (exit ${t.code}: ${t.tail.slice(0, 300)})`}`);
  } else {
    console.log('gitlab-ci-local is not installed (npm ci --prefix tools/gitlab-ci-local): peer not measured');
  }
} finally {
  tmp.cleanup();
}
