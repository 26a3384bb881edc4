// What `git push` tells the pusher, with the real git client over smart HTTP: the pipeline URL
// for a valid .gitlab-ci.yml; for an invalid one the `file:line:col` errors and the failed
// pipeline GitLab records (status failed, config_error, yaml_errors, no jobs), readable through
// the UI API; and server-managed refs (refs/pipelines/*, refs/keep-around/*) refused per ref
// without taking the branch pushed alongside down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type DispatcherServer } from '../../src/server/create-server.js';
import { loadServerConfig } from '../../src/server/config.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-push-feedback-'));
let server: DispatcherServer;
let base = '';
let token = '';
let remote = '';
const repo = path.join(work, 'repo');
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Runs `git push` (async: the server lives in this process); resolves even when git exits non-zero. */
async function push(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const r = await promisify(execFile)('git', ['push', '--porcelain', remote, ...args], { cwd: repo, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LANG: 'C' } });
    return { code: 0, stderr: `${r.stderr}\n${r.stdout}` };
  } catch (error) {
    const e = error as { code: number; stderr: string; stdout: string };
    return { code: e.code, stderr: `${e.stderr}\n${e.stdout}` };
  }
}

function commit(file: string, text: string, message: string): string {
  writeFileSync(path.join(repo, file), text);
  git('add', '-A');
  git('commit', '-qm', message);
  return git('rev-parse', 'HEAD').trim();
}

const api = async (p: string) => (await fetch(`${base}/api/ui${p}`, { headers: { authorization: `Bearer ${token}` } })).json();

beforeAll(async () => {
  server = await createServer(loadServerConfig({ flags: { dataDir: path.join(work, 'data'), logLevel: 'silent', webRoot: null } }));
  base = await server.start();
  token = (await server.coordinator.createApiToken('pusher', 'user')).token;
  remote = `${base.replace('http://', `http://anyone:${token}@`)}/team/feedback.git`;
  mkdirSync(repo);
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'T');
});

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('git push feedback', () => {
  it('prints the URL of the pipeline a valid push created', async () => {
    commit('.gitlab-ci.yml', 'build:\n  script: [make]\ntest:\n  script: [make test]\n', 'valid');
    const r = await push('main');
    expect(r.code).toBe(0);
    const [pipeline] = await server.coordinator.read.pipelines({});
    expect(r.stderr).toContain(`remote: Pipeline #${pipeline.id} created for branch main (2 jobs):`);
    expect(r.stderr).toContain(`remote:   ${base}/pipelines/${pipeline.id}`);
  });

  it('prints the file:line:col errors of an invalid .gitlab-ci.yml and records the failed pipeline GitLab shows', async () => {
    const sha = commit('.gitlab-ci.yml', 'build:\n  script: [make]\n  tgas: [x]\ntest:\n  script: [make test]\n  needs: [ghost]\n', 'invalid');
    const r = await push('main');
    // The branch is updated (as on GitLab); only the pipeline fails.
    expect(r.code).toBe(0);
    expect(execFileSync('git', ['-C', server.repos.pathFor('team/feedback'), 'rev-parse', 'refs/heads/main'], { encoding: 'utf8' }).trim()).toBe(sha);
    const errorLine = r.stderr.split('\n').find((l) => /^remote: +\.gitlab-ci\.yml:\d+:\d+: .*ghost/.test(l));
    expect(errorLine, r.stderr).toBeDefined();
    // GitLab's message as it is, then our hint at the misspelt key
    expect(r.stderr).toMatch(/remote: +\.gitlab-ci\.yml:3:3: jobs:build config contains unknown keys: tgas\s*\nremote: +\.gitlab-ci\.yml:3:3: hint: did you mean `tags:` instead of `tgas:`\?/);
    const m = /Pipeline #(\d+) failed for branch main: \.gitlab-ci\.yml is invalid \(config_error\)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const id = Number(m![1]);
    expect(r.stderr).toContain(`remote:   ${base}/pipelines/${id}`);

    const view = (await api(`/pipelines/${id}`)) as {
      pipeline: { status: string; sha: string; source: string; failureReason: string; yamlErrors: { file: string; line: number; column: number; message: string }[] };
      jobs: unknown[];
    };
    expect(view.pipeline).toMatchObject({ status: 'failed', sha, source: 'push', failureReason: 'config_error' });
    expect(view.jobs).toEqual([]);
    expect(view.pipeline.yamlErrors[0]).toMatchObject({ file: '.gitlab-ci.yml' });
    const ghost = view.pipeline.yamlErrors.find((e) => e.message.includes('ghost'))!;
    expect(`  ${ghost.file}:${ghost.line}:${ghost.column}: ${ghost.message}`).toBe(errorLine!.replace(/^remote: /, '').trimEnd());
    expect(view.pipeline.yamlErrors.map((e) => e.message)).toContain('jobs:build config contains unknown keys: tgas');
    const list = (await api('/pipelines')) as { pipelines?: { id: number; status: string }[] } | { id: number; status: string }[];
    const rows = Array.isArray(list) ? list : (list.pipelines ?? []);
    expect(rows.find((p) => p.id === id)?.status).toBe('failed');
  });

  it('refuses pushes to server-managed refs per ref, with a message, and still takes the branch pushed alongside', async () => {
    const [latest] = (await server.coordinator.read.pipelines({})).filter((p) => p.status !== 'failed');
    const bare = server.repos.pathFor('team/feedback');
    const pinned = execFileSync('git', ['-C', bare, 'rev-parse', `refs/pipelines/${latest.id}`], { encoding: 'utf8' }).trim();
    const sha = commit('.gitlab-ci.yml', 'build:\n  script: [make]\n', 'fixed');
    const r = await push(`HEAD:refs/pipelines/${latest.id}`, 'HEAD:refs/keep-around/x', 'HEAD:refs/heads/side');
    expect(r.code).not.toBe(0); // some refs were rejected
    expect(r.stderr).toMatch(new RegExp(`!\\s+HEAD:refs/pipelines/${latest.id}\\s+\\[remote rejected\\] \\(deny updating a hidden ref\\)`));
    expect(r.stderr).toMatch(/!\s+HEAD:refs\/keep-around\/x\s+\[remote rejected\] \(deny updating a hidden ref\)/);
    expect(r.stderr).toMatch(/remote: refs\/pipelines\/\d+, refs\/keep-around\/x: refused, these refs are managed by the server/);
    expect(r.stderr).toMatch(/\*\s+HEAD:refs\/heads\/side\s+\[new branch\]/);
    expect(execFileSync('git', ['-C', bare, 'rev-parse', `refs/pipelines/${latest.id}`], { encoding: 'utf8' }).trim()).toBe(pinned);
    expect(execFileSync('git', ['-C', bare, 'for-each-ref', 'refs/keep-around'], { encoding: 'utf8' }).trim()).toBe('');
    expect(execFileSync('git', ['-C', bare, 'rev-parse', 'refs/heads/side'], { encoding: 'utf8' }).trim()).toBe(sha);
    // The branch got its pipeline; the refused refs none.
    expect(r.stderr).toMatch(/remote: Pipeline #\d+ created for branch side \(1 job\):/);
    // Deleting the pipeline ref is not possible either (it is not even advertised to pushers).
    await push(`:refs/pipelines/${latest.id}`);
    expect(execFileSync('git', ['-C', bare, 'rev-parse', `refs/pipelines/${latest.id}`], { encoding: 'utf8' }).trim()).toBe(pinned);
  });
});
