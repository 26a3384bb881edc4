// The automation endpoints over real HTTP (rest-auto): trigger tokens and triggering with form
// fields (urlencoded and multipart), JSON and the ref route; pipeline schedules with variables,
// play and validation; hooks with their event log fed by a real receiver; commit statuses and
// the pipeline badge. Errors keep GitLab's shapes.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Project } from '../engine/model.js';
import { eventually, hostProject } from '../server/test-support/hosted-project.js';
import { createPgDatabase, requirePostgres, type PgDatabase } from '../store/test-support/pg-database.js';
import { startRestServer, type RestServer } from './test-support/rest-server.js';

const withPostgres = await requirePostgres('REST automation endpoints on PostgreSQL');
const STORES: ('sqlite' | 'postgres')[] = withPostgres ? ['sqlite', 'postgres'] : ['sqlite'];

const CI = `
on-trigger:
  rules: [{ if: '$CI_PIPELINE_SOURCE == "trigger"' }]
  script: [echo "trigger $DEPLOY_TO"]
on-schedule:
  rules: [{ if: '$CI_PIPELINE_SOURCE == "schedule"' }]
  script: [echo "schedule"]
build:
  script: [echo build]
`;

describe.each(STORES)('REST automation endpoints (%s)', (store) => {
  let s: RestServer;
  let pg: PgDatabase | null = null;
  let project: Project;
  let sha: string;
  const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> & Record<string, unknown>[] });
  const post = (path: string, body: unknown, token?: string | null) => s.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), token });

  beforeAll(async () => {
    pg = store === 'postgres' ? await createPgDatabase() : null;
    s = await startRestServer(pg ? { database: pg.url } : {});
    ({ project, sha } = await hostProject(s.server, 'rest/auto', { '.gitlab-ci.yml': CI }));
  });
  afterAll(async () => {
    await s?.close();
    await pg?.drop();
  });

  const pipelineJobs = async (id: number) => (await s.server.coordinator.read.pipeline(id))!.jobs.map((j) => j.name).sort();

  test('trigger tokens: created with the whole token once, listed with 4 characters, updated, deleted', async () => {
    const created = await json(await post(`/projects/${project.id}/triggers`, { description: 'release' }));
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect(token).toMatch(/^glptt-[A-Za-z0-9_-]{32}$/);
    const list = await json(await s.api(`/projects/${encodeURIComponent('rest/auto')}/triggers`));
    expect(list.body.map((t) => t.token)).toEqual([token.slice(0, 4)]);
    const id = created.body.id as number;
    const put = await json(await s.api(`/projects/${project.id}/triggers/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ description: 'nightly' }) }));
    expect(put.body).toMatchObject({ id, description: 'nightly', token: token.slice(0, 4) });
    expect((await s.api(`/projects/${project.id}/triggers`, { token: null })).status).toBe(401);
    expect((await s.api(`/projects/${project.id}/triggers/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await json(await s.api(`/projects/${project.id}/triggers/${id}`))).toEqual({ status: 404, body: { message: '404 Trigger Not Found' } });
  });

  test('POST /trigger/pipeline: urlencoded, multipart and JSON variables, the ref route; source trigger reaches rules', async () => {
    const { body } = await json(await post(`/projects/${project.id}/triggers`, { description: 'ci' }));
    const token = body.token as string;
    const check = async (r: Response, value: string) => {
      const got = await json(r);
      expect(got.status, JSON.stringify(got.body)).toBe(201);
      expect(got.body).toMatchObject({ ref: 'main', sha, source: 'trigger', status: expect.any(String) });
      const detail = await s.server.coordinator.read.pipeline(got.body.id as number);
      expect(detail!.pipeline.variables).toEqual([{ key: 'DEPLOY_TO', value }]);
      expect(await pipelineJobs(got.body.id as number)).toEqual(['build', 'on-trigger']);
    };
    const form = new URLSearchParams({ token, ref: 'main', 'variables[DEPLOY_TO]': 'form' });
    await check(await s.api(`/projects/${project.id}/trigger/pipeline`, { method: 'POST', body: form, token: null }), 'form');
    const multipart = new FormData();
    multipart.set('token', token);
    multipart.set('ref', 'main');
    multipart.set('variables[DEPLOY_TO]', 'multipart');
    await check(await s.api(`/projects/${project.id}/trigger/pipeline`, { method: 'POST', body: multipart, token: null }), 'multipart');
    await check(await post(`/projects/${encodeURIComponent('rest/auto')}/trigger/pipeline`, { token, ref: 'main', variables: { DEPLOY_TO: 'json' } }, null), 'json');
    await check(await s.api(`/projects/${project.id}/ref/main/trigger/pipeline?token=${token}`, { method: 'POST', body: new URLSearchParams({ 'variables[DEPLOY_TO]': 'ref-route' }), token: null }), 'ref-route');
    // GitLab's errors
    expect(await json(await post(`/projects/${project.id}/trigger/pipeline`, { token: 'glptt-wrong', ref: 'main' }, null))).toEqual({ status: 404, body: { message: '404 Not Found' } });
    expect(await json(await post(`/projects/${project.id}/trigger/pipeline`, { token }, null))).toEqual({ status: 400, body: { error: 'ref is missing' } });
    expect((await json(await post(`/projects/${project.id}/trigger/pipeline`, { token, ref: 'no-such-branch' }, null))).status).toBe(400);
    expect((await json(await post(`/projects/${project.id}/trigger/pipeline`, { token, ref: 'main', variables: { 'bad key': 'x' } }, null))).status).toBe(400);
    // a trigger token of another project does not work here
    const { project: other } = await hostProject(s.server, 'rest/other', { '.gitlab-ci.yml': CI });
    expect((await post(`/projects/${other.id}/trigger/pipeline`, { token, ref: 'main' }, null)).status).toBe(404);
  });

  test('pipeline schedules: create, variables, play (source schedule), last_pipeline, validation, delete', async () => {
    const created = await json(await post(`/projects/${project.id}/pipeline_schedules`, { description: 'nightly', ref: 'main', cron: '30 2 * * *', cron_timezone: 'America/New_York' }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ description: 'nightly', ref: 'main', cron: '30 2 * * *', cron_timezone: 'America/New_York', active: true, last_pipeline: null, variables: [] });
    expect(new Date(created.body.next_run_at as string).getUTCMinutes()).toBe(30);
    const sid = created.body.id as number;
    const v = await json(await s.api(`/projects/${project.id}/pipeline_schedules/${sid}/variables`, { method: 'POST', body: new URLSearchParams({ key: 'NIGHTLY', value: 'yes' }) }));
    expect(v).toEqual({ status: 201, body: { key: 'NIGHTLY', value: 'yes', variable_type: 'env_var', raw: false } });
    expect((await post(`/projects/${project.id}/pipeline_schedules/${sid}/variables`, { key: 'NIGHTLY', value: 'again' })).status).toBe(400);
    const played = await json(await s.api(`/projects/${project.id}/pipeline_schedules/${sid}/play`, { method: 'POST' }));
    expect(played).toEqual({ status: 201, body: { message: '201 Created' } });
    const got = await json(await s.api(`/projects/${project.id}/pipeline_schedules/${sid}`));
    const last = got.body.last_pipeline as { id: number; source: string };
    expect(last.source).toBe('schedule');
    expect(await pipelineJobs(last.id)).toEqual(['build', 'on-schedule']);
    expect((await s.server.coordinator.read.pipeline(last.id))!.pipeline.variables).toEqual([{ key: 'NIGHTLY', value: 'yes' }]);
    expect(got.body.variables).toEqual([{ key: 'NIGHTLY', value: 'yes', variable_type: 'env_var', raw: false }]);
    // every pipeline the schedule created, newest first, paginated
    await s.api(`/projects/${project.id}/pipeline_schedules/${sid}/play`, { method: 'POST' });
    const runs = await eventually(async () => {
      const r = await json(await s.api(`/projects/${project.id}/pipeline_schedules/${sid}/pipelines`));
      return r.body.length === 2 ? r.body.map((p) => p.id as number) : null;
    }, 10_000, 'two schedule pipelines');
    expect(runs[1]).toBe(last.id);
    expect(runs[0]).toBeGreaterThan(last.id);
    const page2 = await s.api(`/projects/${project.id}/pipeline_schedules/${sid}/pipelines?per_page=1&page=2`);
    expect(page2.headers.get('x-total')).toBe('2');
    expect(((await page2.json()) as { id: number }[]).map((p) => p.id)).toEqual([last.id]);
    const bad = await json(await s.api(`/projects/${project.id}/pipeline_schedules/${sid}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cron: 'every day' }) }));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/cron is invalid syntax/);
    expect((await post(`/projects/${project.id}/pipeline_schedules`, { description: 'x', ref: 'main', cron: '* * * * *', cron_timezone: 'Mars/Olympus' })).status).toBe(400);
    const off = await json(await s.api(`/projects/${project.id}/pipeline_schedules/${sid}`, { method: 'PUT', body: new URLSearchParams({ active: 'false' }) }));
    expect(off.body).toMatchObject({ active: false, next_run_at: null });
    expect((await json(await s.api(`/projects/${project.id}/pipeline_schedules?scope=inactive`))).body.map((x) => x.id)).toEqual([sid]);
    expect((await s.api(`/projects/${project.id}/pipeline_schedules/${sid}/variables/NIGHTLY`, { method: 'DELETE' })).status).toBe(200);
    expect((await s.api(`/projects/${project.id}/pipeline_schedules/${sid}`, { method: 'DELETE' })).status).toBe(204);
    expect((await s.api(`/projects/${project.id}/pipeline_schedules/${sid}`)).status).toBe(404);
  });

  test('hooks: CRUD (token never shown), deliveries from a real pipeline in the event log', async () => {
    const got: { headers: http.IncomingHttpHeaders; body: { object_kind: string } }[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
        res.writeHead(202).end('thanks');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`;
      const created = await json(await post(`/projects/${project.id}/hooks`, { url, token: 'hook-secret', pipeline_events: true, push_events: false }));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ url, pipeline_events: true, job_events: false, push_events: false, tag_push_events: false, enable_ssl_verification: true });
      expect(created.body).not.toHaveProperty('token');
      expect((await post(`/projects/${project.id}/hooks`, { url: 'ftp://example/' })).status).toBe(400);
      const hid = created.body.id as number;
      const { body: trig } = await json(await post(`/projects/${project.id}/triggers`, { description: 'hook' }));
      const pipeline = await json(await post(`/projects/${project.id}/trigger/pipeline`, { token: trig.token, ref: 'main' }, null));
      const delivery = await eventually(async () => got.find((g) => g.headers['x-gitlab-event'] === 'Pipeline Hook'), 10_000, 'a pipeline hook');
      expect(delivery.headers['x-gitlab-token']).toBe('hook-secret');
      const events = await eventually(async () => {
        const r = await json(await s.api(`/projects/${project.id}/hooks/${hid}/events`));
        return r.body.some((e) => e.status === 'delivered') ? r.body : null;
      }, 10_000, 'a delivered event in the log');
      const first = events.find((e) => e.status === 'delivered')!;
      expect(first).toMatchObject({ trigger: 'pipeline_hooks', response_status: '202', response_body: 'thanks', attempts: 1 });
      // each event with its payload (older pipelines on the ref are auto-canceled: their events come too)
      const payloads = await Promise.all(events.map(async (e) => (await json(await s.api(`/projects/${project.id}/hooks/${hid}/events/${e.id as number}`))).body.request_data));
      expect(payloads).toContainEqual(expect.objectContaining({ object_kind: 'pipeline', object_attributes: expect.objectContaining({ id: pipeline.body.id }) }));
      const put = await json(await s.api(`/projects/${project.id}/hooks/${hid}`, { method: 'PUT', body: new URLSearchParams({ job_events: 'true', tag_push_events: 'true' }) }));
      expect(put.body).toMatchObject({ job_events: true, tag_push_events: true, pipeline_events: true, url });
      expect((await json(await s.api(`/projects/${project.id}/hooks/${hid}`))).body).toMatchObject({ tag_push_events: true, push_events: false });
      expect((await s.api(`/projects/${project.id}/hooks/${hid}`, { method: 'DELETE' })).status).toBe(204);
      expect((await s.api(`/projects/${project.id}/hooks/${hid}`)).status).toBe(404);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  test('commit statuses (external and CI jobs) and the pipeline badge', async () => {
    const posted = await json(await post(`/projects/${project.id}/statuses/${sha}`, { state: 'running', name: 'lint', target_url: 'http://127.0.0.1/ci/1', description: 'linting' }));
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ sha, status: 'running', name: 'lint', target_url: 'http://127.0.0.1/ci/1', author: { username: 'root' } });
    const again = await json(await post(`/projects/${project.id}/statuses/${sha}`, { state: 'success', context: 'lint', coverage: 91.5 }));
    expect(again.body).toMatchObject({ id: posted.body.id, status: 'success', coverage: 91.5 });
    expect((await post(`/projects/${project.id}/statuses/${sha}`, { state: 'great' })).status).toBe(400);
    const list = await json(await s.api(`/projects/${project.id}/repository/commits/${sha}/statuses`));
    const names = list.body.map((x) => x.name);
    expect(names).toContain('lint');
    expect(names).toContain('build');
    const svg = await fetch(`${s.url}/rest/auto/badges/main/pipeline.svg`);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const text = await svg.text();
    expect(text).toMatch(/<svg[^>]*>/);
    expect(text).toMatch(/>(running|pending|created|passed|failed)</);
    const unknown = await (await fetch(`${s.url}/rest/auto/badges/no-such-ref/pipeline.svg`)).text();
    expect(unknown).toContain('>unknown<');
    expect(unknown).toContain('#9f9f9f');
  });
});
