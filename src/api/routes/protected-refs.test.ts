// Protected branches and tags over the UI API (real HTTP, real coordinator on SQLite).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../../engine/test-support/plan-builder.js';
import { createApiHarness, type ApiHarness } from '../test-support/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ anonymousRead: false });
});
afterAll(async () => h?.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response): Promise<{ status: number; body: any }> => ({ status: res.status, body: res.status === 204 ? null : await res.json() });
const post = (path: string, body: unknown, token: string | null = h.adminToken) =>
  h.fetch(`/api/ui${path}`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const del = (path: string, token: string | null = h.adminToken) => h.fetch(`/api/ui${path}`, { method: 'DELETE', token });
const names = async (path: string) => (await json(await h.fetch(`/api/ui${path}`, { token: h.userToken }))).body.map((r: { name: string }) => r.name);

describe('protected branches and tags', () => {
  it('a project starts with its default branch protected and no tag', async () => {
    const branches = await json(await h.fetch('/api/ui/projects/group%2Fdemo/protected_branches', { token: h.userToken }));
    expect(branches).toEqual({ status: 200, body: [{ id: expect.any(Number), projectId: h.project.id, kind: 'branch', name: 'main', createdAt: expect.any(String) }] });
    expect(await names(`/projects/${h.project.id}/protected_tags`)).toEqual([]);
    expect((await h.fetch(`/api/ui/projects/${h.project.id}/protected_tags`)).status).toBe(401);
  });

  it('changes need an admin token; bad input is a 4xx', async () => {
    expect((await post(`/projects/${h.project.id}/protected_tags`, { name: 'v*' }, null)).status).toBe(401);
    expect((await post(`/projects/${h.project.id}/protected_tags`, { name: 'v*' }, h.userToken)).status).toBe(403);
    expect((await del(`/projects/${h.project.id}/protected_branches/main`, h.userToken)).status).toBe(403);
    expect((await h.fetch(`/api/ui/projects/${h.project.id}/protected_tags`, { method: 'POST', headers: { 'private-token': 'gcd-admin-wrong' } })).status).toBe(401);
    for (const bad of [{}, { name: '' }, { name: 42 }, { name: 'has space' }, { name: 'x'.repeat(256) }, '[1]', '{nope']) {
      const res = await json(await post(`/projects/${h.project.id}/protected_tags`, bad));
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error).toBe('bad_request');
    }
    expect((await post('/projects/no%2Fsuch/protected_tags', { name: 'v*' })).status).toBe(404);
    expect((await post(`/projects/${h.project.id}/protected_branches`, { name: 'main' })).status).toBe(409);
    expect((await del(`/projects/${h.project.id}/protected_tags/nothing`)).status).toBe(404);
    expect(await names(`/projects/${h.project.id}/protected_tags`)).toEqual([]);
  });

  it('add and remove rules, names with / and * in one URL-encoded segment; pipelines follow the rules at their creation', async () => {
    const plan = planOf(['a'], [planJob('j', { stage: 'a' })]);
    const create = async (ref: string, isTag: boolean) =>
      (await h.coordinator.createPipeline({ projectId: h.project.id, ref, isTag, sha: 'c0ffee'.padEnd(40, '0'), source: 'push', plan })).pipeline.id;
    const flag = async (id: number) => (await json(await h.fetch(`/api/ui/pipelines/${id}`, { token: h.userToken }))).body.pipeline.protected;

    const before = await create('v1', true);
    const added = await json(await post(`/projects/${h.project.id}/protected_tags`, { name: 'v*' }));
    expect(added).toMatchObject({ status: 201, body: { kind: 'tag', name: 'v*', projectId: h.project.id } });
    expect((await json(await post('/projects/group%2Fdemo/protected_branches', { name: 'release/*' }))).status).toBe(201);
    expect(await names(`/projects/${h.project.id}/protected_branches`)).toEqual(['main', 'release/*']);
    expect((await json(await h.fetch(`/api/ui/projects/${h.project.id}/protected_refs`, { token: h.userToken }))).body.map((r: { kind: string; name: string }) => `${r.kind}:${r.name}`)).toEqual([
      'branch:main',
      'tag:v*',
      'branch:release/*',
    ]);
    const after = await create('v1', true);
    const release = await create('release/2.0', false);
    const feature = await create('feature', false);
    expect([await flag(before), await flag(after), await flag(release), await flag(feature)]).toEqual([false, true, true, false]);

    expect((await del(`/projects/${h.project.id}/protected_branches/${encodeURIComponent('release/*')}`)).status).toBe(204);
    expect((await del(`/projects/${h.project.id}/protected_tags/${encodeURIComponent('v*')}`)).status).toBe(204);
    expect((await del(`/projects/${h.project.id}/protected_tags/${encodeURIComponent('v*')}`)).status).toBe(404);
    expect(await names(`/projects/${h.project.id}/protected_branches`)).toEqual(['main']);
    expect(await flag(await create('v1', true))).toBe(false);
    expect(await flag(release)).toBe(true); // decided at creation
  });
});
