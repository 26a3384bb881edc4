// The SDK's register/unregister against our real server over HTTP: a runner registered with a
// registration token is deleted by unregisterRunner (DELETE /runners; its token stops verifying),
// a glrt- runner created by an admin only loses its manager (DELETE /runners/managers), as
// gitlab-runner's `unregister` picks by the token prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../runner-api/test-support/runner-client.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from '../runner-api/test-support/start-test-server.js';
import { registerRunner, unregisterRunner, verifyRunner } from './register.js';

let t: RunnerApiTestServer;
beforeAll(async () => {
  t = await startRunnerApiTestServer();
});
afterAll(async () => t?.close());

const verifyStatus = async (token: string) => (await postJson(`${t.url}/api/v4/runners/verify`, { token })).status;

describe('SDK unregisterRunner', () => {
  it('deletes a runner of the registration-token flow: verify answers 403 afterwards', async () => {
    const registrationToken = await t.coordinator.resetRegistrationToken();
    const reg = await registerRunner({ url: t.url, registrationToken, description: 'legacy flow', systemId: 's_legacy000001' });
    expect(await verifyStatus(reg.token)).toBe(200);
    await unregisterRunner({ url: t.url, token: reg.token, systemId: reg.systemId });
    expect(await verifyStatus(reg.token)).toBe(403);
    expect((await t.coordinator.read.runners()).some((r) => r.runner.id === reg.id)).toBe(false);
    // GitLab's prefix for such tokens, which is not gitlab-runner's "created runner" prefix glrt-.
    expect(reg.token).toMatch(/^glrtr-/);
  });

  it('a registration-flow runner keeps its kind of token across a reset', async () => {
    const registrationToken = await t.coordinator.resetRegistrationToken();
    const reg = await registerRunner({ url: t.url, registrationToken });
    const reset = await postJson(`${t.url}/api/v4/runners/reset_authentication_token`, { token: reg.token });
    expect(reset.status).toBe(201);
    const token = reset.json<{ token: string }>().token;
    expect(token).toMatch(/^glrtr-/);
    await unregisterRunner({ url: t.url, token });
    expect(await verifyStatus(token)).toBe(403);
  });

  it('a glrt- runner only drops its manager: the runner and its token stay', async () => {
    const { runner, token } = await t.createRunner();
    expect(token).toMatch(/^glrt-/);
    await verifyRunner({ url: t.url, token, systemId: 's_manager00001' });
    await verifyRunner({ url: t.url, token, systemId: 's_manager00002' });
    await unregisterRunner({ url: t.url, token, systemId: 's_manager00001' });
    const entry = (await t.coordinator.read.runners()).find((r) => r.runner.id === runner.id)!;
    expect(entry.managers.map((m) => m.systemId)).toEqual(['s_manager00002']);
    expect(await verifyStatus(token)).toBe(200);
  });
});
