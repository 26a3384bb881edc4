// Users and access tokens in the engine (SQLite): the admin token is root's, tokens expire on
// their date and stop at revocation, scopes are checked, project tokens get a bot user.
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, FakeClock, type Harness } from '../test-support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('users and access tokens', () => {
  it('the admin token belongs to root; a user token to a user of its name', async () => {
    h = await createHarness();
    const admin = await h.coordinator.createApiToken('admin', 'admin');
    expect((await h.coordinator.authenticateUser(admin.token))?.user).toMatchObject({ username: 'root', isAdmin: true });
    const dev = await h.coordinator.createApiToken('dev', 'user');
    expect((await h.coordinator.authenticateUser(dev.token))?.user).toMatchObject({ username: 'dev', isAdmin: false });
    expect(await h.coordinator.authenticateUser('glpat-unknown')).toBeNull();
  });

  it('expires on its date (UTC) and stops at revocation, for both APIs', async () => {
    const clock = new FakeClock(Date.parse('2026-03-01T12:00:00Z'));
    h = await createHarness({ clock });
    const user = await h.coordinator.createUser({ username: 'exp' });
    const { token, apiToken } = await h.coordinator.createAccessToken({ userId: user.id, name: 't', scopes: ['api'], expiresAt: '2026-03-03' });
    expect(await h.coordinator.authenticateUser(token)).not.toBeNull();
    clock.advance(24 * 3600); // 2026-03-02
    expect(await h.coordinator.authenticateApiToken(token)).not.toBeNull();
    clock.advance(24 * 3600); // 2026-03-03: expired
    expect(await h.coordinator.authenticateUser(token)).toBeNull();
    expect(await h.coordinator.authenticateApiToken(token)).toBeNull();
    const other = await h.coordinator.createAccessToken({ userId: user.id, name: 'u', scopes: ['read_api'] });
    await h.coordinator.revokeAccessToken(other.apiToken.id);
    expect(await h.coordinator.authenticateUser(other.token)).toBeNull();
    await expect(h.coordinator.revokeAccessToken(other.apiToken.id)).rejects.toThrow(/404/);
    expect((await h.coordinator.read.accessTokens({ userId: user.id })).map((t) => [t.id, t.revoked])).toEqual([
      [apiToken.id, false],
      [other.apiToken.id, true],
    ]);
  });

  it('checks scopes, names, dates and usernames', async () => {
    h = await createHarness();
    const user = await h.coordinator.createUser({ username: 'chk' });
    await expect(h.coordinator.createUser({ username: 'chk' })).rejects.toThrow(/taken/);
    await expect(h.coordinator.createUser({ username: '../x' })).rejects.toThrow(/username/);
    await expect(h.coordinator.createAccessToken({ userId: user.id, name: 't', scopes: [] })).rejects.toThrow(/scopes/);
    await expect(h.coordinator.createAccessToken({ userId: user.id, name: 't', scopes: ['root'] })).rejects.toThrow(/scopes/);
    await expect(h.coordinator.createAccessToken({ userId: user.id, name: ' ', scopes: ['api'] })).rejects.toThrow(/name/);
    await expect(h.coordinator.createAccessToken({ userId: user.id, name: 't', scopes: ['api'], expiresAt: 'tomorrow' })).rejects.toThrow(/expires_at/);
    await expect(h.coordinator.createAccessToken({ userId: 999_999, name: 't', scopes: ['api'] })).rejects.toThrow(/User/);
  });

  it('a project access token has a bot user and its project', async () => {
    h = await createHarness();
    const made = await h.coordinator.createProjectAccessToken({ projectId: h.project.id, name: 'deploy', scopes: ['read_api'], accessLevel: 30 });
    expect(made.user).toMatchObject({ bot: true, name: 'deploy' });
    expect(made.apiToken).toMatchObject({ projectId: h.project.id, accessLevel: 30, scopes: ['read_api'], userId: made.user.id });
    await expect(h.coordinator.createProjectAccessToken({ projectId: h.project.id, name: 'x', scopes: ['api'], accessLevel: 35 })).rejects.toThrow(/access_level/);
  });
});
