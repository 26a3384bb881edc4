// Debian's python3-gitlab (a client no one here wrote; /usr/bin/python3, not a pyenv python)
// against a real server and the built-in runner: create a pipeline with variables, wait for it,
// list its jobs, read a trace, download artifacts by ref and job name, test report counts, play
// the manual job with variables, keep, erase, delete. Skipped with a message without python3-gitlab.
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, startRestStack, type RestStack } from './rest-stack.js';

const PYTHON = '/usr/bin/python3';
const here = path.dirname(fileURLToPath(import.meta.url));
const havePythonGitlab = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import gitlab'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.GCD_REQUIRE_PYTHON_GITLAB === '1') throw new Error('python3-gitlab is required (apt-get install -y python3-gitlab)');
    console.warn('[python-gitlab-ci] SKIPPED: python3-gitlab missing (apt-get install -y python3-gitlab)');
    return false;
  }
})();

describe.skipIf(!havePythonGitlab)('python-gitlab: pipelines, jobs, artifacts, test reports', () => {
  let s: RestStack;
  beforeAll(async () => {
    s = await startRestStack();
  }, 60_000);
  afterAll(async () => s?.close(), 60_000);

  it('runs a release script’s flows', async () => {
    const { stdout } = await promisify(execFile)(PYTHON, [path.join(here, 'python-gitlab-ci.py')], {
      env: { PATH: '/usr/bin:/bin', GCD_URL: s.url, GCD_TOKEN: s.token, GCD_PROJECT_ID: String(s.project.id) },
      timeout: 150_000,
    });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.user).toBe('root');
    expect(out.status).toBe('success');
    expect(out.pipeline_source).toBe('api');
    expect(out.variables).toMatchObject([{ variable_type: 'env_var', key: 'GREETING', value: 'hello-python', raw: false }]);
    expect(out.jobs).toEqual([
      ['build', 'success'],
      ['deploy', 'manual'],
      ['unit', 'success'],
    ]);
    expect(out.trace).toContain('the secret is [MASKED]');
    expect(out.trace).not.toContain(SECRET);
    expect(out.archive_magic).toBe('PK');
    expect(out.raw).toBe('greeting=hello-python\n');
    expect(out.by_id).toBe('app hello-python\n');
    expect(out.report).toEqual({ total_count: 3, success_count: 1, failed_count: 1, skipped_count: 1, error_count: 0 });
    expect(out.summary_total).toMatchObject({ count: 3, success: 1, failed: 1, skipped: 1, error: 0 });
    expect(out.deploy).toBe('success');
    expect(out.deploy_trace).toContain('deploying to prod');
    expect(out.latest_ids).toContain(out.pipeline_id);
    expect(out.replay).toBe(400);
    expect(out.erased_artifacts).toEqual([]);
    expect(out.after_delete).toBe(404);
  }, 180_000);
});
