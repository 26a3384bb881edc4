// Conformance: runner lifecycle endpoints as gitlab-runner's register/verify/unregister/reset
// commands call them (reference §1), over real HTTP against the real coordinator on SQLite.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, RUNNER_INFO, call } from './test-support/runner-client.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from './test-support/start-test-server.js';

describe('runner lifecycle (§1)', () => {
  let t: RunnerApiTestServer;
  let api: string;
  beforeAll(async () => {
    t = await startRunnerApiTestServer();
    api = `${t.url}/api/v4`;
  });
  afterAll(async () => {
    await t.close();
  });

  it('legacy registration with a registration token: 201 JSON, tag_list string, paused/active', async () => {
    const registrationToken = await t.coordinator.resetRegistrationToken();
    const res = await postJson(`${api}/runners`, {
      token: registrationToken,
      description: 'legacy',
      tag_list: 'docker, linux,,docker',
      run_untagged: false,
      locked: true,
      paused: false,
      access_level: 'ref_protected',
      maximum_timeout: 3600,
      info: RUNNER_INFO,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = res.json<{ id: number; token: string; token_expires_at: string | null }>();
    expect(body.id).toBeGreaterThan(0);
    expect(typeof body.token).toBe('string');
    expect(body.token_expires_at).toBeNull();
    const runner = (await t.coordinator.read.runners()).find((r) => r.runner.id === body.id)!.runner;
    expect(runner).toMatchObject({ tags: ['docker', 'linux'], runUntagged: false, locked: true, paused: false, accessLevel: 'ref_protected', maximumTimeout: 3600 });

    const old = await postJson(`${api}/runners`, { token: registrationToken, active: false, run_untagged: true, locked: false });
    expect(old.status).toBe(201);
    const paused = (await t.coordinator.read.runners()).find((r) => r.runner.id === old.json<{ id: number }>().id)!.runner;
    expect(paused.paused).toBe(true);

    expect((await postJson(`${api}/runners`, { token: 'wrong', run_untagged: true })).status).toBe(403);
    expect((await postJson(`${api}/runners`, { run_untagged: true })).status).toBe(400);
    expect((await postJson(`${api}/runners`, { token: registrationToken, access_level: 'everything' })).status).toBe(400);
    expect((await postJson(`${api}/runners`, { token: registrationToken, tag_list: 5 })).status).toBe(400);
    expect((await postJson(`${api}/runners`, '{"token": ')).status).toBe(400);
  });

  it('maximum_timeout: unset or at least 600 seconds (GitLab\'s message), as a number or a numeric string', async () => {
    const registrationToken = await t.coordinator.resetRegistrationToken();
    const before = (await t.coordinator.read.runners()).length;
    for (const bad of [-5, 0, 599, '-5', 2 ** 40, 1e99, 'ten', 600.5]) {
      const res = await postJson(`${api}/runners`, { token: registrationToken, maximum_timeout: bad });
      expect(res.status, String(bad)).toBe(400);
      expect(res.json<{ message: string }>().message).toMatch(/maximum_timeout must be an integer|Maximum timeout/);
    }
    const low = await postJson(`${api}/runners`, { token: registrationToken, maximum_timeout: -5 });
    expect(low.json()).toEqual({ message: 'Maximum timeout needs to be at least 10 minutes' });
    expect((await t.coordinator.read.runners()).length).toBe(before);
    for (const good of [600, '3600', null]) {
      const res = await postJson(`${api}/runners`, { token: registrationToken, maximum_timeout: good });
      expect(res.status, String(good)).toBe(201);
      const runner = (await t.coordinator.read.runners()).find((r) => r.runner.id === res.json<{ id: number }>().id)!.runner;
      expect(runner.maximumTimeout).toBe(good === null ? null : Number(good));
    }
  });

  it('verify: 200 JSON with id (glrt- flow), token in body or RUNNER-TOKEN, system_id recorded', async () => {
    const { runner, token } = await t.createRunner();
    const res = await postJson(`${api}/runners/verify`, { token, system_id: 's_aaaaaaaaaaaa', info: RUNNER_INFO }, { 'runner-token': token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ id: runner.id, token, token_expires_at: null });
    const managers = (await t.coordinator.read.runners()).find((r) => r.runner.id === runner.id)!.managers;
    expect(managers.map((m) => m.systemId)).toContain('s_aaaaaaaaaaaa');
    expect(managers.find((m) => m.systemId === 's_aaaaaaaaaaaa')).toMatchObject({ version: '18.5.0', executor: 'shell', platform: 'linux' });

    const headerOnly = await postJson(`${api}/runners/verify`, { system_id: 's_bbbbbbbbbbbb' }, { 'runner-token': token });
    expect(headerOnly.status).toBe(200);
    expect((await postJson(`${api}/runners/verify`, { token: 'glrt-nope' })).status).toBe(403);
    expect((await postJson(`${api}/runners/verify`, {})).status).toBe(400);
  });

  it('unregister: DELETE /runners/managers (404 unknown system_id, 400 missing) and DELETE /runners', async () => {
    const { token } = await t.createRunner();
    await postJson(`${api}/runners/verify`, { token, system_id: 's_cccccccccccc' });
    expect((await postJson(`${api}/runners/managers`, { token }, {}, 'DELETE')).status).toBe(400);
    expect((await postJson(`${api}/runners/managers`, { token, system_id: 's_unknown0000' }, {}, 'DELETE')).status).toBe(404);
    expect((await postJson(`${api}/runners/managers`, { token, system_id: 's_cccccccccccc' }, {}, 'DELETE')).status).toBe(204);

    expect((await postJson(`${api}/runners`, { token: 'glrt-bad' }, {}, 'DELETE')).status).toBe(403);
    const del = await postJson(`${api}/runners`, { token }, {}, 'DELETE');
    expect(del.status).toBe(204);
    expect((await postJson(`${api}/runners/verify`, { token })).status).toBe(403);
  });

  it('reset_authentication_token: 201 with a new token, the old one stops working', async () => {
    const { runner, token } = await t.createRunner();
    const res = await postJson(`${api}/runners/reset_authentication_token`, { token });
    expect(res.status).toBe(201);
    const body = res.json<{ token: string; token_expires_at: null }>();
    expect(body.token).not.toBe(token);
    expect(body.token_expires_at).toBeNull();
    expect((await postJson(`${api}/runners/verify`, { token })).status).toBe(403);
    expect((await postJson(`${api}/runners/verify`, { token: body.token })).json()).toMatchObject({ id: runner.id });

    const { token: admin } = await t.coordinator.createApiToken('admin', 'admin');
    const { token: user } = await t.coordinator.createApiToken('user', 'user');
    const viaPat = await call(`${api}/runners/${runner.id}/reset_authentication_token`, { method: 'POST', headers: { 'private-token': admin } });
    expect(viaPat.status).toBe(201);
    expect(viaPat.json<{ token: string }>().token).not.toBe(body.token);
    expect((await call(`${api}/runners/${runner.id}/reset_authentication_token`, { method: 'POST', headers: { 'private-token': user } })).status).toBe(403);
    expect((await call(`${api}/runners/999999/reset_authentication_token`, { method: 'POST', headers: { 'private-token': admin } })).status).toBe(404);
  });

  it('job router discovery is not offered (501), unknown paths 404 JSON', async () => {
    const res = await call(`${api}/runners/router/discovery`, { headers: { 'runner-token': 'x' } });
    expect(res.status).toBe(501);
    const missing = await call(`${api}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ message: '404 Not Found' });
  });

  it('stores tokens only hashed', async () => {
    const { token } = await t.createRunner();
    const { token: api1 } = await t.coordinator.createApiToken('x', 'user');
    const db = readFileSync(path.join(t.dir, 'db.sqlite')).toString('latin1');
    const wal = (() => {
      try {
        return readFileSync(path.join(t.dir, 'db.sqlite-wal')).toString('latin1');
      } catch {
        return '';
      }
    })();
    for (const secret of [token, api1]) {
      expect(db.includes(secret)).toBe(false);
      expect(wal.includes(secret)).toBe(false);
    }
  });
});
