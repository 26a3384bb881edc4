// The UI API's route schemas over real HTTP: bad params, query values and bodies are a 400 in the
// API's own shape with a message worded from the schema (never the checker's text, never a 500);
// query strings are converted, JSON bodies are not; access is checked before the body; the
// response schemas serialize every field of the view types; the OpenAPI document comes from the
// same schemas, at /api/ui/openapi.json beside the REST API's /api/v4/openapi.json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import { startRestServer, type RestServer } from '../rest/test-support/rest-server.js';
import { hostProject } from '../server/test-support/hosted-project.js';
import { createApiHarness, type ApiHarness } from './test-support/api-harness.js';

let h: ApiHarness;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response): Promise<{ status: number; body: any }> => ({ status: res.status, body: await res.json() });
const send = (method: string, path: string, body: unknown, token: string | null = h.adminToken) =>
  h.fetch(`/api/ui${path}`, { method, token, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

beforeAll(async () => {
  h = await createApiHarness({ anonymousRead: true });
});
afterAll(async () => h?.close());

describe('input validation', () => {
  it('bad params and query values: 400 {error: bad_request, message} worded from the schema', async () => {
    const cases: [string, string][] = [
      ['/pipelines/abc', 'id must be an integer from 1 to 2147483647'],
      ['/pipelines/0', 'id must be an integer from 1 to 2147483647'],
      ['/jobs/1.5', 'id must be an integer from 1 to 2147483647'],
      ['/pipelines?limit=-3', 'limit must be an integer from 1 to 2147483647'],
      ['/pipelines?limit=1&limit=2', 'limit must be an integer from 1 to 2147483647'],
      ['/pipelines?status=nonsense', 'status must be one of "created", "waiting_for_resource", "pending", "running", "success", "failed", "canceling", "canceled", "skipped", "manual", "scheduled"'],
      [`/pipelines?ref=${'r'.repeat(1025)}`, 'ref must be a string (at most 1024 characters)'],
      ['/jobs/1/trace/stream?offset=-1', 'offset must be an integer from 0 to 999999999999999'],
      ['/jobs/1/artifacts/archive/file', 'path is required'],
      ['/pipelines?ref=a%00b', 'the query string must not contain NUL (\\u0000) characters'],
    ];
    for (const [path, message] of cases) {
      const res = await json(await h.fetch(`/api/ui${path}`));
      expect(res, path).toEqual({ status: 400, body: { error: 'bad_request', message } });
    }
  });

  it('query strings are converted and empty values count as absent', async () => {
    const p = await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha: 'a'.repeat(40), source: 'push', plan: planOf(['t'], [planJob('j', { stage: 't' })]) });
    const list = await json(await h.fetch('/api/ui/pipelines?status=&ref=&limit=&before=&project='));
    expect(list.status).toBe(200);
    expect(list.body.map((x: { id: number }) => x.id)).toContain(p.pipeline.id);
    const one = await json(await h.fetch(`/api/ui/projects/${h.project.id}/pipelines?limit=1&ref=main`));
    expect(one.body).toHaveLength(1);
  });

  it('JSON bodies keep their JSON types: no conversion of "true" or "3600"', async () => {
    const runner = (await h.coordinator.createRunner({ runUntagged: true })).runner;
    for (const [body, message] of [
      [{ paused: 'true' }, 'paused must be true or false'],
      [{ maximumTimeout: '3600' }, 'maximumTimeout must be an integer or null'],
      [{ accessLevel: 'everything' }, 'accessLevel must be one of "not_protected", "ref_protected"'],
      [{ tags: [1] }, 'tags[0] must be a string (at most 1024 characters)'],
      ['[1]', 'the body must be a JSON object'],
    ] as const) {
      const res = await json(await send('PATCH', `/runners/${runner.id}`, body));
      expect(res, JSON.stringify(body)).toEqual({ status: 400, body: { error: 'bad_request', message } });
    }
    const tagged = await json(await send('PATCH', `/runners/${runner.id}`, { tags: ' a, b ,', paused: true }));
    expect(tagged.body).toMatchObject({ tags: ['a', 'b'], paused: true });
    const listed = await json(await send('PATCH', `/runners/${runner.id}`, { tags: ['x'] }));
    expect(listed.body).toMatchObject({ tags: ['x'], paused: true });
  });

  it('bodies: missing fields, nested items, NUL, bad JSON', async () => {
    expect(await json(await send('POST', '/variables', { value: 'v' }))).toEqual({ status: 400, body: { error: 'bad_request', message: 'key is required' } });
    // the key rule is the engine's (engine/variables.ts), one wording for both APIs
    expect((await json(await send('POST', '/variables', { key: 'bad key', value: 'v' }))).body.message).toBe('key must be 1-255 letters, digits or _');
    expect((await json(await send('POST', '/session', { token: '   ' }, null))).body).toEqual({ error: 'bad_request', message: 'token must be a string (not empty, at most 512 characters, not blank)' });
    expect((await json(await send('POST', '/session', undefined, null))).body.message).toBe('token is required');
    const job = (await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'm', isTag: false, sha: 'b'.repeat(40), source: 'push', plan: planOf(['t'], [planJob('man', { stage: 't', when: 'manual' })]) })).jobs[0];
    const play = await json(await send('POST', `/jobs/${job.id}/play`, { variables: [{ key: 'OK', value: 'v' }, { key: '1bad', value: 'v' }] }));
    expect(play).toEqual({ status: 400, body: { error: 'bad_request', message: 'variables[1].key must be a string (matching /^[A-Za-z_][A-Za-z0-9_]{0,254}$/)' } });
    expect((await json(await send('POST', '/variables', { key: 'K', value: 'a\u0000b' }))).body.message).toBe('the body must not contain NUL (\\u0000) characters');
    expect(await json(await send('POST', '/variables', '{oops'))).toEqual({ status: 400, body: { error: 'bad_request', message: 'the body is not valid JSON' } });
  });

  it('checks access before the body: a 401/403 for a caller without the right token, whatever the body', async () => {
    expect((await send('POST', '/variables', { nonsense: true }, null)).status).toBe(401);
    expect((await send('POST', '/variables', { nonsense: true }, h.userToken)).status).toBe(403);
    expect((await send('POST', '/runners', '[1]', 'not-a-token')).status).toBe(401);
  });
});

