// `users create|list` and `token create|list|revoke` as a user runs them (a CLI process) against a
// real `serve` process: a created token works on the REST API with its scopes, a revoked one no
// longer does, and a project token reaches its project only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServe, type ServeProcess } from '../support/dispatcher-process.js';
import { runCli } from '../support/run-cli.js';
import { pushRepo } from './support.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-cli-tokens-'));
let serve: ServeProcess;
let admin = '';

const cli = async (args: string[], token = admin) => {
  const r = await runCli([...args, '--url', serve.url, '--token', token]);
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
};
const status = async (pathname: string, token: string, init: RequestInit = {}) => (await fetch(`${serve.url}/api/v4${pathname}`, { ...init, headers: { 'private-token': token, ...init.headers } })).status;

beforeAll(async () => {
  serve = await startServe({ dataDir: path.join(work, 'data'), port: await freePort(), tokensWaitMs: Infinity });
  admin = serve.adminToken!;
  await pushRepo({ url: serve.url, token: admin, project: 'team/app', dir: path.join(work, 'app') });
  await pushRepo({ url: serve.url, token: admin, project: 'team/other', dir: path.join(work, 'other') });
}, 120_000);

afterAll(async () => {
  await serve?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('token and users commands', () => {
  it('creates a user and a read_api token for them; lists and revokes it', async () => {
    expect(await cli(['users', 'create', 'carol', '--name', 'Carol'])).toMatch(/User #\d+ carol created/);
    expect(JSON.parse(await cli(['users', 'list', '--json'])).map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(['root', 'carol']));
    const made = JSON.parse(await cli(['token', 'create', '--name', 'dash', '--scopes', 'read_api', '--user', 'carol', '--expires-at', '2999-01-01', '--json']));
    expect(made).toMatchObject({ name: 'dash', scopes: ['read_api'], expires_at: '2999-01-01', token: expect.stringMatching(/^glpat-/) });
    expect(await status('/projects', made.token)).toBe(200);
    expect(await status('/projects', made.token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' })).toBe(403);
    const listed = await cli(['token', 'list', '--user', 'carol']);
    expect(listed).toMatch(new RegExp(`${made.id}\\s+dash\\s+read_api\\s+\\d+\\s+active`));
    expect(await cli(['token', 'revoke', String(made.id)])).toMatch(/revoked/);
    expect(await status('/projects', made.token)).toBe(401);
    expect(await cli(['token', 'list', '--user', 'carol'])).toMatch(/revoked/);
    // your own token, printed once
    const mine = await cli(['token', 'create', '--name', 'mine']);
    const plaintext = mine.trim().split('\n').pop()!;
    expect(await status('/user', plaintext)).toBe(200);
  });

  it('a project token reaches its project only; errors are clear', async () => {
    const made = JSON.parse(await cli(['token', 'create', '--name', 'bot', '--project', 'team/app', '--json']));
    expect(await status('/projects/team%2Fapp', made.token)).toBe(200);
    expect(await status('/projects/team%2Fother', made.token)).toBe(404);
    expect(JSON.parse(await cli(['token', 'list', '--project', 'team/app', '--json'])).map((t: { id: number }) => t.id)).toEqual([made.id]);
    const bad = await runCli(['token', 'create', '--name', 'x', '--scopes', 'bogus', '--url', serve.url, '--token', admin]);
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringMatching(/400.*scopes/)]);
    const nobody = await runCli(['token', 'create', '--name', 'x', '--user', 'nobody', '--url', serve.url, '--token', admin]);
    expect([nobody.code, nobody.stderr]).toEqual([1, expect.stringMatching(/no user nobody/)]);
  });
});
