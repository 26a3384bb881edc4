// Every REST route from the OpenAPI document, called with hostile input (odd ids, paths, query
// values, bodies of the wrong type, bad JSON, huge strings), as admin and as a read-only user:
// a 4xx answer in GitLab's shape each time, never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRestServer, type RestServer } from './test-support/rest-server.js';

let s: RestServer;
let readOnly = '';
beforeAll(async () => {
  s = await startRestServer();
  await s.server.coordinator.ensureProject('team/app');
  const dev = await s.server.coordinator.createUser({ username: 'fuzz' });
  readOnly = (await s.server.coordinator.createAccessToken({ userId: dev.id, name: 'ro', scopes: ['read_api'] })).token;
});
afterAll(async () => s?.close());

const PARAMS = ['0', '-1', '1e309', '99999999999999999999', 'team%2Fapp', 'team%2Fnope', '%2e%2e%2F%2e%2e', '%00', 'a'.repeat(3000), '%E2%82', '*', 'null'];
const QUERIES = ['', '?page=-1&per_page=0', '?per_page=abc', '?pagination=keyset&order_by=name', '?sort=up', '?ref=--upload-pack=x', '?status[]=x&scope[]=y', '?filter[environment_scope]=', '?id_after=-5', `?search=${'%25'.repeat(300)}`];
const BODIES: (string | undefined)[] = [undefined, '{', '[]', 'null', '"x"', '{"name":123,"key":[],"value":{},"scopes":"api","paused":"maybe","tag_list":{"a":1}}', JSON.stringify({ name: 'x'.repeat(5000), key: 'K', value: 'v', scopes: ['api'], expires_at: '2001-13-45' })];

describe('hostile input on every route', () => {
  it('never answers 5xx; errors are GitLab-shaped JSON', async () => {
    const doc = (await (await fetch(`${s.url}/api/v4/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    // revoking a token would revoke the caller's own (tested in routes.test.ts)
    const routes = Object.entries(doc.paths)
      .flatMap(([p, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path: p.replace(/^\/api\/v4/, '') })))
      .filter((r) => !(r.method === 'DELETE' && r.path.startsWith('/personal_access_tokens')));
    expect(routes.length).toBeGreaterThan(40);
    let calls = 0;
    const bad: string[] = [];
    for (const route of routes) {
      for (const [i, param] of PARAMS.entries()) {
        const concrete = route.path.replace(/\{[^}]+\}/g, param);
        const query = QUERIES[i % QUERIES.length];
        const body = ['GET', 'DELETE'].includes(route.method) ? undefined : BODIES[i % BODIES.length];
        for (const token of [s.adminToken, readOnly]) {
          const res = await s.api(`${concrete}${query}`, { method: route.method, token, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body });
          calls++;
          const text = await res.text();
          if (res.status >= 500) bad.push(`${route.method} ${concrete}${query} -> ${res.status} ${text.slice(0, 200)}`);
          else if (res.status >= 400 && !/^\{"(message|error)":/.test(text)) bad.push(`${route.method} ${concrete}${query} -> ${res.status} not GitLab-shaped: ${text.slice(0, 200)}`);
        }
      }
    }
    console.log(`[rest bad input] ${routes.length} routes, ${calls} calls, ${bad.length} bad answers`);
    expect(bad).toEqual([]);
    // the callers' tokens still work: the answers above were not all 401s
    expect((await s.api('/user')).status).toBe(200);
    expect((await s.api('/user', { token: readOnly })).status).toBe(200);
  }, 240_000);
});
