import { afterEach, describe, expect, test } from 'vitest';
import { hashToken } from '../../util/tokens.js';
import { createHarness, type Harness } from '../test-support/harness.js';

let h: Harness;
afterEach(async () => h?.close());

describe('runners and tokens', () => {
  test('registration needs the current registration token; tokens are stored hashed', async () => {
    h = await createHarness();
    expect(await h.coordinator.hasRegistrationToken()).toBe(false);
    await expect(h.coordinator.registerRunner({ registrationToken: 'nope' })).rejects.toMatchObject({ code: 'forbidden' });
    const reg = await h.coordinator.resetRegistrationToken();
    const issued = await h.coordinator.registerRunner({ registrationToken: reg, description: 'r', tags: ['a', 'b'], runUntagged: false, info: { systemId: 's_x', version: '17.0.0', features: { cancel_gracefully: true } } });
    expect(issued.runner).toMatchObject({ tokenKind: 'legacy', tags: ['a', 'b'], runUntagged: false });
    expect(await h.store.runners.byTokenHash(hashToken(issued.token))).not.toBeNull();
    expect(JSON.stringify(await h.store.runners.list())).not.toContain(issued.token);
    const reg2 = await h.coordinator.resetRegistrationToken();
    await expect(h.coordinator.registerRunner({ registrationToken: reg })).rejects.toMatchObject({ code: 'forbidden' });
    await h.coordinator.registerRunner({ registrationToken: reg2 });
    const list = await h.coordinator.read.runners();
    expect(list[0].managers.map((m) => [m.systemId, m.version, m.features.cancel_gracefully])).toEqual([['s_x', '17.0.0', true]]);
  });

  test('authenticateRunner is cached and invalidated on reset, update and delete', async () => {
    h = await createHarness();
    const { runner, token } = await h.coordinator.createRunner({ tags: ['x'] });
    expect((await h.coordinator.authenticateRunner(token))!.id).toBe(runner.id);
    expect(await h.coordinator.authenticateRunner('glrt-unknown')).toBeNull();
    await h.coordinator.updateRunner(runner.id, { paused: true });
    expect((await h.coordinator.authenticateRunner(token))!.paused).toBe(true);
    const reset = await h.coordinator.resetRunnerToken(runner);
    expect(await h.coordinator.authenticateRunner(token)).toBeNull();
    expect((await h.coordinator.authenticateRunner(reset.token))!.id).toBe(runner.id);
    await h.coordinator.deleteRunner(runner.id);
    expect(await h.coordinator.authenticateRunner(reset.token)).toBeNull();
  });

  test('runner managers are recorded and can be unregistered', async () => {
    h = await createHarness();
    const { runner } = await h.coordinator.createRunner({});
    await h.coordinator.recordRunnerContact(runner, { systemId: 's_1', executor: 'shell' });
    expect(await h.coordinator.unregisterRunnerManager(runner, 's_1')).toBe(true);
    expect(await h.coordinator.unregisterRunnerManager(runner, 's_1')).toBe(false);
  });

  test('API tokens: hashed, scoped, first admin detection', async () => {
    h = await createHarness();
    expect(await h.coordinator.hasAdminToken()).toBe(false);
    const { token, apiToken } = await h.coordinator.createApiToken('ci', 'admin');
    expect(apiToken.scope).toBe('admin');
    expect(await h.coordinator.hasAdminToken()).toBe(true);
    expect((await h.coordinator.authenticateApiToken(token))!.id).toBe(apiToken.id);
    expect(await h.coordinator.authenticateApiToken(token + 'x')).toBeNull();
  });

  test('variables: set replaces the same key in the same scope', async () => {
    h = await createHarness();
    await h.coordinator.setVariable({ projectId: h.project.id, key: 'A', value: '1', masked: false, protected: false, file: false, raw: false });
    const v = await h.coordinator.setVariable({ projectId: h.project.id, key: 'A', value: 'second-value', masked: true, protected: false, file: false, raw: false });
    expect((await h.coordinator.read.variables(h.project.id)).map((x) => x.value)).toEqual(['second-value']);
    // the engine keeps the rules for every edge: a short value cannot be masked
    await expect(h.coordinator.setVariable({ projectId: h.project.id, key: 'A', value: '2', masked: true, protected: false, file: false, raw: false })).rejects.toThrow(/masked/);
    await h.coordinator.deleteVariable(v.id);
    expect(await h.coordinator.read.variables(h.project.id)).toEqual([]);
  });
});
