// Benchmark: the side-by-side harness of `gitlab-ci-dispatcher run` and gitlab-ci-local on the same
// pipelines. Each shape runs in its own temp git repository (one per tool), runs alternate (ours,
// peer, ours, peer …, after one warm-up run of each that is not counted), and each figure is the
// median with min and max. Wall and CPU come from /usr/bin/time (every process the command
// waited for: ours = the CLI, its runner child, the compile worker, git, bash). Results are also
// written to bench/results/run-vs-gitlab-ci-local-<time>.json with the machine's load, so the next
// change can be compared with the last.
//
//   npx tsx bench/run-vs-gitlab-ci-local.ts [--runs 5] [--cap 120] [--only first-line,artifacts,needs-200,stage-200,lint-1000,stage-1000,floor] [--ours dist|tsx] [--cli dist-copy/main.js]
//
// Shapes:
//   first-line  a 1-job pipeline: launch -> the job's first script line on stdout (ours: --verbose)
//   artifacts   6 jobs, artifacts passed between 4 stages
//   needs-200   5 stages x 40 `true` jobs, each needing 2 of the previous stage
//   stage-200   5 stages x 40 `true` jobs, stage-ordered (gitlab-ci-local never starts it: capped)
//   stage-1000  5 stages x 200 `true` jobs, ours only (target: under 30 s)
//   lint-1000   the 1,000-job file of bench/compile.ts: `lint --json` vs `--list-json`, whole process
//   floor       the process work one trivial job needs (bash running git checkout + git clean, then
//               bash running the script), per job, beside our CPU per job on needs-200/stage-200
// Our CPU per job is what a job adds to a 1-job run: (CPU of the shape - CPU of first-line) /
// (jobs - 1), when first-line ran in the same call; the JSON also keeps the whole run's CPU over
// its jobs (cpuPerJobWithStartMs), start-up included.
// Ours runs the built-in runner (its default concurrency: twice the CPU count), from the bundle in dist/bundle/ (built
// fresh by `npm run build` at the start; --ours tsx runs src/ through tsx instead). Its data dir is
// kept between runs of a shape, as a user's .gitlab-ci-dispatcher is. gitlab-ci-local runs its
// defaults (shell executor, no concurrency limit) on the Node 22 in tools/gitlab-ci-local
// (`npm ci --prefix tools/gitlab-ci-local`; GCL_DIR to use another install), with an empty HOME:
// its job shells would otherwise run the user's ~/.bashrc (a pyenv init there waited up to 60 s
// per job on a stale rehash lock, which looked like a hang).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, compileBenchYaml, fmtMs, machine, needsDagYaml, stageOrderedYaml, tempDir, writeProject } from './e2e-support.js';

const root = path.resolve(import.meta.dirname, '..');
const gclDir = process.env.GCL_DIR ?? path.join(root, 'tools', 'gitlab-ci-local');
const gclNode = path.join(gclDir, 'node_modules', '.bin', 'node');
const gclBin = path.join(gclDir, 'node_modules', '.bin', 'gitlab-ci-local');
const capS = Number(arg('cap', '120'));
const runs = Number(arg('runs', '5'));
const only = arg('only', 'first-line,artifacts,needs-200,stage-200,lint-1000,floor').split(',');
const oursMode = arg('ours', 'dist');
const MARK = 'FIRST-SCRIPT-LINE-7f3a';

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

interface Shape {
  name: string;
  jobs: number;
  yaml: string;
  /** ours: extra argv after `run DIR --data D`; 'lint' runs `lint --json DIR` instead. */
  kind: 'run' | 'first-line' | 'lint';
  peer: boolean;
}

const SHAPES: Shape[] = [
  { name: 'first-line', jobs: 1, yaml: `one:\n  script:\n    - echo ${MARK}\n`, kind: 'first-line', peer: true },
  { name: 'artifacts', jobs: 6, yaml: ARTIFACTS_YAML, kind: 'run', peer: true },
  { name: 'needs-200', jobs: 200, yaml: needsDagYaml({ stages: 5, perStage: 40, fanIn: 2 }), kind: 'run', peer: true },
  { name: 'stage-200', jobs: 200, yaml: stageOrderedYaml({ stages: 5, perStage: 40 }), kind: 'run', peer: true },
  { name: 'stage-1000', jobs: 1000, yaml: stageOrderedYaml({ stages: 5, perStage: 200 }), kind: 'run', peer: false },
  { name: 'lint-1000', jobs: 1000, yaml: compileBenchYaml(), kind: 'lint', peer: true },
];

