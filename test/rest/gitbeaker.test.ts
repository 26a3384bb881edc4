// @gitbeaker/rest (a TypeScript client no one here wrote) against a real server on a real socket:
// current user, projects (search, by path, pagination headers, keyset), a masked variable,
// runners (pause), protected branches, repository reads, access tokens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Gitlab } from '@gitbeaker/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestServer, type RestServer } from '../../src/rest/test-support/rest-server.js';
import { pushRepo } from './support.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-gitbeaker-'));
let s: RestServer;
let api: InstanceType<typeof Gitlab<false>>;

beforeAll(async () => {
  s = await startRestServer();
  await pushRepo({ url: s.url, token: s.adminToken, project: 'team/app', dir: path.join(work, 'app'), files: { '.gitlab-ci.yml': 'build:\n  script: [make]\n', 'README.md': '# app\n' } });
  await pushRepo({ url: s.url, token: s.adminToken, project: 'team/lib', dir: path.join(work, 'lib') });
  await pushRepo({ url: s.url, token: s.adminToken, project: 'other/tool', dir: path.join(work, 'tool') });
  api = new Gitlab({ host: s.url, token: s.adminToken });
}, 120_000);

afterAll(async () => {
  await s?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('@gitbeaker/rest against the server', () => {
  it('current user and version', async () => {
    expect(await api.Users.showCurrentUser()).toMatchObject({ username: 'root', is_admin: true });
    expect((await api.Metadata.show()).version).toMatch(/^\d+\.\d+/);
  });

  it('projects: search, by path, pagination headers, keyset', async () => {
    expect((await api.Projects.all({ search: 'lib' })).map((p) => p.path_with_namespace)).toEqual(['team/lib']);
    const app = await api.Projects.show('team/app');
    expect(app).toMatchObject({ path_with_namespace: 'team/app', default_branch: 'main' });
    const page = await api.Projects.all({ perPage: 2, maxPages: 1, showExpanded: true, orderBy: 'id', sort: 'asc' });
    expect(page.data.map((p) => p.path_with_namespace)).toEqual(['team/app', 'team/lib']);
    expect(page.paginationInfo).toMatchObject({ total: 3, totalPages: 2, perPage: 2, current: 1, next: 2, previous: null });
    // every page, followed by the client
    expect((await api.Projects.all({ perPage: 1 })).length).toBe(3);
    const keyset = await api.Projects.all({ pagination: 'keyset', orderBy: 'id', sort: 'asc', perPage: 1 });
    expect(keyset.map((p) => p.path_with_namespace)).toEqual(['team/app', 'team/lib', 'other/tool']);
  });

  it('a masked variable: set, listed without its value, used by the engine', async () => {
    const v = await api.ProjectVariables.create('team/app', 'API_KEY', 'k3y-value-123', { masked: true, protected: false });
    expect(v).toMatchObject({ key: 'API_KEY', masked: true });
    expect((await api.ProjectVariables.all('team/app')).map((x) => [x.key, x.masked])).toEqual([['API_KEY', true]]);
    const project = await s.server.coordinator.read.projectByPath('team/app');
    expect((await s.server.coordinator.read.variables(project!.id)).find((x) => x.key === 'API_KEY')).toMatchObject({ value: 'k3y-value-123', masked: true });
    await expect(api.ProjectVariables.create('team/app', 'API_KEY', 'again-value-1')).rejects.toThrow(/already been taken/);
  });

  it('runners: list, pause through edit, show', async () => {
    const { runner } = await s.server.coordinator.createRunner({ description: 'beaker', tags: ['docker'] });
    expect((await api.Runners.all()).map((r) => r.id)).toContain(runner.id);
    const edited = await api.Runners.edit(runner.id, { paused: true });
    expect(edited).toMatchObject({ id: runner.id, paused: true });
    expect((await s.server.coordinator.read.runners()).find((r) => r.runner.id === runner.id)!.runner.paused).toBe(true);
    expect(await api.Runners.show(runner.id)).toMatchObject({ tag_list: ['docker'], paused: true });
    expect((await api.Runners.all({ projectId: 'team/app' })).map((r) => r.id)).toContain(runner.id);
  });

  it('protected branches: create, list, remove', async () => {
    await api.ProtectedBranches.create('team/app', 'stable-*');
    expect((await api.ProtectedBranches.all('team/app')).map((b) => b.name)).toEqual(['main', 'stable-*']);
    await api.ProtectedBranches.remove('team/app', 'stable-*');
    expect((await api.ProtectedBranches.all('team/app')).map((b) => b.name)).toEqual(['main']);
  });

  it('repository: branches, commit, raw file', async () => {
    const branches = await api.Branches.all('team/app');
    expect(branches.map((b) => [b.name, b.protected, b.default])).toEqual([['main', true, true]]);
    const commit = await api.Commits.show('team/app', 'main');
    expect(commit).toMatchObject({ id: branches[0].commit.id, title: 'first' });
    expect(await api.RepositoryFiles.showRaw('team/app', 'README.md', 'main')).toBe('# app\n');
  });

  it('access tokens: a read_api token reads, cannot write, is revoked', async () => {
    const root = await api.Users.showCurrentUser();
    const made = await api.PersonalAccessTokens.create(root.id, 'beaker', ['read_api'], { expiresAt: '2999-01-01' });
    expect(made).toMatchObject({ name: 'beaker', scopes: ['read_api'], active: true, token: expect.stringMatching(/^glpat-/) });
    const reader = new Gitlab({ host: s.url, token: made.token! });
    expect((await reader.Projects.all()).length).toBe(3);
    await expect(reader.ProjectVariables.create('team/app', 'NOPE', 'value-123')).rejects.toThrow(/Forbidden|403/);
    await api.PersonalAccessTokens.remove({ tokenId: made.id });
    await expect(reader.Projects.all()).rejects.toThrow(/Unauthorized|401/);
  });
});