describe('response schemas', () => {
  it('send every field of the views (pipeline, job, runner)', async () => {
    const d = await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'resp', isTag: false, sha: 'c'.repeat(40), source: 'push', plan: planOf(['t'], [planJob('j', { stage: 't' })]) });
    const detail = await json(await h.fetch(`/api/ui/pipelines/${d.pipeline.id}`));
    expect(Object.keys(detail.body.pipeline).sort()).toEqual(
      ['beforeSha', 'commitMessage', 'createdAt', 'duration', 'failureReason', 'finishedAt', 'id', 'iid', 'isTag', 'name', 'parentPipelineId', 'projectId', 'projectPath', 'protected', 'ref', 'sha', 'source', 'stages', 'startedAt', 'status', 'variables', 'yamlErrors'].concat('commit' in detail.body.pipeline ? ['commit'] : []).sort(),
    );
    expect(detail.body.jobs[0]).toMatchObject({ name: 'j', status: expect.any(String), needs: null, traceSize: 0, manual: false });
    const jobPage = await json(await h.fetch(`/api/ui/jobs/${d.jobs[0].id}`));
    expect(jobPage.body.spec).toMatchObject({ script: expect.any(Array), location: { file: expect.any(String), line: expect.any(Number), column: expect.any(Number) } });
    const created = await json(await send('POST', '/runners', { description: 'r', maximumTimeout: 3600 }));
    expect(created.status).toBe(201);
    expect(created.body.runner).toMatchObject({ description: 'r', maximumTimeout: 3600, status: 'never_contacted', managers: [], tokenKind: 'glrt' });
  });
});