interface Timed {
  wallMs: number;
  cpuMs: number | null;
  /** first-line: ms from the start to the marker on stdout. */
  markMs: number | null;
  code: number | null;
  timedOut: boolean;
  tail: string;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The process group of the command running now (ended with us on Ctrl-C / SIGTERM). */
let current: number | undefined;

/** Runs argv under /usr/bin/time in its own process group, killed at the cap. */
function timed(argv: string[], cwd: string, capMs: number, outFile?: string, env: Record<string, string> = {}): Promise<Timed> {
  const timeFile = path.join(os.tmpdir(), `gcd-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S', '-o', timeFile, ...argv], {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    });
    current = child.pid;
    let out = '';
    let markMs: number | null = null;
    let seen = '';
    const full: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => {
      if (outFile) full.push(d);
      if (markMs === null) {
        // the script's output line, not the echoed command ("$ echo MARK")
        seen += String(d);
        const lines = seen.split('\n');
        seen = lines.pop() ?? '';
        if (lines.some((l) => l.trimEnd().endsWith(MARK) && !l.includes('echo'))) markMs = performance.now() - t0;
      }
      out = (out + String(d)).slice(-4000);
    });
    child.stderr.on('data', (d: Buffer) => {
      out = (out + String(d)).slice(-4000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, capMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      killGroup(child.pid);
      const wallMs = performance.now() - t0;
      let cpuMs: number | null = null;
      try {
        const [, u, s] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        cpuMs = (u + s) * 1000;
      } catch {
        // killed before time wrote
      }
      if (outFile) writeFileSync(outFile, Buffer.concat(full));
      resolve({ wallMs, cpuMs, markMs, code, timedOut, tail: out.trim().split('\n').slice(-3).join(' | ') });
    });
  });
}

function git(dir: string, ...a: string[]): void {
  const r = spawnSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...a], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
}

function gitRepo(dir: string): void {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'bench');
  git(dir, 'remote', 'add', 'origin', 'https://gitlab.example.com/bench/project.git');
}

interface Stat {
  median: number;
  min: number;
  max: number;
}
const stat = (xs: number[]): Stat | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)], min: s[0], max: s[s.length - 1] };
};
const fmtStat = (s: Stat | null) => (s ? `${fmtMs(s.median)} (${fmtMs(s.min)}–${fmtMs(s.max)})` : 'n/a');

if (!existsSync(gclBin) || !existsSync(gclNode)) {
  console.log(`gitlab-ci-local is not installed in ${gclDir}: run \`npm ci --prefix tools/gitlab-ci-local\` first`);
  process.exit(1);
}

function oursCli(): string[] {
  // --cli PATH: an already built main.js (e.g. a copy of dist/bundle, so a rebuild meanwhile does not disturb the run)
  const given = arg('cli', '');
  if (given) return [process.execPath, path.resolve(given)];
  if (oursMode === 'tsx') return [process.execPath, '--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts')];
  const r = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed: ${r.stdout}${r.stderr}`);
  return [process.execPath, path.join(root, 'dist', 'bundle', 'main.js')];
}

/** The process floor of one trivial job, per job: what bash + git checkout + git clean + bash cost. */
async function floorPerJob(dir: string): Promise<number | null> {
  const n = 100;
  const sha = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).stdout.trim();
  const loop = `for i in $(seq ${n}); do bash --noprofile --norc -c 'git -c submodule.recurse=false checkout -f -q ${sha} && git clean -ffdx'; bash --noprofile --norc -c true; done`;
  const t = await timed(['bash', '--noprofile', '--norc', '-c', loop], dir, 120_000);
  return t.cpuMs === null ? null : t.cpuMs / n;
}

const tmp = tempDir('gcd-bench-vs-');
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killGroup(current);
    tmp.cleanup();
    process.exit(130);
  });
}
const results: Record<string, unknown>[] = [];
try {
  const cli = oursCli();
  const started = new Date().toISOString();
  const load0 = os.loadavg();
  console.log(`run-vs-gitlab-ci-local: ${runs} alternated runs per shape after a warm-up, cap ${capS} s; ours: ${cli.slice(1).join(' ')}, built-in runner, concurrency ${2 * os.availableParallelism()}`);
  console.log(`machine: ${machine()}`);
  const rows: string[][] = [['shape', 'jobs', 'ours wall', 'peer wall', 'ratio (ours/peer)', 'ours cpu', 'peer cpu', 'ours cpu/job']];
  let floor: number | null = null;
  let oneJobCpu: number | null = null;
  for (const shape of SHAPES.filter((s) => only.includes(s.name))) {
    const oursDir = writeProject(path.join(tmp.dir, shape.name, 'ours'), shape.yaml);
    const peerDir = writeProject(path.join(tmp.dir, shape.name, 'peer'), shape.yaml);
    gitRepo(oursDir);
    gitRepo(peerDir);
    const data = path.join(tmp.dir, shape.name, 'ours-data');
    mkdirSync(data, { recursive: true });
    const listFile = path.join(tmp.dir, shape.name, 'list.json');
    const oursArgv =
      shape.kind === 'lint' ? [...cli, 'lint', '--json', oursDir] : [...cli, 'run', oursDir, '--data', data, ...(shape.kind === 'first-line' ? ['--verbose'] : ['--json'])];
    const peerArgv = shape.kind === 'lint' ? [gclNode, gclBin, '--list-json', '--home', path.join(peerDir, '.home')] : [gclNode, gclBin, ...(shape.kind === 'first-line' ? [] : ['--quiet'])];
    // The peer's job shells read the user's shell start-up files (ours run bash --noprofile
    // --norc): an empty HOME keeps those (pyenv init and the like) out of its figures.
    const peerHome = path.join(tmp.dir, 'peer-home');
    mkdirSync(peerHome, { recursive: true });
    const one = (who: 'ours' | 'peer') =>
      who === 'ours' ? timed(oursArgv, root, capS * 1000) : timed(peerArgv, peerDir, capS * 1000, shape.kind === 'lint' ? listFile : undefined, { HOME: peerHome });
    const samples: Record<'ours' | 'peer', Timed[]> = { ours: [], peer: [] };
    const peerToo = shape.peer;
    // warm-up (data dir, V8 code cache, page cache), not counted
    await one('ours');
    if (peerToo) await one('peer');
    let peerGaveUp = false;
    for (let i = 0; i < runs; i++) {
      const order: ('ours' | 'peer')[] = i % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours'];
      for (const who of order) {
        if (who === 'peer' && (!peerToo || peerGaveUp)) continue;
        const t = await one(who);
        samples[who].push(t);
        if (who === 'peer' && t.timedOut) peerGaveUp = true; // one cap is enough to know
        if (t.code !== 0 && !t.timedOut) console.log(`  ${shape.name} ${who}: exit ${t.code}: ${t.tail.slice(0, 300)}`);
      }
    }
    const pick = (ts: Timed[], f: (t: Timed) => number | null) => stat(ts.filter((t) => !t.timedOut && t.code === 0).map(f).filter((x): x is number => x !== null));
    const metric = (t: Timed) => (shape.kind === 'first-line' ? t.markMs : t.wallMs);
    const ours = pick(samples.ours, metric);
    const peer = pick(samples.peer, metric);
    const oursCpu = pick(samples.ours, (t) => t.cpuMs);
    const peerCpu = pick(samples.peer, (t) => t.cpuMs);
    // ratio pair by pair (alternated runs), then the median of the pairs
    const pairs = samples.ours.map((o, i) => [o, samples.peer[i]] as const).filter(([o, p]) => p && !o.timedOut && !p.timedOut && o.code === 0 && p.code === 0);
    const ratio = stat(pairs.map(([o, p]) => metric(o)! / metric(p)!));
    const peerTimedOut = samples.peer.some((t) => t.timedOut);
    const ratioText = ratio ? `${ratio.median.toFixed(2)} (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})` : peerTimedOut && ours ? `< ${(ours.median / (capS * 1000)).toFixed(2)} (peer capped at ${capS} s)` : 'n/a';
    // Per job: the CPU a job adds beyond what a 1-job run costs (start-up, snapshot, server),
    // when first-line ran before; else the whole run's CPU over its jobs.
    if (shape.name === 'first-line' && oursCpu) oneJobCpu = oursCpu.median;
    const cpuPerJob = !oursCpu || shape.kind === 'lint' ? null : oneJobCpu !== null && shape.jobs > 1 ? (oursCpu.median - oneJobCpu) / (shape.jobs - 1) : oursCpu.median / shape.jobs;
    const cpuPerJobAll = oursCpu && shape.kind !== 'lint' ? oursCpu.median / shape.jobs : null;
    rows.push([
      shape.name,
      String(shape.jobs),
      fmtStat(ours),
      !peerToo ? 'not run' : peerTimedOut && !peer ? `did not finish in ${capS} s` : fmtStat(peer),
      ratioText,
      oursCpu ? fmtMs(oursCpu.median) : 'n/a',
      peerCpu ? fmtMs(peerCpu.median) : 'n/a',
      cpuPerJob === null ? '' : `${cpuPerJob.toFixed(1)} ms`,
    ]);
    results.push({ shape: shape.name, jobs: shape.jobs, metric: shape.kind === 'first-line' ? 'launch to first script line' : 'whole process', ours, peer, ratio, oursCpu, peerCpu, cpuPerJobMs: cpuPerJob, cpuPerJobWithStartMs: cpuPerJobAll, peerTimedOut, samples });
    console.log(`${shape.name}: ours ${fmtStat(ours)}, gitlab-ci-local ${rows[rows.length - 1][3]}, ratio ${ratioText}`);
  }
  if (only.includes('floor')) {
    const dir = writeProject(path.join(tmp.dir, 'floor'), stageOrderedYaml({ stages: 1, perStage: 1 }));
    gitRepo(dir);
    floor = await floorPerJob(dir);
    console.log(`floor: ${floor === null ? 'n/a' : `${floor.toFixed(1)} ms`} of CPU per trivial job (bash: git checkout + git clean; bash: the script)`);
    results.push({ shape: 'floor', cpuPerJobMs: floor });
  }
  console.log('');
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  if (floor !== null) console.log(`process floor per trivial job (measured the same way): ${floor.toFixed(1)} ms CPU`);
  const outDir = path.join(root, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `run-vs-gitlab-ci-local-${started.replace(/[:.]/g, '-')}.json`);
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  writeFileSync(file, `${JSON.stringify({ started, commit, machine: machine(), loadBefore: load0, loadAfter: os.loadavg(), runs, capS, ours: oursMode, results }, null, 1)}\n`);
  console.log(`\nwritten: ${path.relative(root, file)}`);
} finally {
  tmp.cleanup();
}
