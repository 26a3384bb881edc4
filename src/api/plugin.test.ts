// The UI/CLI API over real HTTP against a real coordinator (SQLite), real trace and blob stores.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from '../artifacts/test-support/zip-of.js';
import { job as planJob, need, planOf } from '../engine/test-support/plan-builder.js';
import type { Job, Runner } from '../engine/model.js';
import { createApiHarness, readEvents, type ApiHarness } from './test-support/api-harness.js';

let h: ApiHarness;
let runner: Runner;
let refs = 0;

/** Claims the next pending job, after canceling every other active pipeline so it is `pipelineId`'s. */
async function claim(pipelineId?: number): Promise<{ job: Job; token: string }> {
  if (pipelineId !== undefined) {
    for (const p of await h.coordinator.read.pipelines({ limit: 200 })) {
      if (p.id !== pipelineId && ['created', 'pending', 'running', 'manual'].includes(p.status)) await h.coordinator.cancelPipeline(p.id);
    }
  }
  const r = await h.coordinator.requestJob({ runner, holdMs: 0, signal: new AbortController().signal });
  if (r.kind !== 'job') throw new Error('no job to claim');
  return { job: r.claimed.job, token: r.claimed.token };
}

async function newPipeline(plan = planOf(['build', 'test', 'deploy'], [
  planJob('compile', { stage: 'build' }),
  planJob('unit', { stage: 'test', needs: [need('compile')] }),
  planJob('lint', { stage: 'test', needs: [] }),
  planJob('ship', { stage: 'deploy', when: 'manual', allowFailure: true }),
]), ref = `ref-${++refs}`) {
  const d = await h.coordinator.createPipeline({ projectId: h.project.id, ref, isTag: false, sha: 'c0ffee'.padEnd(40, '0'), source: 'push', plan });
  return d.pipeline.id;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response): Promise<{ status: number; body: any }> => ({ status: res.status, body: await res.json() });

beforeAll(async () => {
  h = await createApiHarness({ anonymousRead: true });
  runner = (await h.coordinator.createRunner({ runUntagged: true, description: 'test runner', tags: ['linux'] })).runner;
});
afterAll(async () => h?.close());

describe('reads', () => {
  it('lists projects and pipelines, with filters', async () => {
    const a = await newPipeline(undefined, 'main');
    const b = await newPipeline(undefined, 'feature/x');
    const projects = await json(await h.fetch('/api/ui/projects'));
    expect(projects.status).toBe(200);
    expect(projects.body[0]).toMatchObject({ path: 'group/demo', lastPipeline: { id: b } });
    const all = await json(await h.fetch(`/api/ui/projects/${encodeURIComponent('group/demo')}/pipelines`));
    expect(all.body.map((p: { id: number }) => p.id)).toEqual(expect.arrayContaining([a, b]));
    const byRef = await json(await h.fetch(`/api/ui/projects/${h.project.id}/pipelines?ref=feature/x`));
    expect(byRef.body.map((p: { id: number }) => p.id)).toEqual([b]);
    const byStatus = await json(await h.fetch(`/api/ui/pipelines?project=${h.project.id}&status=success`));
    expect(byStatus.body).toEqual([]);
    expect((await h.fetch('/api/ui/pipelines?status=nonsense')).status).toBe(400);
    expect((await h.fetch('/api/ui/pipelines?limit=-3')).status).toBe(400);
    expect((await h.fetch('/api/ui/projects/nope%2Fnope')).status).toBe(404);
  });

  it('shows a pipeline with jobs and needs edges', async () => {
    const id = await newPipeline();
    const { status, body } = await json(await h.fetch(`/api/ui/pipelines/${id}`));
    expect(status).toBe(200);
    expect(body.pipeline).toMatchObject({ id, stages: ['build', 'test', 'deploy'], projectPath: 'group/demo' });
    const byName = Object.fromEntries(body.jobs.map((j: { name: string }) => [j.name, j]));
    expect(byName.compile).toMatchObject({ status: 'pending', stage: 'build', needs: null });
    expect(byName.unit).toMatchObject({ status: 'created', needs: ['compile'] });
    expect(byName.ship).toMatchObject({ manual: true, allowFailure: true });
    const explicit = body.edges.filter((e: { explicit: boolean }) => e.explicit);
    expect(explicit).toContainEqual(expect.objectContaining({ jobId: byName.unit.id, needsJobId: byName.compile.id }));
    expect(JSON.stringify(body)).not.toMatch(/tokenHash|token_hash/);
    expect((await h.fetch('/api/ui/pipelines/999999')).status).toBe(404);
    expect((await h.fetch('/api/ui/pipelines/abc')).status).toBe(400);
  });

  it('shows a job with its runner, timing and retry chain', async () => {
    const id = await newPipeline(planOf(['build'], [planJob('only', { stage: 'build', tags: [] })]));
    const { job } = await claim(id);
    expect(job.pipelineId).toBe(id);
    await h.coordinator.updateJob(job, { state: 'failed', failureReason: 'script_failure', exitCode: 3 });
    const retried = await json(await h.fetch(`/api/ui/jobs/${job.id}/retry`, { method: 'POST', token: h.userToken }));
    expect(retried.status).toBe(200);
    expect(retried.body.job).toMatchObject({ name: 'only', attempt: 1, status: 'pending' });
    const { body } = await json(await h.fetch(`/api/ui/jobs/${job.id}`));
    expect(body.job).toMatchObject({ status: 'failed', failureReason: 'script_failure', exitCode: 3, retried: true });
    expect(body.runner).toMatchObject({ id: runner.id, description: 'test runner' });
    expect(body.attempts.map((a: { id: number }) => a.id)).toEqual([job.id, retried.body.job.id]);
    expect(body.pipeline.id).toBe(id);
    expect(body.job.duration).not.toBeNull();
    // finish the retry so later claims see other pipelines' jobs
    const again = await claim();
    expect(again.job.id).toBe(retried.body.job.id);
    await h.coordinator.updateJob(again.job, { state: 'success' });
  });
});