describe('OpenAPI', () => {
  let rest: RestServer;
  beforeAll(async () => {
    rest = await startRestServer();
  });
  afterAll(async () => rest?.close());

  it('serves the UI API document at /api/ui/openapi.json, and the REST one still at /api/v4/openapi.json', async () => {
    const ui = await json(await fetch(`${rest.url}/api/ui/openapi.json`));
    expect(ui.status).toBe(200);
    expect(ui.body.info.title).toMatch(/UI API/);
    const paths = Object.keys(ui.body.paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/ui/pipelines/{id}', '/api/ui/variables', '/api/ui/projects/{project}/pipelines']));
    expect(paths.every((p) => p.startsWith('/api/ui/'))).toBe(true);
    expect(paths).not.toContain('/api/ui/openapi.json');
    const variables = ui.body.paths['/api/ui/variables'].post;
    expect(variables.requestBody.content['application/json'].schema.required).toEqual(['key', 'value']);
    expect(Object.keys(ui.body.paths['/api/ui/pipelines/{id}'].get.responses['200'].content['application/json'].schema.properties)).toEqual(['pipeline', 'project', 'jobs', 'edges']);

    const v4 = await json(await fetch(`${rest.url}/api/v4/openapi.json`));
    expect(v4.status).toBe(200);
    const v4paths = Object.keys(v4.body.paths);
    expect(v4paths).toContain('/api/v4/user');
    expect(v4paths.some((p) => p.startsWith('/api/ui'))).toBe(false);
  });

  it('documents and serves the routes merged in beside the schemas (Run pipeline, test reports, artifacts, hooks) with every field', async () => {
    const ui = await json(await fetch(`${rest.url}/api/ui/openapi.json`));
    const paths = Object.keys(ui.body.paths);
    for (const p of ['/api/ui/projects/{project}/pipelines', '/api/ui/pipelines/{id}/test_report', '/api/ui/pipelines/{id}/test_report_summary', '/api/ui/jobs/{id}/test_report_summary', '/api/ui/jobs/{id}/artifacts/keep', '/api/ui/pipelines/{id}/artifacts', '/api/ui/projects/{project}/hooks'])
      expect(paths).toContain(p);
    expect(ui.body.paths['/api/ui/projects/{project}/pipelines'].post.requestBody.content['application/json'].schema.required).toEqual(['ref']);

    // the hooks page (server/hooks-ui-routes.ts, added through extraRoutes): every field of the view survives its response schema
    const { project } = await hostProject(rest.server, 'ui/hooks', { '.gitlab-ci.yml': 'only:\n  script: [echo hi]\n' });
    const created = await rest.api(`/projects/${project.id}/hooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', pipeline_events: true }) });
    expect(created.status).toBe(201);
    const ui2 = (path: string) => fetch(`${rest.url}/api/ui${path}`, { headers: { 'private-token': rest.adminToken } });
    const hooks = await json(await ui2(`/projects/${encodeURIComponent('ui/hooks')}/hooks?limit=500`));
    expect(hooks.status).toBe(200);
    expect(hooks.body.project).toEqual({ id: project.id, path: 'ui/hooks' });
    expect(Object.keys(hooks.body.hooks[0]).sort()).toEqual(['createdAt', 'deliveries', 'enableSslVerification', 'id', 'jobEvents', 'pipelineEvents', 'pushEvents', 'url']);
    expect(await json(await ui2(`/projects/${project.id}/hooks?limit=many`))).toEqual({ status: 400, body: { error: 'bad_request', message: 'limit must be an integer from 1 to 2147483647' } });
    expect((await fetch(`${rest.url}/api/ui/projects/${project.id}/hooks`)).status).toBe(401);

    // Run pipeline: access before the body, then the body's schema
    const run = (body: unknown, token: string | null = rest.adminToken) =>
      fetch(`${rest.url}/api/ui/projects/${project.id}/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { 'private-token': token } : {}) }, body: JSON.stringify(body) });
    expect((await run({ ref: 5 }, null)).status).toBe(401);
    expect(await json(await run({ ref: 5 }))).toEqual({ status: 400, body: { error: 'bad_request', message: 'ref must be a string (at most 1024 characters)' } });
    expect((await json(await run({ ref: 'main', variables: [{ key: '1x', value: 'v' }] }))).body.message).toMatch(/^variables\[0\]\.key must be a string/);
    const started = await json(await run({ ref: 'main', variables: [{ key: 'GREETING', value: 'hi' }] }));
    expect(started.status).toBe(201);
    expect(started.body.pipeline).toMatchObject({ ref: 'main', source: 'web', variables: [{ key: 'GREETING' }], beforeSha: expect.any(String), protected: true });
    expect(started.body.pipeline.commit).toMatchObject({ authorName: expect.any(String), user: { login: 'admin' } });
    const listed = await json(await ui2(`/projects/${project.id}/pipelines`));
    expect(listed.body[0]).toMatchObject({ id: started.body.pipeline.id, stageSummary: [{ name: 'test', jobs: 1 }], warning: false });
    const report = await json(await ui2(`/pipelines/${started.body.pipeline.id}/test_report_summary`));
    expect(report.body).toEqual({ total: { time: 0, count: 0, success: 0, failed: 0, skipped: 0, error: 0, suite_error: null }, test_suites: [] });
  });
});
