// python-gitlab (Debian's python3-gitlab, a client no one here wrote) and its CLI `python-gitlab`
// (Debian's gitlab-cli) against a real `serve` process over real sockets: auth (GET /user first),
// projects by path, pagination headers, a masked variable, runners (pause), protected refs, raw
// files. Required in CI (GCD_REQUIRE_PYTHON_GITLAB=1, .ci/run installs the packages).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServe, type ServeProcess } from '../support/dispatcher-process.js';
import { pushRepo, pythonGitlabAvailable } from './support.js';

const run = promisify(execFile);
const available = await pythonGitlabAvailable();
const work = mkdtempSync(path.join(tmpdir(), 'gcd-python-gitlab-'));
let serve: ServeProcess;
let token = '';
let runnerId = 0;

beforeAll(async () => {
  if (!available) return;
  serve = await startServe({ dataDir: path.join(work, 'data'), port: await freePort(), tokensWaitMs: Infinity });
  token = serve.adminToken!;
  await pushRepo({ url: serve.url, token, project: 'team/app', dir: path.join(work, 'app') });
  await pushRepo({ url: serve.url, token, project: 'team/lib', dir: path.join(work, 'lib') });
  const r = await fetch(`${serve.url}/api/ui/runners`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ description: 'py runner', tags: ['linux'] }) });
  runnerId = ((await r.json()) as { runner: { id: number } }).runner.id;
}, 120_000);

afterAll(async () => {
  await serve?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.runIf(available)('python-gitlab against serve', () => {
  it('library: auth, projects, pagination, masked variable, runners, protected refs, files', async () => {
    const script = path.join(import.meta.dirname, 'clients', 'python_gitlab_flows.py');
    const { stdout } = await run('/usr/bin/python3', [script], { env: { ...process.env, GITLAB_URL: serve.url, GITLAB_TOKEN: token, RUNNER_ID: String(runnerId) }, timeout: 120_000 });
    const out = JSON.parse(stdout);
    expect(out.user).toEqual({ username: 'root', is_admin: true });
    expect(out.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(out.projects).toEqual(['team/app', 'team/lib']);
    expect(out.search).toEqual(['team/app']);
    expect(out.by_path).toMatchObject({ default_branch: 'main', web_url: `${serve.url}/team/app` });
    expect(out.pagination).toEqual({ total: 2, total_pages: 2, per_page: 1, next_page: 2, current_page: 1 });
    expect(out.iterated).toBe(2);
    expect(out.variable).toEqual({ key: 'DEPLOY_TOKEN', masked: true, value: null });
    expect(out.variables).toEqual([['DEPLOY_TOKEN', true]]);
    expect(out.masked_short).toBe(400);
    expect(out.runners_all).toContain(runnerId);
    expect(out.runner_paused).toBe(true);
    expect(out.runner_jobs).toBe(0);
    expect(out.protected_branch).toBe('release/*');
    expect(out.protected_branches).toEqual(['main', 'release/*']);
    expect(out.protected_after_delete).toEqual(['main']);
    expect(out.protected_tags).toEqual(['v*']);
    expect(out.branches).toEqual(['main']);
    expect(out.raw_file).toContain('script:');
    expect(out.missing).toBe(404);
    // what the server now holds (the engine's view, not the client's)
    const vars = await (await fetch(`${serve.url}/api/v4/projects/team%2Fapp/variables`, { headers: { 'private-token': token } })).json();
    expect(vars).toEqual([expect.objectContaining({ key: 'DEPLOY_TOKEN', masked: true })]);
    const runner = (await (await fetch(`${serve.url}/api/ui/runners/${runnerId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { paused: boolean };
    expect(runner.paused).toBe(true);
  }, 180_000);

  it('CLI: python-gitlab calls GET /user first, then lists and gets projects', async () => {
    const config = path.join(work, 'python-gitlab.cfg');
    writeFileSync(config, `[global]\ndefault = local\n\n[local]\nurl = ${serve.url}\nprivate_token = ${token}\napi_version = 4\n`);
    const cli = (...args: string[]) => run('/usr/bin/python-gitlab', ['-c', config, '-o', 'json', ...args], { timeout: 60_000 });
    const me = JSON.parse((await cli('current-user', 'get')).stdout);
    expect(me).toMatchObject({ username: 'root' });
    const list = JSON.parse((await cli('project', 'list', '--get-all')).stdout);
    expect(list.map((p: { path_with_namespace: string }) => p.path_with_namespace).sort()).toEqual(['team/app', 'team/lib']);
    const one = JSON.parse((await cli('project', 'get', '--id', 'team/lib')).stdout);
    expect(one).toMatchObject({ path_with_namespace: 'team/lib' });
    const runners = JSON.parse((await cli('runner-all', 'list')).stdout);
    expect(runners.map((r: { id: number }) => r.id)).toContain(runnerId);
    // a bad token: the CLI fails on GET /user with GitLab's 401
    writeFileSync(config, `[global]\ndefault = local\n\n[local]\nurl = ${serve.url}\nprivate_token = glpat-wrong\napi_version = 4\n`);
    const bad = await cli('project', 'list').then(() => null, (e: { code: number; stderr: string }) => e);
    expect(bad?.code).not.toBe(0);
    expect(bad?.stderr).toMatch(/401/);
  }, 120_000);
});

if (!available) {
  describe('python-gitlab', () => {
    it.skip('skipped: /usr/bin/python3 has no gitlab module or /usr/bin/python-gitlab is missing (apt-get install python3-gitlab gitlab-cli)', () => {});
  });
}
