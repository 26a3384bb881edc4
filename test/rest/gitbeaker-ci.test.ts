// @gitbeaker/rest (a client no one here wrote) against a real server and the built-in runner:
// create a pipeline with variables, wait for it (an optional manual job left → success), list its
// jobs, read a trace (masked), download artifacts by ref and job name (archive and one file), play
// the manual job with variables, the junit report counts; and a job that fetches another job's
// artifacts with curl, its CI_JOB_TOKEN and $CI_API_V4_URL.
import { Gitlab } from '@gitbeaker/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, startRestStack, type RestStack } from './rest-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('gitbeaker: pipelines, jobs, artifacts, test reports', () => {
  let s: RestStack;
  let api: InstanceType<typeof Gitlab>;
  let pipelineId: number;
  beforeAll(async () => {
    s = await startRestStack();
    api = new Gitlab({ host: s.url, token: s.token });
  }, 60_000);
  afterAll(async () => s?.close(), 60_000);

  const waitFor = async (id: number, done: (status: string) => boolean) => {
    for (let i = 0; i < 240; i++) {
      const p = await api.Pipelines.show(s.project.id, id);
      if (done(p.status)) return p;
      await sleep(250);
    }
    throw new Error(`pipeline ${id} did not finish`);
  };

  it('creates a pipeline with variables and waits for it: success with an optional manual job left', async () => {
    const created = await api.Pipelines.create(s.project.id, 'main', { variables: [{ key: 'GREETING', value: 'hello-gitbeaker', variable_type: 'env_var' }] });
    expect(created).toMatchObject({ ref: 'main', status: expect.any(String), source: 'api', project_id: s.project.id });
    pipelineId = created.id;
    const done = await waitFor(pipelineId, (st) => ['success', 'failed', 'canceled'].includes(st));
    expect(done.status).toBe('success');
    expect(await api.Pipelines.allVariables(s.project.id, pipelineId)).toEqual([{ variable_type: 'env_var', key: 'GREETING', value: 'hello-gitbeaker', raw: false }]);
    const list = await api.Pipelines.all(s.project.id, { ref: 'main', status: 'success' });
    expect(list.map((p) => p.id)).toContain(pipelineId);
  }, 90_000);

  it('lists the jobs, reads a masked trace, downloads artifacts by ref and job name', async () => {
    const jobs = await api.Jobs.all(s.project.id, { pipelineId });
    expect(jobs.map((j) => [j.name, j.status]).sort()).toEqual([
      ['build', 'success'],
      ['deploy', 'manual'],
      ['unit', 'success'],
    ]);
    const manualOnly = await api.Jobs.all(s.project.id, { pipelineId, scope: ['manual'] as never });
    expect(manualOnly.map((j) => j.name)).toEqual(['deploy']);
    const build = jobs.find((j) => j.name === 'build')!;
    expect(build.artifacts_file).toMatchObject({ filename: expect.stringMatching(/\.zip$/) });
    const log = await api.Jobs.showLog(s.project.id, build.id);
    expect(log).toContain('the secret is [MASKED]');
    expect(log).not.toContain(SECRET);
    const zip = Buffer.from(await (await api.JobArtifacts.downloadArchive(s.project.id, { ref: 'main', job: 'build' })).arrayBuffer());
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    const file = await (await api.JobArtifacts.downloadArchive(s.project.id, { ref: 'main', job: 'build', artifactPath: 'out.txt' })).text();
    expect(file).toBe('greeting=hello-gitbeaker\n');
    const nested = await (await api.JobArtifacts.downloadArchive(s.project.id, { jobId: build.id, artifactPath: 'dist/app.txt' })).text();
    expect(nested).toBe('app hello-gitbeaker\n');
    await expect(api.JobArtifacts.downloadArchive(s.project.id, { ref: 'main', job: 'nope' })).rejects.toMatchObject({ cause: { response: { status: 404 } } });
  });

  it('reports the junit counts', async () => {
    const report = (await api.Pipelines.showTestReport(s.project.id, pipelineId)) as unknown as { test_suites: { name: string; test_cases: unknown[] }[] } & Record<string, unknown>;
    expect(report).toMatchObject({ total_count: 3, success_count: 1, failed_count: 1, skipped_count: 1, error_count: 0 });
    expect(report.test_suites.map((t) => t.name)).toEqual(['unit']);
    const failed = (report.test_suites[0]!.test_cases as { status: string; system_output: string }[]).find((c) => c.status === 'failed')!;
    expect(failed.system_output).toContain('expected 1');
    const summary = await api.Pipelines.showTestReportSummary(s.project.id, pipelineId);
    expect(summary.total).toMatchObject({ count: 3, success: 1, failed: 1, skipped: 1 });
  });

  it('plays the manual job with variables; it runs to success', async () => {
    const deploy = (await api.Jobs.all(s.project.id, { pipelineId })).find((j) => j.name === 'deploy')!;
    const played = await api.Jobs.play(s.project.id, deploy.id, { jobVariablesAttributes: [{ key: 'TARGET', value: 'staging' }] });
    expect(played.id).toBe(deploy.id);
    for (let i = 0; i < 240; i++) {
      const j = await api.Jobs.show(s.project.id, deploy.id);
      if (j.status === 'success') break;
      await sleep(250);
    }
    expect((await api.Jobs.show(s.project.id, deploy.id)).status).toBe('success');
    expect(await api.Jobs.showLog(s.project.id, deploy.id)).toContain('deploying to staging');
    await expect(api.Jobs.play(s.project.id, deploy.id)).rejects.toMatchObject({ cause: { response: { status: 400 } } });
  }, 90_000);

  it('lists a trigger job as a bridge with its downstream pipeline', async () => {
    const created = await api.Pipelines.create(s.project.id, 'main', { variables: [{ key: 'BRIDGE', value: '1' }] });
    const done = await waitFor(created.id, (st) => ['success', 'failed', 'canceled'].includes(st));
    expect(done.status).toBe('success');
    const bridges = await api.Jobs.allPipelineBridges(s.project.id, created.id);
    expect(bridges.map((b) => [b.name, b.status])).toEqual([['bridge', 'success']]);
    const downstream = (bridges[0] as unknown as { downstream_pipeline: { id: number; source: string; status: string } | null }).downstream_pipeline;
    expect(downstream).toMatchObject({ source: 'parent_pipeline', status: 'success' });
    expect((await api.Jobs.all(s.project.id, { pipelineId: created.id })).map((j) => j.name)).toEqual([]);
    expect((await api.Jobs.all(s.project.id, { pipelineId: downstream!.id })).map((j) => j.name)).toEqual(['child-job']);
  }, 90_000);

  it('a job downloads another job’s artifacts by ref with curl and CI_JOB_TOKEN', async () => {
    const created = await api.Pipelines.create(s.project.id, 'main', { variables: [{ key: 'FETCH', value: '1' }] });
    const done = await waitFor(created.id, (st) => ['success', 'failed', 'canceled'].includes(st));
    const [fetch] = await api.Jobs.all(s.project.id, { pipelineId: created.id });
    const log = await api.Jobs.showLog(s.project.id, fetch!.id);
    expect(done.status, log).toBe('success');
    expect(log).toContain('zip downloaded');
    expect(log).toContain('greeting=hello-gitbeaker');
  }, 90_000);
});