describe('auth', () => {
  it('lets anonymous users read but not act, and wants admin for admin routes', async () => {
    const id = await newPipeline();
    expect((await h.fetch(`/api/ui/pipelines/${id}/cancel`, { method: 'POST' })).status).toBe(401);
    expect((await h.fetch(`/api/ui/pipelines/${id}`, { token: 'wrong-token' })).status).toBe(401);
    expect((await h.fetch('/api/ui/variables', { token: h.userToken })).status).toBe(403);
    expect((await h.fetch('/api/ui/variables', { headers: { 'private-token': h.adminToken } })).status).toBe(200);
    const cancel = await json(await h.fetch(`/api/ui/pipelines/${id}/cancel`, { method: 'POST', token: h.userToken, headers: { 'content-type': 'application/json' } }));
    expect(cancel.status).toBe(200);
    expect(cancel.body.pipeline.status).toBe('canceled');
  });

  it('signs in with a cookie that needs X-Requested-With for actions', async () => {
    const bad = await h.fetch('/api/ui/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'nope' }) });
    expect(bad.status).toBe(401);
    const res = await h.fetch('/api/ui/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: h.userToken }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/gcd_token=.*HttpOnly.*SameSite=Strict/);
    const pair = cookie.split(';')[0];
    const who = await json(await h.fetch('/api/ui/session', { headers: { cookie: pair } }));
    expect(who.body).toMatchObject({ authenticated: true, scope: 'user', name: 'dev' });
    const id = await newPipeline();
    expect((await h.fetch(`/api/ui/pipelines/${id}/cancel`, { method: 'POST', headers: { cookie: pair } })).status).toBe(403);
    // Reads need no extra header, admin ones included (here: forbidden for a user token).
    expect((await h.fetch('/api/ui/variables', { headers: { cookie: pair } })).status).toBe(403);
    expect((await h.fetch(`/api/ui/pipelines/${id}/cancel`, { method: 'POST', headers: { cookie: pair, 'x-requested-with': 'gcd-ui' } })).status).toBe(200);
    // A stale cookie is ignored for reads.
    expect((await h.fetch('/api/ui/projects', { headers: { cookie: 'gcd_token=stale' } })).status).toBe(200);
  });

  it('refuses anonymous reads when anonymousRead is off', async () => {
    const closed = await createApiHarness({ anonymousRead: false });
    try {
      expect((await closed.fetch('/api/ui/projects')).status).toBe(401);
      expect((await closed.fetch('/api/ui/projects', { token: closed.userToken })).status).toBe(200);
      expect((await json(await closed.fetch('/api/ui/session'))).body).toMatchObject({ authenticated: false, anonymousRead: false });
    } finally {
      await closed.close();
    }
  });
});

describe('actions', () => {
  it('plays a manual job with variables and retries a pipeline', async () => {
    const id = await newPipeline(planOf(['deploy'], [planJob('ship', { stage: 'deploy', when: 'manual' })]));
    const detail = await json(await h.fetch(`/api/ui/pipelines/${id}`));
    const ship = detail.body.jobs[0];
    expect(ship.status).toBe('manual');
    const badVars = await h.fetch(`/api/ui/jobs/${ship.id}/play`, { method: 'POST', token: h.userToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ variables: [{ key: '1bad', value: 'x' }] }) });
    expect(badVars.status).toBe(400);
    const played = await json(
      await h.fetch(`/api/ui/jobs/${ship.id}/play`, { method: 'POST', token: h.userToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ variables: [{ key: 'TARGET', value: 'prod' }] }) }),
    );
    expect(played.status).toBe(200);
    expect(played.body.job.status).toBe('pending');
    const info = await json(await h.fetch(`/api/ui/jobs/${ship.id}`));
    expect(info.body.spec.playVariableKeys).toEqual(['TARGET']);
    expect(JSON.stringify(info.body)).not.toContain('prod');
    const { job } = await claim(id);
    await h.coordinator.updateJob(job, { state: 'failed', failureReason: 'script_failure' });
    const retry = await json(await h.fetch(`/api/ui/pipelines/${id}/retry`, { method: 'POST', token: h.userToken }));
    expect(retry.status).toBe(200);
    // GitLab's RetryPipelineService clones without enqueue_if_actionable: a manual job is manual again
    const latest = retry.body.jobs.filter((j: { retried: boolean }) => !j.retried);
    expect(latest.map((j: { status: string }) => j.status)).toEqual(['manual']);
    expect((await h.fetch(`/api/ui/jobs/${latest[0].id}/play`, { method: 'POST', token: h.userToken })).status).toBe(200);
    const again = await claim();
    await h.coordinator.updateJob(again.job, { state: 'success' });
    expect((await h.fetch('/api/ui/jobs/424242/cancel', { method: 'POST', token: h.userToken })).status).toBe(404);
    expect((await h.fetch(`/api/ui/jobs/${ship.id}/play`, { method: 'POST', token: h.userToken, headers: { 'content-type': 'application/json' }, body: '{oops' })).status).toBe(400);
  });
});

