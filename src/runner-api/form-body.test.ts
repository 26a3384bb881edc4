// Form bodies on the runner lifecycle routes, sent by the real `curl --form` (multipart) and
// `curl --data` (urlencoded) as GitLab's docs do, against a real server; and Rack's bracket
// notation (info[name], tag_list[]) unit by unit.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nestFormFields } from './form-body.js';
import { startRunnerApiTestServer, type RunnerApiTestServer } from './test-support/start-test-server.js';

const run = promisify(execFile);

/** curl with `args`; returns the status and the body. */
async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['--silent', '--show-error', '--noproxy', '*', '--write-out', '\n%{http_code}', ...args]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

describe('nestFormFields (Rack bracket notation)', () => {
  it('nests objects and lists, last value wins', () => {
    expect(
      nestFormFields([
        ['token', 't'],
        ['info[name]', 'gitlab-runner'],
        ['info[features][shared]', 'true'],
        ['tag_list[]', 'a'],
        ['tag_list[]', 'b'],
        ['description', 'one'],
        ['description', 'two'],
      ]),
    ).toEqual({ token: 't', info: { name: 'gitlab-runner', features: { shared: 'true' } }, tag_list: ['a', 'b'], description: 'two' });
  });

  it('refuses conflicting shapes, bad brackets and prototype keys with a 400', () => {
    for (const pairs of [
      [['a', '1'], ['a[b]', '2']],
      [['a[b]', '1'], ['a', '2']],
      [['a[]', '1'], ['a[b]', '2']],
      [['a[b', '1']],
      [['[x]', '1']],
      [['a[][b]', '1']],
      [['__proto__[polluted]', '1']],
      [['info[constructor]', '1']],
      [['a[b][c][d][e][f][g][h][i]', '1']],
    ] as [string, string][][]) {
      expect(() => nestFormFields(pairs), JSON.stringify(pairs)).toThrow(expect.objectContaining({ code: 'bad_request' }));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('runner registration with form bodies (real curl, real server)', () => {
  let t: RunnerApiTestServer;
  let api: string;
  beforeAll(async () => {
    t = await startRunnerApiTestServer();
    api = `${t.url}/api/v4`;
  });
  afterAll(async () => t?.close());

  const runnerOf = async (id: number) => (await t.coordinator.read.runners()).find((r) => r.runner.id === id)!;

  it('curl --form: register (tag_list comma string, booleans as strings, info[...]), verify, unregister', async () => {
    const registrationToken = await t.coordinator.resetRegistrationToken();
    const reg = await curl([
      '--request', 'POST', `${api}/runners`,
      '--form', `token=${registrationToken}`,
      '--form', 'description=form runner',
      '--form', 'tag_list=docker,linux',
      '--form', 'run_untagged=false',
      '--form', 'locked=true',
      '--form', 'paused=false',
      '--form', 'maximum_timeout=3600',
      '--form', 'access_level=ref_protected',
      '--form', 'info[name]=gitlab-runner',
      '--form', 'info[version]=18.5.0',
    ]);
    expect(reg.status, reg.body).toBe(201);
    const { id, token } = JSON.parse(reg.body) as { id: number; token: string };
    expect((await runnerOf(id)).runner).toMatchObject({ description: 'form runner', tags: ['docker', 'linux'], runUntagged: false, locked: true, paused: false, maximumTimeout: 3600, accessLevel: 'ref_protected' });

    const verify = await curl(['--request', 'POST', `${api}/runners/verify`, '--form', `token=${token}`, '--form', 'system_id=s_formsystem01', '--form', 'info[executor]=shell', '--form', 'info[features][cancel_gracefully]=true']);
    expect(verify.status, verify.body).toBe(200);
    expect(JSON.parse(verify.body)).toMatchObject({ id, token });
    const manager = (await runnerOf(id)).managers.find((m) => m.systemId === 's_formsystem01')!;
    expect(manager).toMatchObject({ executor: 'shell', features: { cancel_gracefully: true } });

    const dropManager = await curl(['--request', 'DELETE', `${api}/runners/managers`, '--form', `token=${token}`, '--form', 'system_id=s_formsystem01']);
    expect(dropManager.status).toBe(204);
    const del = await curl(['--request', 'DELETE', `${api}/runners`, '--form', `token=${token}`]);
    expect(del.status).toBe(204);
    expect((await curl(['--request', 'POST', `${api}/runners/verify`, '--form', `token=${token}`])).status).toBe(403);
  });

  it('curl --data (urlencoded): register with tag_list[] and active, verify, delete', async () => {
    const registrationToken = await t.coordinator.resetRegistrationToken();
    const reg = await curl(['--request', 'POST', `${api}/runners`, '--data', `token=${encodeURIComponent(registrationToken)}`, '--data', 'tag_list[]=a&tag_list[]=b', '--data', 'run_untagged=0', '--data', 'active=false', '--data-urlencode', 'description=ünïcode & more']);
    expect(reg.status, reg.body).toBe(201);
    const { id, token } = JSON.parse(reg.body) as { id: number; token: string };
    expect((await runnerOf(id)).runner).toMatchObject({ tags: ['a', 'b'], runUntagged: false, paused: true, description: 'ünïcode & more' });
    expect((await curl(['--request', 'POST', `${api}/runners/verify`, '--data', `token=${token}`])).status).toBe(200);
    expect((await curl(['--request', 'POST', `${api}/runners/reset_authentication_token`, '--data', `token=${token}`])).status).toBe(201);
    expect((await curl(['--request', 'POST', `${api}/runners/verify`, '--data', `token=${token}`])).status).toBe(403);
  });

  it('bad form bodies are 4xx with a reason: wrong boolean, low timeout, conflicting fields, too large, no boundary', async () => {
    const registrationToken = await t.coordinator.resetRegistrationToken();
    const before = (await t.coordinator.read.runners()).length;
    const bad = [
      ['--form', `token=${registrationToken}`, '--form', 'run_untagged=maybe'],
      ['--form', `token=${registrationToken}`, '--form', 'maximum_timeout=-5'],
      ['--data', `token=${registrationToken}&info=x&info[name]=y`],
      ['--data', `token=${registrationToken}&access_level=everything`],
    ];
    for (const args of bad) {
      const res = await curl(['--request', 'POST', `${api}/runners`, ...args]);
      expect(res.status, args.join(' ')).toBe(400);
      expect(JSON.parse(res.body).message).toBeTruthy();
    }
    const low = await curl(['--request', 'POST', `${api}/runners`, '--form', `token=${registrationToken}`, '--form', 'maximum_timeout=-5']);
    expect(JSON.parse(low.body).message).toBe('Maximum timeout needs to be at least 10 minutes');
    const huge = await curl(['--request', 'POST', `${api}/runners`, '--data', `token=${registrationToken}&description=${'x'.repeat(70_000)}`]);
    expect(huge.status).toBe(413);
    const noBoundary = await curl(['--request', 'POST', `${api}/runners`, '--header', 'content-type: multipart/form-data', '--data', 'token=x']);
    expect(noBoundary.status).toBe(400);
    expect((await t.coordinator.read.runners()).length).toBe(before);
    // Still answering JSON afterwards.
    expect((await curl(['--request', 'POST', `${api}/runners`, '--header', 'content-type: application/json', '--data', `{"token":"${registrationToken}"}`])).status).toBe(201);
  });
});
