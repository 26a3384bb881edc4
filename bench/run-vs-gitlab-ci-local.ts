// Benchmark: the same pipelines run by `gitlab-ci-dispatcher run` and by gitlab-ci-local, one
// after the other in one run, each tool in its own temp git repository copy, each with its
// defaults (shell executor; ours: built-in runner, concurrency = CPU count; gitlab-ci-local: no
// concurrency limit, no --shell-isolation). Prints wall times and ratios.
//
//   npx tsx bench/run-vs-gitlab-ci-local.ts [--cap 60] [--only artifacts,stage-200,needs-200] [--ours dist|tsx]
//
// Pipelines: a 6-job artifact pipeline (build → tests → package → deploy, artifacts passed on),
// a 200-job stage-ordered pipeline (5 stages × 40 `true`, no needs) and a 200-job needs pipeline
// (5 × 40, each job needs 2 of the previous stage). Each tool run is capped at --cap seconds (its
// process group is killed) and reported as "did not finish in N s" (peers.md: gitlab-ci-local
// never starts a 200-job stage-ordered pipeline). gitlab-ci-local runs on the Node 22 in
// tools/gitlab-ci-local (install with `npm ci --prefix tools/gitlab-ci-local`). Ours runs as
// compiled JavaScript from `dist/` as the published package runs it (default `--ours dist`, built
// fresh by tsc at the start), or from source through tsx (`--ours tsx`, ~3 s more startup per
// run on this machine). Startup is included either way.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { arg, fmtMs, machine, needsDagYaml, stageOrderedYaml, tempDir, writeProject } from './e2e-support.js';

const root = path.resolve(import.meta.dirname, '..');
const gclDir = path.join(root, 'tools', 'gitlab-ci-local');
const gclNode = path.join(gclDir, 'node_modules', '.bin', 'node');
const gclBin = path.join(gclDir, 'node_modules', '.bin', 'gitlab-ci-local');
const capS = Number(arg('cap', '60'));
const only = arg('only', 'artifacts,stage-200,needs-200').split(',');
const oursMode = arg('ours', 'dist');

const ARTIFACTS_YAML = `stages: [build, test, package, deploy]

build:
  stage: build
  script:
    - mkdir -p out
    - echo "v1-$CI_COMMIT_SHORT_SHA" > out/version.txt
    - seq 1 2000 > out/data.txt
  artifacts:
    paths: [out/]

unit:
  stage: test
  script:
    - test -f out/version.txt
    - test "$(wc -l < out/data.txt)" -eq 2000

lint:
  stage: test
  needs: []
  script:
    - grep -q stages .gitlab-ci.yml

integration:
  stage: test
  script:
    - grep -q v1- out/version.txt
    - mkdir -p reports && echo ok > reports/it.txt
  artifacts:
    paths: [reports/]

package:
  stage: package
  script:
    - test -f out/version.txt && test -f reports/it.txt
    - tar czf pkg.tgz out reports
  artifacts:
    paths: [pkg.tgz]

deploy:
  stage: deploy
  script:
    - test -f pkg.tgz
    - echo deployed
`;

const PIPELINES: { name: string; jobs: number; yaml: string }[] = [
  { name: 'artifacts', jobs: 6, yaml: ARTIFACTS_YAML },
  { name: 'stage-200', jobs: 200, yaml: stageOrderedYaml({ stages: 5, perStage: 40 }) },
  { name: 'needs-200', jobs: 200, yaml: needsDagYaml({ stages: 5, perStage: 40, fanIn: 2 }) },
];

interface Timed {
  ms: number;
  code: number | null;
  timedOut: boolean;
  tail: string;
}

/** SIGKILL to the process group a child of ours leads (no-op when it is gone already). */
function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs a command in its own process group; kills the whole group at the cap. */
function timed(cmd: string, args: string[], cwd: string, capMs: number): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    let out = '';
    const keep = (d: Buffer) => {
      out = (out + String(d)).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, capMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      // Leftover job processes of a killed run: end the group (ours, by its id).
      killGroup(child.pid);
      resolve({ ms: performance.now() - t0, code, timedOut, tail: out.trim().split('\n').slice(-3).join(' | ') });
    });
  });
}

function gitRepo(dir: string): void {
  const git = (...a: string[]) => {
    const r = spawnSync('git', a, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
  };
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'add', '-A');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'bench');
  git('remote', 'add', 'origin', 'https://gitlab.example.com/bench/project.git');
}

const describe = (t: Timed) => (t.timedOut ? `did not finish in ${capS} s` : `${fmtMs(t.ms)}${t.code === 0 ? '' : ` (exit ${t.code}: ${t.tail.slice(0, 200)})`}`);

if (!existsSync(gclBin) || !existsSync(gclNode)) {
  console.log('gitlab-ci-local is not installed: run `npm ci --prefix tools/gitlab-ci-local` first');
  process.exit(1);
}
const tmp = tempDir('gcd-bench-vs-');
/** argv (after the node binary) that starts our CLI. */
function oursCli(): string[] {
  if (oursMode === 'tsx') return ['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts')];
  // what `npx gitlab-ci-dispatcher` runs: the tsc build in dist/, made fresh here
  const r = spawnSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', path.join(root, 'tsconfig.build.json')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed: ${r.stdout}${r.stderr}`);
  return [path.join(root, 'dist', 'cli', 'main.js')];
}
try {
  const cli = oursCli();
  console.log(`run-vs-gitlab-ci-local: cap ${capS} s per tool run; ours: built-in runner, concurrency ${availableParallelism()} (CPU count); gitlab-ci-local: shell executor defaults`);
  console.log(`machine: ${machine()}`);
  const ourStart = await timed(process.execPath, [...cli, '--version'], root, 60_000);
  const gclStart = await timed(gclNode, [gclBin, '--version'], tmp.dir, 60_000);
  console.log(`startup only (--version): gitlab-ci-dispatcher (${oursMode}) ${fmtMs(ourStart.ms)}, gitlab-ci-local ${fmtMs(gclStart.ms)}`);
  console.log('');
  const rows: string[][] = [['pipeline', 'jobs', 'gitlab-ci-dispatcher', 'gitlab-ci-local', 'ratio (gcl / ours)']];
  for (const p of PIPELINES.filter((x) => only.includes(x.name))) {
    const oursDir = writeProject(path.join(tmp.dir, p.name, 'ours'), p.yaml);
    const gclWork = writeProject(path.join(tmp.dir, p.name, 'gcl'), p.yaml);
    gitRepo(oursDir);
    gitRepo(gclWork);
    const data = path.join(tmp.dir, p.name, 'ours-data');
    mkdirSync(data, { recursive: true });
    const ours = await timed(process.execPath, [...cli, 'run', oursDir, '--data', data, '--json'], root, capS * 1000);
    console.log(`${p.name}: gitlab-ci-dispatcher ${describe(ours)}`);
    const gcl = await timed(gclNode, [gclBin, '--quiet'], gclWork, capS * 1000);
    console.log(`${p.name}: gitlab-ci-local      ${describe(gcl)}`);
    const ratio =
      ours.timedOut || ours.code !== 0
        ? 'n/a'
        : gcl.timedOut
          ? `> ${(capS * 1000 / ours.ms).toFixed(1)}×`
          : gcl.code !== 0
            ? 'n/a (gitlab-ci-local failed)'
            : `${(gcl.ms / ours.ms).toFixed(2)}×`;
    rows.push([p.name, String(p.jobs), describe(ours), describe(gcl), ratio]);
  }
  console.log('');
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
} finally {
  tmp.cleanup();
}
