// REST pipelines, jobs and job artifacts over a real server: GitLab's filters and pagination
// headers, errors (400 with GitLab's bodies, 404 for another project), the job-token scope (own
// project only, only while the job runs), bridges, erase and delete.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from '../artifacts/test-support/zip-of.js';
import { job as planJob, planOf } from '../engine/test-support/plan-builder.js';
import type { Project, Runner } from '../engine/model.js';
import { startRestServer, type RestServer } from './test-support/rest-server.js';

describe('REST CI routes', () => {
  let s: RestServer;
  let project: Project;
  let other: Project;
  const runners = new Map<string, Runner>();
  const c = () => s.server.coordinator;

  const pipeline = async (p: Project, plan = planOf(['test'], [planJob('unit'), planJob('lint')]), over: { ref?: string; isTag?: boolean } = {}) =>
    (await c().createPipeline({ projectId: p.id, ref: over.ref ?? 'main', isTag: over.isTag ?? false, sha: 'b'.repeat(40), source: 'push', plan })).pipeline;
  const claim = async (tag: string) => {
    const runner = runners.get(tag) ?? (await c().createRunner({ tags: [tag], runUntagged: false })).runner;
    runners.set(tag, runner);
    const r = await c().requestJob({ runner, holdMs: 0, signal: new AbortController().signal });
    if (r.kind !== 'job') throw new Error('no job');
    return r.claimed;
  };
  const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as unknown, headers: res.headers });

  beforeAll(async () => {
    s = await startRestServer();
    project = await c().ensureProject('grp/ci');
    other = await c().ensureProject('grp/other');
  }, 60_000);
  afterAll(async () => s?.close(), 60_000);

  it('lists pipelines newest first with filters and GitLab pagination headers', async () => {
    const a = await pipeline(project);
    const b = await pipeline(project, undefined, { ref: 'v1', isTag: true });
    const cc = await pipeline(project);
    const page = await s.api(`/projects/${project.id}/pipelines?per_page=2`);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-total')).toBe('3');
    expect(page.headers.get('x-total-pages')).toBe('2');
    expect(page.headers.get('x-next-page')).toBe('2');
    expect(((await page.json()) as { id: number }[]).map((p) => p.id)).toEqual([cc.id, b.id]);
    const ids = async (q: string) => ((await (await s.api(`/projects/${project.id}/pipelines?${q}`)).json()) as { id: number }[]).map((p) => p.id);
    expect(await ids('scope=tags')).toEqual([b.id]);
    expect(await ids('ref=main&sort=asc')).toEqual([a.id, cc.id]);
    expect(await ids('status=success')).toEqual([]);
    expect(await ids('scope=running')).toEqual([]);
    expect(await ids('scope=branches')).toEqual([cc.id, a.id]);
    expect(await ids(`sha=${'b'.repeat(40)}&order_by=updated_at`)).toHaveLength(3);
    expect(await ids('updated_after=2999-01-01T00:00:00Z')).toEqual([]);
    expect(await ids('source=push&per_page=1&page=3')).toEqual([a.id]);
    const latest = await json(await s.api(`/projects/${encodeURIComponent(project.path)}/pipelines/latest`));
    expect(latest.body).toMatchObject({ id: cc.id, ref: 'main', tag: false, detailed_status: { group: 'pending' } });
    // bad input: GitLab's 400 bodies, never a 500
    expect(await json(await s.api(`/projects/${project.id}/pipelines?status=nope`))).toMatchObject({ status: 400, body: { error: expect.stringContaining('status') } });
    expect(await json(await s.api(`/projects/${project.id}/pipelines?order_by=drop`))).toMatchObject({ status: 400 });
    expect(await json(await s.api(`/projects/${project.id}/pipelines?updated_after=yesterday`))).toMatchObject({ status: 400 });
    expect(await json(await s.api(`/projects/${project.id}/pipelines/99999`))).toMatchObject({ status: 404, body: { message: '404 Pipeline Not Found' } });
    expect(await json(await s.api(`/projects/${other.id}/pipelines/${a.id}`))).toMatchObject({ status: 404 });
    expect(await json(await s.api(`/projects/${project.id}/pipelines/abc`))).toMatchObject({ status: 400 });
    expect((await s.api(`/projects/${project.id}/pipelines`, { token: null })).status).toBe(401);
  });

  it('creating a pipeline for an unknown ref or without ref answers GitLab’s 400', async () => {
    const noRef = await json(await s.api(`/projects/${project.id}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    expect(noRef).toMatchObject({ status: 400, body: { error: 'ref is missing' } });
    const unknown = await json(await s.api(`/projects/${project.id}/pipeline?ref=nowhere`, { method: 'POST' }));
    expect(unknown).toMatchObject({ status: 400, body: { message: { base: ['Reference not found'] } } });
    const badVar = await json(
      await s.api(`/projects/${project.id}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ref: 'main', variables: [{ key: 'BAD KEY', value: 'x' }] }) }),
    );
    expect(badVar.status).toBe(400);
  });

  it('creates from a committed branch with variables (file type kept)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gcd-rest-ci-src-'));
    try {
      writeFileSync(path.join(dir, '.gitlab-ci.yml'), 'only-job:\n  script: [echo hi]\n');
      const proj = await c().ensureProject('grp/created');
      await s.server.importDirectory({ project: proj, dir, committedOnly: false, ref: 'main' });
      const res = await json(
        await s.api(`/projects/${proj.id}/pipeline`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ref: 'main', variables: [{ key: 'A', value: '1' }, { key: 'CFG', value: 'x=1', variable_type: 'file' }] }),
        }),
      );
      expect(res).toMatchObject({ status: 201, body: { ref: 'main', source: 'api', user: { username: 'root' } } });
      const id = (res.body as { id: number }).id;
      const vars = await json(await s.api(`/projects/${proj.id}/pipelines/${id}/variables`));
      expect(vars.body).toEqual([
        { variable_type: 'env_var', key: 'A', value: '1', raw: false },
        { variable_type: 'file', key: 'CFG', value: 'x=1', raw: false },
      ]);
      // urlencoded forms (curl -F / --data) arrive as Rack params
      const form = await json(await s.api(`/projects/${proj.id}/pipeline`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ref=main&variables[][key]=B&variables[][value]=2' }));
      expect(form.status).toBe(201);
      // delete removes the pipeline's persistent ref too
      expect(await s.server.repos.resolve(proj.path, `refs/pipelines/${id}`)).not.toBeNull();
      expect((await s.api(`/projects/${proj.id}/pipelines/${id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await s.server.repos.resolve(proj.path, `refs/pipelines/${id}`)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a job token reaches its own project’s artifacts while its job runs, nothing else', async () => {
    const p = await pipeline(project, planOf(['build', 'test'], [planJob('build', { stage: 'build', tags: ['jt'] }), planJob('use', { stage: 'test', tags: ['jt'] })]));
    const build = await claim('jt');
    const zip = await zipOf({ 'out/a.txt': 'artifact!' });
    const key = `jobs/${build.job.id}/test-archive`;
    const { Readable } = await import('node:stream');
    const blobs = (await import('../artifacts/fs-blob-store.js')).createFsBlobStore({ dir: path.join(s.server.config.dataDir, 'artifacts') });
    const stored = await blobs.put(key, Readable.from([zip]), { maxBytes: 1 << 20 });
    await c().addArtifact({ jobId: build.job.id, pipelineId: p.id, fileType: 'archive', fileFormat: 'zip', filename: 'artifacts.zip', size: stored.size, storageKey: key, sha256: stored.sha256, expireAt: null });
    await c().updateJob(build.job, { state: 'success' });
    const use = await claim('jt');
    const asJob = (url: string, token = use.token) => s.api(url, { headers: { 'job-token': token } });
    const own = await asJob(`/projects/${project.id}/jobs/${build.job.id}/artifacts`);
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.arrayBuffer()).equals(zip)).toBe(true);
    const file = await asJob(`/projects/${project.id}/jobs/${build.job.id}/artifacts/out/a.txt`);
    expect(await file.text()).toBe('artifact!');
    expect(file.headers.get('content-disposition')).toContain('attachment');
    const job = await json(await asJob('/job'));
    expect(job.body).toMatchObject({ id: use.job.id, name: 'use', status: 'running', pipeline: { id: p.id } });
    // another project: 404; an endpoint not open to job tokens: 403
    expect((await asJob(`/projects/${other.id}/jobs/${build.job.id}/artifacts`)).status).toBe(404);
    expect((await asJob(`/projects/${project.id}/pipelines`)).status).toBe(403);
    // the job ends: its token is worth nothing
    await c().updateJob(use.job, { state: 'success' });
    expect((await asJob(`/projects/${project.id}/jobs/${build.job.id}/artifacts`)).status).toBe(401);
    expect((await asJob('/job')).status).toBe(401);
    // by ref and name (the pipeline succeeded), and keep
    const byRef = await s.api(`/projects/${project.id}/jobs/artifacts/main/raw/out/a.txt?job=build`);
    expect(byRef.status).toBe(200);
    expect(await byRef.text()).toBe('artifact!');
    expect((await s.api(`/projects/${project.id}/jobs/artifacts/main/download?job=nope`)).status).toBe(404);
    expect((await s.api(`/projects/${project.id}/jobs/artifacts/main/download`)).status).toBe(400);
    expect((await s.api(`/projects/${project.id}/jobs/${build.job.id}/artifacts/keep`, { method: 'POST' })).status).toBe(200);
    expect((await c().read.artifacts(build.job.id))[0]!.expireAt).toBeNull();
    // jobs lists with scope[]
    const jobs = await json(await s.api(`/projects/${project.id}/pipelines/${p.id}/jobs?scope[]=success`));
    expect((jobs.body as { name: string }[]).map((j) => j.name).sort()).toEqual(['build', 'use']);
    expect((await s.api(`/projects/${project.id}/jobs?scope[]=bogus`)).status).toBe(400);
    const all = await json(await s.api(`/projects/${project.id}/jobs?scope=success&per_page=1`));
    expect(all.headers.get('x-per-page')).toBe('1');
    // erase: artifacts gone, erased_at set; then delete the pipeline: 204, then 404
    const erased = await json(await s.api(`/projects/${project.id}/jobs/${build.job.id}/erase`, { method: 'POST' }));
    expect(erased).toMatchObject({ status: 201, body: { artifacts: [], erased_at: expect.any(String) } });
    expect(await blobs.stat(key)).toBeNull();
    expect((await s.api(`/projects/${project.id}/pipelines/${p.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await s.api(`/projects/${project.id}/pipelines/${p.id}`)).status).toBe(404);
    expect((await s.api(`/projects/${project.id}/jobs/${use.job.id}`)).status).toBe(404);
  });

  it('allow_failure is the effective one: an allow_failure exit code that matched', async () => {
    const p = await pipeline(other, planOf(['test'], [planJob('flaky', { tags: ['af'], allowFailureExitCodes: [3] })]));
    const f = await claim('af');
    await c().updateJob(f.job, { state: 'failed', failureReason: 'script_failure', exitCode: 3 });
    const job = await json(await s.api(`/projects/${other.id}/jobs/${f.job.id}`));
    expect(job.body).toMatchObject({ status: 'failed', allow_failure: true });
    expect((await json(await s.api(`/projects/${other.id}/pipelines/${p.id}`))).body).toMatchObject({ status: 'success' });
  });

  it('retry, cancel and play answer GitLab’s codes', async () => {
    const p = await pipeline(other, planOf(['test'], [planJob('t', { tags: ['act'] }), planJob('m', { when: 'manual', tags: ['act'] })]));
    const t = await claim('act');
    const running = await json(await s.api(`/projects/${other.id}/jobs/${t.job.id}/retry`, { method: 'POST' }));
    expect(running.status).toBe(403);
    const m = (await c().read.pipeline(p.id))!.jobs.find((j) => j.name === 'm')!;
    expect((await s.api(`/projects/${other.id}/jobs/${t.job.id}/play`, { method: 'POST' })).status).toBe(400);
    const played = await json(await s.api(`/projects/${other.id}/jobs/${m.id}/play`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ job_variables_attributes: [{ key: 'X', value: 'y' }] }) }));
    expect(played).toMatchObject({ status: 200, body: { id: m.id, status: 'pending' } });
    expect((await c().read.job(m.id))!.playVariables).toEqual([{ key: 'X', value: 'y' }]);
    const canceled = await json(await s.api(`/projects/${other.id}/jobs/${t.job.id}/cancel`, { method: 'POST' }));
    expect(canceled).toMatchObject({ status: 201, body: { status: 'canceled' } });
    const retried = await json(await s.api(`/projects/${other.id}/jobs/${t.job.id}/retry`, { method: 'POST' }));
    expect(retried).toMatchObject({ status: 201, body: { name: 't', status: 'pending' } });
    expect((retried.body as { id: number }).id).not.toBe(t.job.id);
    const cancelP = await json(await s.api(`/projects/${other.id}/pipelines/${p.id}/cancel`, { method: 'POST' }));
    expect(cancelP).toMatchObject({ status: 200, body: { id: p.id, status: 'canceled' } });
    const retryP = await json(await s.api(`/projects/${other.id}/pipelines/${p.id}/retry`, { method: 'POST' }));
    expect(retryP.status).toBe(201);
    const withRetried = await json(await s.api(`/projects/${other.id}/pipelines/${p.id}/jobs?include_retried=true`));
    expect((withRetried.body as unknown[]).length).toBeGreaterThan(2);
    expect(await json(await s.api(`/projects/${other.id}/pipelines/${p.id}/bridges`))).toMatchObject({ status: 200, body: [] });
    expect(await json(await s.api(`/projects/${other.id}/pipelines/${p.id}/test_report_summary`))).toMatchObject({ status: 200, body: { total: { count: 0 }, test_suites: [] } });
  });
});