describe('traces', () => {
  it('reads ranges of the log', async () => {
    const pid = await newPipeline(planOf(['build'], [planJob('log', { stage: 'build' })]));
    const { job } = await claim(pid);
    await h.coordinator.appendTrace(job, 0, Buffer.from('hello world\n'));
    const whole = await h.fetch(`/api/ui/jobs/${job.id}/trace`);
    expect(whole.status).toBe(200);
    expect(await whole.text()).toBe('hello world\n');
    expect(whole.headers.get('x-trace-size')).toBe('12');
    expect(whole.headers.get('x-job-status')).toBe('running');
    const part = await h.fetch(`/api/ui/jobs/${job.id}/trace`, { headers: { range: 'bytes=6-10' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 6-10/12');
    expect(await part.text()).toBe('world');
    const tail = await h.fetch(`/api/ui/jobs/${job.id}/trace`, { headers: { range: 'bytes=-6' } });
    expect(await tail.text()).toBe('world\n');
    const past = await h.fetch(`/api/ui/jobs/${job.id}/trace`, { headers: { range: 'bytes=50-' } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */12');
    await h.coordinator.updateJob(job, { state: 'success' });
  });

  it('streams the log live over SSE and ends when the job finishes', async () => {
    const pid = await newPipeline(planOf(['build'], [planJob('live', { stage: 'build' })]));
    const { job } = await claim(pid);
    const first = Buffer.from('line one\nünïcödé ');
    await h.coordinator.appendTrace(job, 0, first);
    const res = await h.fetch(`/api/ui/jobs/${job.id}/trace/stream?offset=0`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    let offset = first.length;
    let step = 0;
    const events = await readEvents(
      res,
      (all) => all.some((e) => e.event === 'end'),
      async (e) => {
        if (e.event !== 'append') return;
        step++;
        if (step === 1) {
          const more = Buffer.from('line two\n');
          await h.coordinator.appendTrace(job, offset, more);
          offset += more.length;
        } else if (step === 2) {
          await h.coordinator.updateJob(job, { state: 'success' });
        }
      },
    );
    const text = events.filter((e) => e.event === 'append').map((e) => e.data.text).join('');
    expect(text).toBe('line one\nünïcödé line two\n');
    const end = events.find((e) => e.event === 'end')!;
    expect(end.data.job.status).toBe('success');
    expect(end.data.size).toBe(offset);
    // A finished job's stream sends the rest and ends at once; a bad offset is a 400.
    const done = await readEvents(await h.fetch(`/api/ui/jobs/${job.id}/trace/stream?offset=9`), (all) => all.some((e) => e.event === 'end'));
    expect(done.filter((e) => e.event === 'append').map((e) => e.data.text).join('')).toBe('ünïcödé line two\n');
    expect((await h.fetch(`/api/ui/jobs/${job.id}/trace/stream?offset=-1`)).status).toBe(400);
  });

  it('sends pipeline and job events filtered by pipeline', async () => {
    const id = await newPipeline(planOf(['build'], [planJob('evt', { stage: 'build' })]));
    const other = await newPipeline(planOf(['build'], [planJob('noise', { stage: 'build' })]));
    const res = await h.fetch(`/api/ui/events?pipeline=${id}`);
    const events = await readEvents(
      res,
      (all) => all.some((e) => e.event === 'pipeline' && e.data.status === 'canceled'),
      async (e) => {
        if (e.event === 'ready') {
          await h.coordinator.cancelPipeline(other);
          await h.coordinator.cancelPipeline(id);
        }
      },
    );
    const jobEvents = events.filter((e) => e.event === 'job');
    expect(jobEvents.length).toBeGreaterThan(0);
    expect(jobEvents.every((e) => e.data.pipelineId === id)).toBe(true);
    expect(events.filter((e) => e.event === 'pipeline').every((e) => e.data.id === id)).toBe(true);
  });

  it('HEAD of an event stream answers its headers at once (found by the route fuzz: it hung)', async () => {
    const id = await newPipeline(planOf(['build'], [planJob('head', { stage: 'build' })]));
    const { job } = await claim(id);
    for (const p of ['/api/ui/events', `/api/ui/jobs/${job.id}/trace/stream`]) {
      const res = await h.fetch(p, { method: 'HEAD', signal: AbortSignal.timeout(3_000) });
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await res.text()).toBe('');
    }
  });
});

describe('artifacts', () => {
  it('lists, browses and downloads a zip archive', async () => {
    const pid = await newPipeline(planOf(['build'], [planJob('art', { stage: 'build' })]));
    const { job } = await claim(pid);
    const bytes = await zipOf({ 'out/report.txt': 'all good\n', 'out/page.html': '<script>alert(1)</script>', 'bin/tool': 'binary\u0000data' });
    const key = `jobs/${job.id}/archive.zip`;
    const stored = await h.blobs.put(key, Readable.from([bytes]));
    await h.coordinator.addArtifact({ jobId: job.id, pipelineId: job.pipelineId, fileType: 'archive', fileFormat: 'zip', filename: 'artifacts.zip', size: stored.size, storageKey: key, sha256: stored.sha256, expireAt: null });
    await h.coordinator.updateJob(job, { state: 'success' });

    const list = await json(await h.fetch(`/api/ui/jobs/${job.id}/artifacts`));
    expect(list.body).toEqual([expect.objectContaining({ fileType: 'archive', filename: 'artifacts.zip', size: bytes.length })]);
    expect(JSON.stringify(list.body)).not.toContain('storageKey');
    const entries = await json(await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/entries`));
    expect(entries.body.entries.map((e: { path: string }) => e.path)).toEqual(['out/report.txt', 'out/page.html', 'bin/tool']);
    const file = await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/file?path=out/report.txt`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await file.text()).toBe('all good\n');
    const html = await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/file?path=out/page.html`);
    expect(html.headers.get('content-type')).not.toMatch(/html/);
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html.headers.get('content-security-policy')).toMatch(/sandbox/);
    const dl = await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/file?path=bin/tool&download=1`);
    expect(dl.headers.get('content-disposition')).toMatch(/^attachment; filename="tool"/);
    expect(Buffer.from(await dl.arrayBuffer()).toString()).toBe('binary\u0000data');
    const whole = await h.fetch(`/api/ui/jobs/${job.id}/artifacts/${list.body[0].id}/download`);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/file?path=../etc/passwd`)).status).toBe(400);
    expect((await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/file?path=missing.txt`)).status).toBe(404);
    expect((await h.fetch(`/api/ui/jobs/${job.id}/artifacts/archive/file`)).status).toBe(400);
    expect((await h.fetch(`/api/ui/jobs/${job.id}/artifacts/junit/download`)).status).toBe(404);
  });
});

describe('runners and admin', () => {
  it('lists runners, pauses and deletes them (admin)', async () => {
    const extra = await json(await h.fetch('/api/ui/runners', { method: 'POST', token: h.adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ description: 'extra', tags: ['a', 'b'] }) }));
    expect(extra.status).toBe(201);
    expect(extra.body.token).toMatch(/^glrt-/);
    const list = await json(await h.fetch('/api/ui/runners'));
    const mine = list.body.find((r: { id: number }) => r.id === runner.id);
    expect(mine).toMatchObject({ description: 'test runner', status: expect.stringMatching(/online|never_contacted/) });
    expect(JSON.stringify(list.body)).not.toContain(extra.body.token);
    expect((await h.fetch(`/api/ui/runners/${extra.body.runner.id}/pause`, { method: 'POST', token: h.userToken })).status).toBe(403);
    const paused = await json(await h.fetch(`/api/ui/runners/${extra.body.runner.id}/pause`, { method: 'POST', token: h.adminToken }));
    expect(paused.body.paused).toBe(true);
    const bad = await h.fetch(`/api/ui/runners/${extra.body.runner.id}`, { method: 'PATCH', token: h.adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paused: 'yes' }) });
    expect(bad.status).toBe(400);
    // maximumTimeout: the engine's one check (>= 600 s or null), on create and on update.
    const patch = (body: unknown) => h.fetch(`/api/ui/runners/${extra.body.runner.id}`, { method: 'PATCH', token: h.adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const value of [-5, 599, 2 ** 40, '3600']) {
      const res = await json(await patch({ maximumTimeout: value }));
      expect(res.status, String(value)).toBe(400);
    }
    expect((await json(await patch({ maximumTimeout: -5 }))).body.message).toBe('Maximum timeout needs to be at least 10 minutes');
    expect((await json(await patch({ maximumTimeout: 3600 }))).body.maximumTimeout).toBe(3600);
    expect((await json(await patch({ maximumTimeout: null }))).body.maximumTimeout).toBeNull();
    const create = await h.fetch('/api/ui/runners', { method: 'POST', token: h.adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maximumTimeout: -5 }) });
    expect(create.status).toBe(400);
    expect((await h.fetch(`/api/ui/runners/${extra.body.runner.id}`, { method: 'DELETE', token: h.adminToken })).status).toBe(204);
    expect((await h.fetch(`/api/ui/runners/${extra.body.runner.id}`)).status).toBe(404);
  });

  it('never returns masked variable values', async () => {
    const secret = 'SuperSecretValue123';
    const post = (body: unknown) => h.fetch('/api/ui/variables', { method: 'POST', token: h.adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ key: 'SHORT', value: 'abc', masked: true })).status).toBe(400);
    expect((await post({ key: 'bad key', value: 'x' })).status).toBe(400);
    const created = await json(await post({ key: 'DEPLOY_TOKEN', value: secret, masked: true }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'DEPLOY_TOKEN', masked: true, value: null });
    await post({ key: 'PLAIN', value: 'visible', project: 'group/demo' });
    const instance = await h.fetch('/api/ui/variables', { token: h.adminToken });
    const text = await instance.text();
    expect(text).toContain('DEPLOY_TOKEN');
    expect(text).not.toContain(secret);
    const project = await json(await h.fetch(`/api/ui/projects/${h.project.id}/variables`, { token: h.adminToken }));
    expect(project.body).toEqual([expect.objectContaining({ key: 'PLAIN', value: 'visible' })]);
    expect((await h.fetch(`/api/ui/variables/${created.body.id}`, { method: 'DELETE', token: h.adminToken })).status).toBe(204);
    expect((await h.fetch(`/api/ui/variables/${created.body.id}`, { method: 'DELETE', token: h.adminToken })).status).toBe(404);
  });

  it('resets the registration token', async () => {
    const res = await json(await h.fetch('/api/ui/admin/registration-token', { method: 'POST', token: h.adminToken }));
    expect(res.status).toBe(201);
    expect(res.body.token).toMatch(/^GR1348941/);
    expect((await json(await h.fetch('/api/ui/admin/registration-token', { token: h.adminToken }))).body).toEqual({ exists: true });
  });

  it('values PostgreSQL cannot hold are a 400 (NUL in text, ids past 32 bits): found by the route fuzz', async () => {
    const post = (path: string, body: unknown) => h.fetch(path, { method: 'POST', token: h.adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/api/ui/runners', { description: 'a\u0000b' })).status).toBe(400);
    expect((await post('/api/ui/variables', { key: 'NUL_VALUE', value: 'a\u0000b' })).status).toBe(400);
    for (const path of ['/api/ui/projects/a%00b', '/api/ui/projects/2147483648/variables', '/api/ui/jobs/2147483648', '/api/ui/pipelines?ref=a%00b', '/api/ui/runners/999999999999999']) {
      expect((await h.fetch(path, { token: h.adminToken })).status, path).toBe(400);
    }
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await json(await h.fetch('/api/ui/nothing-here'));
    expect(res).toEqual({ status: 404, body: { error: 'not_found', message: expect.any(String) } });
  });
});
