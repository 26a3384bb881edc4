// Every malformed request to the runner API gets a documented 4xx, never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import { call, RunnerClient } from './test-support/runner-client.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from './test-support/start-test-server.js';

describe('malformed input never gives a 500', () => {
  let t: RunnerApiTestServer;
  beforeAll(async () => {
    t = await startRunnerApiTestServer({ longPollMs: 100 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 4xx for garbage on every endpoint', async () => {
    const { token } = await t.createRunner({ tags: ['m'], runUntagged: false });
    await t.createPipeline(planOf(['test'], [planJob('m', { tags: ['m'] })]));
    const { job } = await new RunnerClient(t.url, token).requestJob();
    const api = `${t.url}/api/v4`;
    const endpoints: [string, string][] = [
      ['POST', '/runners'],
      ['POST', '/runners/verify'],
      ['DELETE', '/runners'],
      ['DELETE', '/runners/managers'],
      ['POST', '/runners/reset_authentication_token'],
      ['POST', '/runners/abc/reset_authentication_token'],
      ['POST', '/jobs/request'],
      ['PUT', `/jobs/${job!.id}`],
      ['PUT', '/jobs/0'],
      ['PUT', '/jobs/99999999999999999999'],
      ['PATCH', `/jobs/${job!.id}/trace`],
      ['POST', `/jobs/${job!.id}/artifacts`],
      ['GET', `/jobs/${job!.id}/artifacts`],
      ['GET', '/jobs/-1/artifacts'],
    ];
    const bodies: [string, string | undefined][] = [
      ['application/json', '{'],
      ['application/json', 'null'],
      ['application/json', '"string"'],
      ['application/json', '{"token": 12, "state": [], "info": 5, "tag_list": {}, "system_id": 7, "output": {"bytesize": "x"}}'],
      ['application/json', '{"token": "' + job!.token + '", "state": "success", "output": {"bytesize": -5}}'],
      ['application/x-www-form-urlencoded', 'token=abc&state=running'],
      ['text/plain', 'hello'],
      ['multipart/form-data', '--x\r\n'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nv\r\n--x--\r\n'],
      ['application/octet-stream', '\u0000\u0001'],
    ];
    for (const [method, path] of endpoints) {
      for (const [type, body] of bodies) {
        for (const headers of [{ 'job-token': job!.token, 'runner-token': token }, { 'job-token': 'bad', 'content-range': 'zz' }, {}] as Record<string, string>[]) {
          const validCredentials = headers['job-token'] === job!.token;
          const res = await call(`${api}${path}`, {
            method,
            headers: { ...headers, ...(method === 'GET' ? {} : { 'content-type': type }) },
            body: method === 'GET' ? undefined : body,
          });
          // Valid credentials in the headers may legitimately make some of these succeed.
          if (!validCredentials) expect(res.status, `${method} ${path} ${type} ${body} -> ${res.status} ${res.text}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${method} ${path} ${type} ${body} -> ${res.text}`).toBeLessThan(500);
        }
      }
    }
  });

  it('values PostgreSQL cannot hold are a 400 at the edge (NUL in text, ids past 32 bits): found by the route fuzz', async () => {
    const { token } = await t.createRunner();
    const api = `${t.url}/api/v4`;
    const json = (method: string, path: string, body: unknown) =>
      call(`${api}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const [method, path, body] of [
      ['POST', '/runners/verify', { token, system_id: 's_\u0000' }],
      ['DELETE', '/runners/managers', { token, system_id: '\u0000' }],
      ['POST', '/jobs/request', { token, info: { name: 'a\u0000b' } }],
      ['POST', '/runners', { token: 'x', description: '\u0000' }],
    ] as [string, string, unknown][]) {
      const res = await json(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.json<{ message: string }>().message).toMatch(/NUL/);
    }
    for (const path of ['/jobs/2147483648', '/jobs/999999999999999']) {
      expect((await json('PUT', path, { token: 'x', state: 'running' })).status, path).toBe(400);
    }
    const admin = (await t.coordinator.createApiToken('a', 'admin')).token;
    expect((await call(`${api}/runners/2147483648/reset_authentication_token`, { method: 'POST', headers: { 'private-token': admin } })).status).toBe(400);
  });
});
