// The REST foundation over real HTTP against a real server (SQLite): auth as GitLab reads it,
// GitLab error shapes for bad input, pagination headers, the OpenAPI document, and the runner API
// still answering on the same /api/v4 prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestServer, type RestServer } from './test-support/rest-server.js';

let s: RestServer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response | Promise<Response>): Promise<{ status: number; headers: Headers; body: any }> => {
  const r = await res;
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
};

beforeAll(async () => {
  s = await startRestServer();
});
afterAll(async () => s?.close());

describe('auth', () => {
  it('reads the token from PRIVATE-TOKEN, Bearer and private_token; the admin token is root', async () => {
    const a = await json(s.api('/user'));
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ username: 'root', is_admin: true, state: 'active' });
    const b = await json(s.api('/user', { token: null, headers: { authorization: `Bearer ${s.adminToken}` } }));
    expect(b.body.id).toBe(a.body.id);
    const c = await json(fetch(`${s.url}/api/v4/user?private_token=${encodeURIComponent(s.adminToken)}`));
    expect(c.body.id).toBe(a.body.id);
  });

  it('401 with GitLab body without a token or with a wrong/revoked one', async () => {
    const none = await json(s.api('/user', { token: null }));
    expect(none).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
    const wrong = await json(s.api('/version', { token: 'glpat-nope' }));
    expect(wrong).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
    const root = (await s.server.coordinator.read.users({ username: 'root' }))[0];
    const { token, apiToken } = await s.server.coordinator.createAccessToken({ userId: root.id, name: 'tmp', scopes: ['api'] });
    expect((await s.api('/user', { token })).status).toBe(200);
    await s.server.coordinator.revokeAccessToken(apiToken.id);
    expect((await s.api('/user', { token })).status).toBe(401);
  });

  it('scopes: read_api reads, a token without read_api/api is refused (403)', async () => {
    const dev = await s.server.coordinator.createUser({ username: 'dev1' });
    const ro = await s.server.coordinator.createAccessToken({ userId: dev.id, name: 'ro', scopes: ['read_api'] });
    expect(await json(s.api('/user', { token: ro.token }))).toMatchObject({ status: 200, body: { username: 'dev1', is_admin: false } });
    const repoOnly = await s.server.coordinator.createAccessToken({ userId: dev.id, name: 'repo', scopes: ['read_repository'] });
    expect((await json(s.api('/user', { token: repoOnly.token }))).status).toBe(403);
    // the UI API takes the same tokens, but a read_api token only reads there too (root's, here)
    const root = (await s.server.coordinator.read.users({ username: 'root' }))[0];
    const rootRead = await s.server.coordinator.createAccessToken({ userId: root.id, name: 'ro', scopes: ['read_api'] });
    const rootApi = await s.server.coordinator.createAccessToken({ userId: root.id, name: 'rw', scopes: ['api'] });
    const reset = (token: string) => fetch(`${s.url}/api/ui/admin/registration-token`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await reset(rootRead.token)).status).toBe(403);
    expect((await reset(rootApi.token)).status).toBeLessThan(300);
  });

  it('an expired token does not authenticate', async () => {
    const dev = await s.server.coordinator.createUser({ username: 'dev-exp' });
    await expect(s.server.coordinator.createAccessToken({ userId: dev.id, name: 'x', scopes: ['api'], expiresAt: '2001-01-01' })).rejects.toThrow(/future/);
  });
});

describe('metadata and users', () => {
  it('GET /version and /metadata', async () => {
    expect(await json(s.api('/version'))).toMatchObject({ status: 200, body: { version: expect.stringMatching(/^\d+\.\d+\.\d+/), revision: expect.any(String) } });
    expect(await json(s.api('/metadata'))).toMatchObject({ status: 200, body: { kas: { enabled: false }, enterprise: false } });
  });

  it('GET /users?username= finds one user; /users/:id; 404 in GitLab shape', async () => {
    await s.server.coordinator.createUser({ username: 'alice', name: 'Alice A' });
    const found = await json(s.api('/users?username=alice'));
    expect(found.body).toHaveLength(1);
    expect(found.body[0]).toMatchObject({ username: 'alice', name: 'Alice A', state: 'active' });
    expect(found.body[0]).not.toHaveProperty('email');
    expect((await json(s.api(`/users/${found.body[0].id}`))).body.username).toBe('alice');
    expect(await json(s.api('/users/999999'))).toMatchObject({ status: 404, body: { message: '404 User Not Found' } });
  });

  it('pagination: X-Total, X-Total-Pages, X-Next-Page, Link; per_page capped at 100; keyset', async () => {
    for (let i = 0; i < 5; i++) await s.server.coordinator.createUser({ username: `page-${i}` });
    const total = (await s.server.coordinator.read.users({})).length;
    const p1 = await json(s.api('/users?per_page=2'));
    expect(p1.body).toHaveLength(2);
    expect(p1.headers.get('x-total')).toBe(String(total));
    expect(p1.headers.get('x-total-pages')).toBe(String(Math.ceil(total / 2)));
    expect(p1.headers.get('x-page')).toBe('1');
    expect(p1.headers.get('x-per-page')).toBe('2');
    expect(p1.headers.get('x-next-page')).toBe('2');
    expect(p1.headers.get('x-prev-page')).toBe('');
    expect(p1.headers.get('link')).toContain('rel="next"');
    const p2 = await json(s.api('/users?per_page=2&page=2'));
    expect(p2.headers.get('x-prev-page')).toBe('1');
    expect(p2.body[0].id).toBeGreaterThan(p1.body[1].id);
    expect((await json(s.api('/users?per_page=500'))).headers.get('x-per-page')).toBe('100');
    // keyset: follow rel="next" to the end, every user once
    const seen: number[] = [];
    let next: string | null = `${s.url}/api/v4/users?pagination=keyset&order_by=id&sort=asc&per_page=3`;
    while (next) {
      const r = await json(fetch(next, { headers: { 'private-token': s.adminToken } }));
      seen.push(...r.body.map((u: { id: number }) => u.id));
      next = /<([^>]+)>; rel="next"/.exec(r.headers.get('link') ?? '')?.[1] ?? null;
    }
    expect(seen).toHaveLength(total);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });
});

describe('errors and coexistence', () => {
  it('bad input is a 400 in GitLab shape, never Ajv text or a 500', async () => {
    const bad = await json(s.api('/users?per_page=abc'));
    expect(bad).toMatchObject({ status: 400, body: { error: 'per_page is invalid' } });
    expect(await json(s.api('/users/abc'))).toMatchObject({ status: 400, body: { error: 'id is invalid' } });
    expect(await json(s.api('/users?sort=sideways'))).toMatchObject({ status: 400, body: { error: 'sort does not have a valid value' } });
  });

  it('unknown routes answer GitLab 404; the runner API still owns its routes', async () => {
    expect(await json(s.api('/nope'))).toMatchObject({ status: 404, body: { message: '404 Not Found' } });
    const verify = await fetch(`${s.url}/api/v4/runners/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'glrt-unknown' }) });
    expect(verify.status).toBe(403);
    const request = await fetch(`${s.url}/api/v4/jobs/request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'glrt-unknown' }) });
    expect(request.status).toBe(403);
  });

  it('serves the OpenAPI document of its routes', async () => {
    const doc = await json(fetch(`${s.url}/api/v4/openapi.json`));
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v4/user', '/api/v4/users', '/api/v4/version']));
    expect(doc.body.paths['/api/v4/jobs/request']).toBeUndefined();
  });
});
