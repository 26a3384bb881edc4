// `gitlab-ci-dispatcher lint` end to end on real directories: once as a child process (the real
// binary entry), the other cases through `main()` in-process (same code path, faster).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const MAIN = join(ROOT, 'src/cli/main.ts');

async function lint(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [MAIN, 'lint', ...args], { cwd: ROOT, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** Runs `main()` in-process, capturing what it writes to stdout and stderr. */
async function lintInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'gitlab-ci-dispatcher', 'lint', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

let base: string;
const project = (name: string, files: Record<string, string>, git = true): string => {
  const dir = join(base, name);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  if (git) {
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  }
  return dir;
};

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'gcd-lint-'));
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('lint command', () => {
  it('prints the plan table and exits 0 for a valid project', async () => {
    const dir = project('valid', {
      '.gitlab-ci.yml': 'include: ci/build.yml\ntest:\n  needs: [build]\n  script: make test\ndeploy:\n  stage: deploy\n  script: ./deploy\n  when: manual\n',
      'ci/build.yml': 'build:\n  stage: build\n  script: make\n',
    });
    const r = await lint([dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/STAGE\s+JOB\s+WHEN\s+ALLOW_FAILURE\s+NEEDS/);
    expect(r.stdout).toMatch(/build\s+build\s+on_success\s+\(stage\)/);
    expect(r.stdout).toMatch(/test\s+test\s+on_success\s+build/);
    expect(r.stdout).toMatch(/deploy\s+deploy\s+manual\s+yes/);
    expect(r.stdout).toContain('valid: 3 job(s) in 3 stage(s); 0 error(s), 0 warning(s)');
  });

  it('reports errors like a compiler and exits 2', async () => {
    const dir = project('invalid', { '.gitlab-ci.yml': 'build:\n  scirpt: make\n  script: make\ntest:\n  needs: [nope]\n  script: x\n' });
    const r = await lintInProcess([dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.gitlab-ci.yml:2:3: error: jobs:build config contains unknown keys: scirpt');
    // GitLab's message as it is, then a hint at the unknown key
    expect(r.stderr).toContain('.gitlab-ci.yml:2:3: error: jobs:build config contains unknown keys: scirpt\n.gitlab-ci.yml:2:3: hint: did you mean `script:` instead of `scirpt:`?\n');
    expect(r.stderr).toContain('.gitlab-ci.yml:5:11: error: test job: undefined need: nope');
    expect(r.stdout).toContain('invalid: ');
  });

  it('a YAML syntax error is the only news: no "workflow:rules" reason after it', async () => {
    const dir = project('syntax', { '.gitlab-ci.yml': 'build:\n  script: [echo hi\n  stage: x\n' });
    const r = await lintInProcess([dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\.gitlab-ci\.yml:\d+:\d+: error: yaml syntax error/);
    expect(r.stdout + r.stderr).not.toContain('workflow:rules');
    expect(r.stdout).toContain('invalid: 0 job(s)');
  });

  it('--json prints the documented object; --ref/--tag/--source/--variable drive rules', async () => {
    const dir = project('json', {
      '.gitlab-ci.yml': [
        'variables:',
        '  G: "1"',
        'release:',
        '  script: echo',
        '  rules:',
        '    - if: $CI_COMMIT_TAG =~ /^v/',
        'scheduled:',
        '  script: echo',
        '  rules:',
        '    - if: $CI_PIPELINE_SOURCE == "schedule" && $FOO == "bar"',
        'always:',
        '  script: [echo a, echo b]',
        '  retry: 1',
        '  timeout: 10m',
        '  artifacts:',
        '    paths: [out/]',
        '',
      ].join('\n'),
    });
    const branch = await lintInProcess([dir, '--json']);
    expect(branch.code).toBe(0);
    const a = JSON.parse(branch.stdout);
    expect(Object.keys(a)).toEqual(['valid', 'errors', 'warnings', 'stages', 'jobs']);
    expect(a.jobs.map((j: { name: string }) => j.name)).toEqual(['always']);
    expect(Object.keys(a.jobs[0])).toEqual([
      'name', 'stage', 'when', 'allow_failure', 'start_in', 'needs', 'dependencies', 'tags', 'retry', 'timeout', 'resource_group',
      'interruptible', 'variables', 'script', 'before_script', 'after_script', 'artifacts', 'image',
    ]);
    expect(a.jobs[0]).toMatchObject({ stage: 'test', when: 'on_success', allow_failure: false, needs: null, retry: { max: 1, when: ['always'] }, timeout: 600, variables: { G: '1' }, script: ['echo a', 'echo b'] });
    expect(a.jobs[0].artifacts.paths).toEqual(['out/']);

    const tag = JSON.parse((await lintInProcess([dir, '--json', '--ref', 'v1.0', '--tag'])).stdout);
    expect(tag.jobs.map((j: { name: string }) => j.name)).toEqual(['release', 'always']);
    const sched = JSON.parse((await lintInProcess([dir, '--json', '--source', 'schedule', '--variable', 'FOO=bar'])).stdout);
    expect(sched.jobs.map((j: { name: string }) => j.name)).toEqual(['scheduled', 'always']);
  });

  it('--json says when workflow:rules create no pipeline', async () => {
    const dir = project('workflow', { '.gitlab-ci.yml': 'workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == "web"\njob:\n  script: echo\n' }, false);
    const r = await lintInProcess([dir, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.jobs).toEqual([]);
    expect(out.workflow).toEqual({ created: false });
  });

  it('reads template/project/component includes from local stand-in directories', async () => {
    const dir = project('external', {
      '.gitlab-ci.yml': [
        'include:',
        '  - template: Jobs/Lint.gitlab-ci.yml',
        '  - project: group/shared',
        '    ref: v1',
        '    file: /ci/common.yml',
        '  - component: $CI_SERVER_FQDN/group/comps/deploy@1.0',
        '    inputs:',
        '      env: prod',
        '  - remote: https://example.com/x.yml',
        '',
      ].join('\n'),
    });
    const stand = project('standins', {
      'templates/Jobs/Lint.gitlab-ci.yml': 'lint:\n  script: lint\n',
      'projects/group/shared/ci/common.yml': 'common:\n  script: common\n',
      'components/group/comps/templates/deploy.yml': 'spec:\n  inputs:\n    env:\n---\n"deploy-$[[ inputs.env ]]":\n  script: deploy\n',
    }, false);
    const r = await lintInProcess([dir, '--json', '--templates-dir', join(stand, 'templates'), '--projects-dir', join(stand, 'projects'), '--components-dir', join(stand, 'components')]);
    const out = JSON.parse(r.stdout);
    expect(out.jobs.map((j: { name: string }) => j.name)).toEqual(['lint', 'common', 'deploy-prod']);
    expect(out.errors.map((e: { message: string }) => e.message)).toEqual(['include:remote `https://example.com/x.yml` is not available offline (remote includes are disabled, or the file could not be fetched)']);
    expect(r.code).toBe(2);
  });
});
