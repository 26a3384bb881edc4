// `gitlab-ci-dispatcher run` as a user runs it: a separate process, real server, git and runner.
// Exit codes (0, 1, 2, 130), the --json summary, --job selection, --manual, and Ctrl-C.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { runCli } from '../support/run-cli.js';
import { createRunner, registerRunner } from '../../src/runner/index.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-cli-run-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
function project(yaml: string, files: Record<string, string> = {}): string {
  const dir = path.join(work, `p${++n}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), yaml);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

/** A process that exists and is not a zombie (a killed child waiting to be reaped is dead). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

describe('run', () => {
  it('exits 1 when a job fails and prints the last lines of its log', async () => {
    const dir = project(`
ok:
  script: [echo fine]
broken:
  script:
    - 'echo "about to fail: marker-771"'
    - exit 3
`);
    const r = await runCli(['run', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('--- last lines of broken ---');
    expect(r.stdout).toContain('about to fail: marker-771');
    expect(r.stdout).toMatch(/Pipeline #\d+ failed/);
  });

  it('exits 2 on a configuration error with file:line:col diagnostics', async () => {
    // A job with a script and a misspelt key (GitLab: "contains unknown keys"); a job with no
    // script at all gets GitLab's "should implement the script:, run:, or trigger: keyword".
    const dir = project('build:\n  script: [echo hi]\n  artefacts:\n    paths: [out]\n');
    const r = await runCli(['run', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\.gitlab-ci\.yml:\d+:\d+: error: jobs:build config contains unknown keys: artefacts/);
    const noScript = await runCli(['run', project('build:\n  scirpt: [echo hi]\n')]);
    expect(noScript.code).toBe(2);
    expect(noScript.stderr).toContain('.gitlab-ci.yml:1:1: error: jobs:build config should implement the script:, run:, or trigger: keyword');
    expect(noScript.stderr).toContain('.gitlab-ci.yml:2:3: hint: did you mean `script:` instead of `scirpt:`?');
  });

  it('exits 0 with allowed failures and prints the documented --json shape only', async () => {
    const dir = project(`
stages: [a, b]
flaky:
  stage: a
  allow_failure: true
  script: [exit 1]
codes:
  stage: a
  allow_failure:
    exit_codes: [3, 4]
  script: [exit 3]
after:
  stage: b
  script: [echo done]
`);
    const r = await runCli(['run', dir, '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const s = summaryOf(r.stdout);
    expect(Object.keys(s).sort()).toEqual(['jobs', 'pipeline']);
    expect(Object.keys(s.pipeline).sort()).toEqual(['duration', 'id', 'status']);
    expect(s.pipeline.status).toBe('success');
    const flaky = s.jobs.find((j: { name: string }) => j.name === 'flaky');
    expect(Object.keys(flaky).sort()).toEqual(['allow_failure', 'duration', 'exit_code', 'failure_reason', 'name', 'stage', 'status']);
    expect(flaky).toMatchObject({ status: 'failed', allow_failure: true, exit_code: 1, failure_reason: 'script_failure', stage: 'a' });
    expect(s.jobs.find((j: { name: string }) => j.name === 'after').status).toBe('success');
    // allow_failure: exit_codes matched: reported allowed, as GitLab does
    expect(s.jobs.find((j: { name: string }) => j.name === 'codes')).toMatchObject({ status: 'failed', allow_failure: true, exit_code: 3 });
    // counted as GitLab does: the pipeline passed with warnings, nothing failed
    const text = await runCli(['run', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Pipeline #\d+ passed with warnings in [\d.]+s: 1 success, 2 allowed to fail$/m);
    expect(text.stdout).not.toContain('--- last lines');
  });

  it('--job runs only the named job and what it needs; --variable reaches the job', async () => {
    const dir = project(`
stages: [build, test]
compile:
  stage: build
  script: [echo compiled > out.txt]
  artifacts: { paths: [out.txt] }
unrelated:
  stage: build
  script: [echo nope]
check:
  stage: test
  needs: [compile]
  script:
    - grep compiled out.txt
    - test "$WHO" = tester
`);
    const r = await runCli(['run', dir, '--json', '--job', 'check', '--variable', 'WHO=tester']);
    expect(r.code).toBe(0);
    const names = summaryOf(r.stdout).jobs.map((j: { name: string }) => j.name).sort();
    expect(names).toEqual(['check', 'compile']);
  });

  it('--manual plays a manual job; without it the manual job stays manual', async () => {
    const yaml = `
build:
  script: [echo built]
release:
  when: manual
  script: [echo released]
`;
    const played = await runCli(['run', project(yaml), '--json', '--manual', 'release']);
    expect(played.code).toBe(0);
    expect(summaryOf(played.stdout).jobs.find((j: { name: string }) => j.name === 'release').status).toBe('success');
    const idle = await runCli(['run', project(yaml), '--json']);
    expect(idle.code).toBe(0);
    expect(summaryOf(idle.stdout).jobs.find((j: { name: string }) => j.name === 'release').status).toBe('manual');
  });

  it('--verbose streams every job log prefixed with the job name', async () => {
    const dir = project(`
first:
  script: [echo first-output-line]
second:
  script: [echo second-output-line]
`);
    const r = await runCli(['run', dir, '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[first\] first-output-line$/m);
    expect(r.stdout).toMatch(/^\[second\] second-output-line$/m);
    expect(r.stdout).not.toContain('section_start');
  });

  it('--external-runners waits for a runner registered with the printed registration token', async () => {
    const dir = project(`
remote:
  tags: [special]
  script: [echo ran-on-registered-runner]
`);
    let registered = null as { stop(): Promise<void> } | null;
    let stderr = '';
    const r = await runCli(['run', dir, '--external-runners'], {
      onStderr: (chunk) => {
        stderr += chunk;
        const m = /--url (\S+) --registration-token (\S+)/.exec(stderr);
        if (m && !registered) {
          const [, url, token] = m;
          const runner = { stop: async () => {} };
          registered = runner;
          void registerRunner({ url, registrationToken: token, tags: ['special'], runUntagged: false, description: 'registered in test' }).then((reg) => {
            const worker = createRunner({ url, token: reg.token, concurrency: 1, buildsDir: path.join(work, 'ext-builds'), cacheDir: path.join(work, 'ext-cache') });
            runner.stop = () => worker.stop();
            worker.start();
          });
        }
      },
    });
    await registered?.stop();
    expect(stderr).toContain('gitlab-runner register --non-interactive --url http://127.0.0.1:');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/success\s+remote/);
  });

  it('runs the built-in runner in its own process: if it dies, run cancels the pipeline and exits 1', async () => {
    // The job kills the runner process (its grandparent: jobs start from the runner's step
    // driver, a bash); the CLI (and its server) must live on.
    const dir = project(`
stages: [one, two]
killer:
  stage: one
  script:
    - kill -9 "$(cut -d' ' -f4 /proc/$PPID/stat)"
after:
  stage: two
  script: [echo never]
`);
    const r = await runCli(['run', '--json', dir]);
    expect(r.stderr).toMatch(/the built-in runner exited \(SIGKILL\); canceling the pipeline/);
    expect(r.code).toBe(1);
  });

  it('a reader of its output that goes away (`| head`) does not crash it: the pipeline runs to its end', async () => {
    const marker = path.join(work, `after-epipe-${n}`);
    const dir = project(`
stages: [one, two]
first:
  stage: one
  script: ['for i in $(seq 1 200); do echo "line $i of a long log"; done']
later:
  stage: two
  script: ['sleep 1', 'touch ${marker}']
`);
    const root = path.resolve(import.meta.dirname, '..', '..');
    const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'src', 'cli', 'main.ts'), 'run', dir, '--verbose'], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // the first bytes read, then the reading end closed: every later write of the CLI gets EPIPE
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('Ctrl-C cancels the pipeline, kills the job processes and exits 130', async () => {
    const marker = path.join(work, 'pids');
    mkdirSync(marker, { recursive: true });
    const dir = project(`
slow:
  script:
    - sleep 300 &
    - echo $! > ${marker}/child
    - echo $$ > ${marker}/shell
    - echo started-slow-job
    - wait
`);
    let pid = -1;
    const started = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (existsSync(path.join(marker, 'child'))) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
    });
    const running = runCli(['run', dir], { onSpawn: (p) => (pid = p) });
    await started;
    process.kill(pid, 'SIGINT');
    const r = await running;
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/^Pipeline #\d+ canceled( in [\d.]+s)?: 1 canceled$/m);
    expect(r.stdout).not.toMatch(/failed|--- last lines/);
    const child = Number(readFileSync(path.join(marker, 'child'), 'utf8'));
    const shell = Number(readFileSync(path.join(marker, 'shell'), 'utf8'));
    expect(await gone(child)).toBe(true);
    expect(await gone(shell)).toBe(true);
  });
});
