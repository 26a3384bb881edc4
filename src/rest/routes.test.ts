// Projects, repository, variables, runners, protected refs and access tokens over real HTTP
// against a real server (SQLite) with a real git repository pushed to it.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestServer, type RestServer } from './test-support/rest-server.js';

let s: RestServer;
const work = mkdtempSync(path.join(tmpdir(), 'gcd-rest-repo-'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response | Promise<Response>): Promise<{ status: number; headers: Headers; body: any }> => {
  const r = await res;
  const text = await r.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: r.status, headers: r.headers, body };
};
const send = (method: string, pathname: string, body: unknown, token?: string) => s.api(pathname, { method, token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  s = await startRestServer();
  // a real push: team/app with a branch, a lightweight and an annotated tag
  const repo = path.join(work, 'repo');
  mkdirSync(path.join(repo, 'ci'), { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'dev@example.com');
  git('config', 'user.name', 'Dev');
  writeFileSync(path.join(repo, '.gitlab-ci.yml'), 'build:\n  script: [echo hi]\n');
  writeFileSync(path.join(repo, 'ci', 'deploy.yml'), 'deploy: {}\n');
  git('add', '-A');
  git('commit', '-qm', 'first commit\n\nbody line');
  git('tag', 'v1');
  git('tag', '-a', 'v2', '-m', 'release two');
  git('checkout', '-qb', 'feature/x');
  git('commit', '-q', '--allow-empty', '-m', 'second');
  const remote = `${s.url.replace('http://', `http://root:${s.adminToken}@`)}/team/app.git`;
  // async: the push talks to the server in this process
  await promisify(execFile)('git', ['push', '-q', remote, 'main', 'feature/x', 'v1', 'v2'], { cwd: repo, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
});
afterAll(async () => {
  await s?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('projects', () => {
  it('lists with search and simple; gets by id and by URL-encoded path; creates', async () => {
    const list = await json(s.api('/projects?search=app'));
    expect(list.status).toBe(200);
    expect(list.body.map((p: { path_with_namespace: string }) => p.path_with_namespace)).toEqual(['team/app']);
    const p = list.body[0];
    expect(p).toMatchObject({ name: 'app', path: 'app', default_branch: 'main', namespace: { full_path: 'team' }, http_url_to_repo: `${s.url}/team/app.git` });
    expect((await json(s.api('/projects?search=zzz'))).body).toEqual([]);
    const simple = await json(s.api('/projects?simple=true&membership=true'));
    expect(simple.body[0]).not.toHaveProperty('visibility');
    expect((await json(s.api('/projects/team%2Fapp'))).body).toMatchObject({ id: p.id, empty_repo: false });
    expect((await json(s.api(`/projects/${p.id}`))).body.path_with_namespace).toBe('team/app');
    expect(await json(s.api('/projects/team%2Fnope'))).toMatchObject({ status: 404, body: { message: '404 Project Not Found' } });
    const made = await json(send('POST', '/projects', { name: 'New Thing' }));
    expect(made).toMatchObject({ status: 201, body: { path_with_namespace: 'root/new-thing', default_branch: 'main' } });
    // urlencoded form, as curl --data sends it
    const form = await json(s.api('/projects', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'path=formed&namespace_path=team' }));
    expect(form).toMatchObject({ status: 201, body: { path_with_namespace: 'team/formed' } });
    expect(await json(send('POST', '/projects', { path: 'formed', namespace_path: 'team' }))).toMatchObject({ status: 400, body: { message: { path: ['has already been taken'] } } });
    expect(await json(send('POST', '/projects', {}))).toMatchObject({ status: 400, body: { error: expect.stringMatching(/missing/) } });
    // the new project's default branch is protected, as GitLab does
    expect((await json(s.api(`/projects/${made.body.id}/protected_branches`))).body.map((b: { name: string }) => b.name)).toEqual(['main']);
  });
});

describe('repository', () => {
  it('commits, branches, tags and raw files through git', async () => {
    const branches = await json(s.api('/projects/team%2Fapp/repository/branches'));
    expect(branches.body.map((b: { name: string }) => b.name)).toEqual(['feature/x', 'main']);
    const main = branches.body.find((b: { name: string }) => b.name === 'main');
    expect(main).toMatchObject({ protected: true, default: true, commit: { title: 'first commit', author_email: 'dev@example.com' } });
    expect(branches.body[0]).toMatchObject({ protected: false, default: false, commit: { title: 'second' } });
    const sha = main.commit.id;
    const commit = await json(s.api(`/projects/team%2Fapp/repository/commits/${sha}`));
    expect(commit.body).toMatchObject({ id: sha, short_id: sha.slice(0, 8), message: 'first commit\n\nbody line\n', parent_ids: [] });
    expect((await json(s.api('/projects/team%2Fapp/repository/commits/main'))).body.id).toBe(sha);
    expect((await json(s.api('/projects/team%2Fapp/repository/commits/--output=x'))).status).toBe(404);
    expect((await json(s.api('/projects/team%2Fapp/repository/commits/deadbeef'))).status).toBe(404);
    const tags = await json(s.api('/projects/team%2Fapp/repository/tags'));
    expect(tags.body.map((t: { name: string; message: string; target: string }) => [t.name, t.message, t.target === sha])).toEqual([['v2', 'release two', true], ['v1', '', true]]);
    const raw = await s.api('/projects/team%2Fapp/repository/files/ci%2Fdeploy.yml/raw?ref=main');
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe('deploy: {}\n');
    expect((await s.api('/projects/team%2Fapp/repository/files/.gitlab-ci.yml/raw')).status).toBe(200);
    expect((await s.api('/projects/team%2Fapp/repository/files/nope.txt/raw?ref=main')).status).toBe(404);
    expect((await s.api('/projects/team%2Fapp/repository/files/..%2F..%2Fetc%2Fpasswd/raw?ref=main')).status).toBe(404);
    const meta = await json(s.api('/projects/team%2Fapp/repository/files/ci%2Fdeploy.yml?ref=v1'));
    expect(Buffer.from(meta.body.content, 'base64').toString()).toBe('deploy: {}\n');
  });
});

describe('variables', () => {
  it('project variables: create (masked), list hides masked values, update, environment scope, delete', async () => {
    const v = await json(send('POST', '/projects/team%2Fapp/variables', { key: 'SECRET', value: 's3cr3t-value', masked: true, protected: true }));
    expect(v).toMatchObject({ status: 201, body: { key: 'SECRET', value: null, masked: true, hidden: true, protected: true, variable_type: 'env_var', environment_scope: '*' } });
    expect(await json(send('POST', '/projects/team%2Fapp/variables', { key: 'SECRET', value: 'other-value' }))).toMatchObject({ status: 400, body: { message: { key: ['(SECRET) has already been taken'] } } });
    expect(await json(send('POST', '/projects/team%2Fapp/variables', { key: 'SHORT', value: 'x', masked: true }))).toMatchObject({ status: 400, body: { error: expect.stringMatching(/masked/) } });
    expect(await json(send('POST', '/projects/team%2Fapp/variables', { key: 'bad key', value: 'x' }))).toMatchObject({ status: 400, body: { error: expect.stringMatching(/key must be/) } });
    expect(await json(send('POST', '/projects/team%2Fapp/variables', { value: 'x' }))).toMatchObject({ status: 400, body: { error: 'key is missing' } });
    expect(await json(send('POST', '/projects/team%2Fapp/variables', { key: 'T', value: 'x', variable_type: 'nope' }))).toMatchObject({ status: 400, body: { error: 'variable_type does not have a valid value' } });
    await json(send('POST', '/projects/team%2Fapp/variables', { key: 'CFG', value: 'a', variable_type: 'file', environment_scope: 'production' }));
    const list = await json(s.api('/projects/team%2Fapp/variables'));
    expect(list.body.map((x: { key: string; value: string | null }) => [x.key, x.value])).toEqual([['SECRET', null], ['CFG', 'a']]);
    const updated = await json(send('PUT', '/projects/team%2Fapp/variables/CFG?filter[environment_scope]=production', { value: 'b', raw: true }));
    expect(updated.body).toMatchObject({ value: 'b', raw: true, variable_type: 'file', environment_scope: 'production' });
    expect((await json(s.api('/projects/team%2Fapp/variables/CFG'))).body.value).toBe('b');
    expect((await s.api('/projects/team%2Fapp/variables/CFG', { method: 'DELETE' })).status).toBe(204);
    expect((await s.api('/projects/team%2Fapp/variables/CFG')).status).toBe(404);
    // the engine sees what the REST API stored (same store, same rules)
    const project = await s.server.coordinator.read.projectByPath('team/app');
    expect((await s.server.coordinator.read.variables(project!.id)).map((x) => [x.key, x.value])).toEqual([['SECRET', 's3cr3t-value']]);
  });

  it('multipart forms (curl --form) and query parameters reach the same schema; a broken form is a 400', async () => {
    const form = new FormData();
    form.set('key', 'FROM_FORM');
    form.set('value', 'formed');
    form.set('protected', 'true');
    const made = await json(s.api('/projects/team%2Fapp/variables', { method: 'POST', body: form }));
    expect(made).toMatchObject({ status: 201, body: { key: 'FROM_FORM', value: 'formed', protected: true } });
    // Grape reads a write's parameters from the query string too
    expect(await json(s.api('/projects/team%2Fapp/variables?key=FROM_QUERY&value=q', { method: 'POST' }))).toMatchObject({ status: 201, body: { key: 'FROM_QUERY', value: 'q' } });
    const broken = await json(s.api('/projects/team%2Fapp/variables', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=XX' }, body: '--XX\r\nContent-Disposition: form-data; name="key"\r\n\r\nK' }));
    expect(broken).toMatchObject({ status: 400, body: { error: expect.stringMatching(/multipart/) } });
  });

  it('instance variables need an admin', async () => {
    expect((await json(send('POST', '/admin/ci/variables', { key: 'INST', value: 'v' }))).status).toBe(201);
    expect((await json(s.api('/admin/ci/variables'))).body.map((x: { key: string }) => x.key)).toContain('INST');
    const dev = await s.server.coordinator.createUser({ username: 'vardev' });
    const { token } = await s.server.coordinator.createAccessToken({ userId: dev.id, name: 't', scopes: ['api'] });
    expect((await s.api('/admin/ci/variables', { token })).status).toBe(403);
  });
});

describe('runners', () => {
  it('list, get, pause via PUT paused, jobs, delete; project runners', async () => {
    const { runner } = await s.server.coordinator.createRunner({ description: 'rest runner', tags: ['linux', 'docker'] });
    const all = await json(s.api('/runners/all'));
    expect(all.body).toEqual(expect.arrayContaining([expect.objectContaining({ id: runner.id, description: 'rest runner', paused: false, active: true, is_shared: true, runner_type: 'instance_type', status: 'never_contacted' })]));
    expect((await json(s.api('/runners?tag_list=linux,docker'))).body.map((r: { id: number }) => r.id)).toContain(runner.id);
    expect((await json(s.api('/runners?tag_list=windows'))).body).toEqual([]);
    const paused = await json(send('PUT', `/runners/${runner.id}`, { paused: true, tag_list: ['linux'] }));
    expect(paused.body).toMatchObject({ paused: true, active: false, tag_list: ['linux'] });
    expect((await s.server.coordinator.read.runners()).find((r) => r.runner.id === runner.id)!.runner.paused).toBe(true);
    expect((await json(s.api('/runners?paused=true'))).body.map((r: { id: number }) => r.id)).toEqual([runner.id]);
    expect((await json(s.api(`/runners/${runner.id}`))).body).toMatchObject({ id: runner.id, tag_list: ['linux'], access_level: 'not_protected', projects: [] });
    expect((await json(s.api('/projects/team%2Fapp/runners'))).body.map((r: { id: number }) => r.id)).toContain(runner.id);
    const jobs = await json(s.api(`/runners/${runner.id}/jobs`));
    expect(jobs).toMatchObject({ status: 200, body: [] });
    expect(jobs.headers.get('x-total')).toBe('0');
    expect((await s.api(`/runners/${runner.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await s.api(`/runners/${runner.id}`)).status).toBe(404);
    const dev = await s.server.coordinator.createUser({ username: 'rundev' });
    const { token } = await s.server.coordinator.createAccessToken({ userId: dev.id, name: 't', scopes: ['api'] });
    expect((await s.api('/runners/all', { token })).status).toBe(403);
  });
});

describe('protected branches and tags', () => {
  it('protect, list, get, conflict, unprotect (URL-encoded pattern)', async () => {
    const made = await json(send('POST', '/projects/team%2Fapp/protected_branches', { name: 'release/*', push_access_level: 40 }));
    expect(made).toMatchObject({ status: 201, body: { name: 'release/*', push_access_levels: [{ access_level: 40 }] } });
    expect((await json(send('POST', '/projects/team%2Fapp/protected_branches', { name: 'release/*' }))).status).toBe(409);
    expect((await json(s.api('/projects/team%2Fapp/protected_branches'))).body.map((b: { name: string }) => b.name)).toEqual(['main', 'release/*']);
    expect((await json(s.api('/projects/team%2Fapp/protected_branches/release%2F*'))).body.name).toBe('release/*');
    expect((await s.api('/projects/team%2Fapp/protected_branches/release%2F*', { method: 'DELETE' })).status).toBe(204);
    expect((await s.api('/projects/team%2Fapp/protected_branches/release%2F*', { method: 'DELETE' })).status).toBe(404);
    expect((await json(send('POST', '/projects/team%2Fapp/protected_tags', { name: 'v*', create_access_level: 40 }))).body).toMatchObject({ name: 'v*', create_access_levels: [{ access_level: 40 }] });
    // the tag list follows the rule
    expect((await json(s.api('/projects/team%2Fapp/repository/tags'))).body.every((t: { protected: boolean }) => t.protected)).toBe(true);
  });
});

describe('access tokens', () => {
  it('personal: an admin creates one for a user; the user lists and revokes it; it stops working', async () => {
    const dev = await s.server.coordinator.createUser({ username: 'patdev' });
    const made = await json(send('POST', `/users/${dev.id}/personal_access_tokens`, { name: 'ci', scopes: ['read_api'], expires_at: '2999-12-31' }));
    expect(made).toMatchObject({ status: 201, body: { name: 'ci', scopes: ['read_api'], user_id: dev.id, active: true, revoked: false, expires_at: '2999-12-31', token: expect.stringMatching(/^glpat-/) } });
    const token = made.body.token;
    expect((await json(s.api('/user', { token }))).body.username).toBe('patdev');
    const mine = await json(s.api('/personal_access_tokens', { token }));
    expect(mine.body.map((t: { id: number }) => t.id)).toEqual([made.body.id]);
    expect(mine.body[0]).not.toHaveProperty('token');
    expect((await json(s.api('/personal_access_tokens/self', { token }))).body.id).toBe(made.body.id);
    // read_api cannot write
    expect((await json(send('POST', '/projects', { name: 'x' }, token))).status).toBe(403);
    expect(await json(send('POST', `/users/${dev.id}/personal_access_tokens`, { name: 'x', scopes: ['bogus'] }))).toMatchObject({ status: 400 });
    expect((await s.api(`/personal_access_tokens/${made.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await s.api('/user', { token })).status).toBe(401);
  });

  it('project access tokens reach their project only', async () => {
    const made = await json(send('POST', '/projects/team%2Fapp/access_tokens', { name: 'bot', scopes: ['api'], access_level: 40 }));
    expect(made).toMatchObject({ status: 201, body: { name: 'bot', access_level: 40, token: expect.any(String) } });
    const token = made.body.token;
    const me = await json(s.api('/user', { token }));
    expect(me.body).toMatchObject({ bot: true, username: expect.stringMatching(/^project_\d+_bot_/) });
    expect((await json(s.api('/projects', { token }))).body.map((p: { path_with_namespace: string }) => p.path_with_namespace)).toEqual(['team/app']);
    expect((await s.api('/projects/team%2Fformed', { token })).status).toBe(404);
    expect((await json(s.api('/projects/team%2Fapp/variables', { token }))).status).toBe(200);
    expect((await json(s.api('/projects/team%2Fapp/access_tokens'))).body.map((t: { id: number }) => t.id)).toEqual([made.body.id]);
    expect((await s.api(`/projects/team%2Fapp/access_tokens/${made.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await s.api('/user', { token })).status).toBe(401);
  });
});
