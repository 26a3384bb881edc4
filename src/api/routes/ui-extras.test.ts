// The pipeline list's stage summary (mini graph, warning state), the pipeline's artifacts (the
// list's download menu) and GitLab's "Keep" of a job's artifacts, over real HTTP (SQLite).
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from '../../artifacts/test-support/zip-of.js';
import { job as planJob, planOf } from '../../engine/test-support/plan-builder.js';
import type { Job } from '../../engine/model.js';
import { createApiHarness, type ApiHarness } from '../test-support/api-harness.js';

let h: ApiHarness;

async function finish(job: Job, state: 'success' | 'failed', artifact = false): Promise<void> {
  if (artifact) {
    const key = `jobs/${job.id}/archive.zip`;
    const stored = await h.blobs.put(key, Readable.from([await zipOf({ 'out/a.txt': 'a\n' })]));
    await h.coordinator.addArtifact({ jobId: job.id, pipelineId: job.pipelineId, fileType: 'archive', fileFormat: 'zip', filename: 'artifacts.zip', size: stored.size, storageKey: key, sha256: stored.sha256, expireAt: '2099-01-01T00:00:00.000Z' });
  }
  await h.coordinator.updateJob(job, { state, ...(state === 'failed' ? { failureReason: 'script_failure', exitCode: 1 } : {}) });
}

async function claimAndFinish(results: Record<string, 'success' | 'failed'>, withArtifacts: string[] = []): Promise<void> {
  const runner = (await h.coordinator.createRunner({ runUntagged: true })).runner;
  for (let i = 0; i < Object.keys(results).length; i++) {
    const r = await h.coordinator.requestJob({ runner, holdMs: 0, signal: new AbortController().signal });
    if (r.kind !== 'job') throw new Error('no job');
    const job = r.claimed.job;
    await finish(job, results[job.name], withArtifacts.includes(job.name));
  }
}

beforeAll(async () => {
  h = await createApiHarness({ anonymousRead: true });
});
afterAll(async () => h?.close());

describe('pipeline list extras', () => {
  let pipelineId = 0;
  beforeAll(async () => {
    const plan = planOf(['build', 'test', 'deploy'], [
      planJob('compile', { stage: 'build' }),
      planJob('flaky', { stage: 'test', allowFailure: true }),
      planJob('unit', { stage: 'test' }),
      planJob('ship', { stage: 'deploy', when: 'manual', allowFailure: true }),
    ]);
    pipelineId = (await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha: 'a'.repeat(40), source: 'push', plan })).pipeline.id;
    await claimAndFinish({ compile: 'success' }, ['compile']);
    await claimAndFinish({ flaky: 'failed', unit: 'success' });
  });

  it('gives each listed pipeline its stages with status, and the warning state of allowed failures', async () => {
    const list = (await (await h.fetch(`/api/ui/projects/${h.project.id}/pipelines`)).json()) as { id: number; status: string; warning: boolean; stageSummary: { name: string; status: string; warning: boolean; jobs: number }[] }[];
    const p = list.find((x) => x.id === pipelineId)!;
    expect(p.status).toBe('success');
    expect(p.warning).toBe(true);
    expect(p.stageSummary).toEqual([
      { name: 'build', status: 'success', warning: false, jobs: 1 },
      { name: 'test', status: 'success', warning: true, jobs: 2 },
      { name: 'deploy', status: 'manual', warning: false, jobs: 1 },
    ]);
    const projects = (await (await h.fetch('/api/ui/projects')).json()) as { lastPipeline: { id: number; warning: boolean } }[];
    expect(projects[0].lastPipeline).toMatchObject({ id: pipelineId, warning: true });
  });

  it("lists the pipeline's artifacts with their job names; 404 for an unknown pipeline", async () => {
    const res = await h.fetch(`/api/ui/pipelines/${pipelineId}/artifacts`);
    expect(res.status).toBe(200);
    const artifacts = (await res.json()) as { jobName: string; fileType: string; expireAt: string | null }[];
    expect(artifacts.map((a) => [a.jobName, a.fileType])).toEqual([['compile', 'archive']]);
    expect((await h.fetch('/api/ui/pipelines/999999/artifacts')).status).toBe(404);
  });

  it('keeps artifacts (no expiry) for a token only; 404 for an unknown job', async () => {
    const compile = (await h.coordinator.read.pipeline(pipelineId))!.jobs.find((j) => j.name === 'compile')!;
    expect((await h.coordinator.read.artifacts(compile.id))[0].expireAt).not.toBeNull();
    expect((await h.fetch(`/api/ui/jobs/${compile.id}/artifacts/keep`, { method: 'POST' })).status).toBe(401);
    const kept = await h.fetch(`/api/ui/jobs/${compile.id}/artifacts/keep`, { method: 'POST', token: h.userToken });
    expect(kept.status).toBe(200);
    expect(((await kept.json()) as { expireAt: string | null }[]).map((a) => a.expireAt)).toEqual([null]);
    expect((await h.coordinator.read.artifacts(compile.id))[0].expireAt).toBeNull();
    expect((await h.fetch('/api/ui/jobs/999999/artifacts/keep', { method: 'POST', token: h.userToken })).status).toBe(404);
    expect((await h.fetch('/api/ui/jobs/abc/artifacts/keep', { method: 'POST', token: h.userToken })).status).toBe(400);
  });

  it('has no Run pipeline route without the server hook (404, not 500)', async () => {
    const res = await h.fetch(`/api/ui/projects/${h.project.id}/pipelines`, { method: 'POST', token: h.userToken, headers: { 'content-type': 'application/json' }, body: '{"ref":"main"}' });
    expect(res.status).toBe(404);
  });
});
