import { afterEach, describe, expect, test } from 'vitest';
import { createHarness, type Harness } from '../test-support/harness.js';
import { job, planOf } from '../test-support/plan-builder.js';

let h: Harness;
afterEach(async () => h?.close());

const artifact = (jobId: number, pipelineId: number, fileType = 'archive') => ({
  jobId,
  pipelineId,
  fileType,
  fileFormat: 'zip' as const,
  filename: 'a.zip',
  size: 3,
  storageKey: `k/${jobId}/${fileType}`,
  sha256: 'x',
  expireAt: new Date(Date.now() + 3600_000).toISOString(),
});

describe('delete pipeline, erase job, keep artifacts', () => {
  test('deleting a running pipeline cancels it, then removes it, its jobs, artifacts and traces; the runner is refused', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a', 'b'], [job('x', { stage: 'a' }), job('y', { stage: 'b' })]));
    const c = (await h.claim(r))!;
    await h.coordinator.appendTrace(c.job, 0, Buffer.from('log'));
    await h.coordinator.addArtifact(artifact(c.job.id, id));
    const { storageKeys } = await h.coordinator.deletePipeline(id);
    expect(storageKeys).toEqual([`k/${c.job.id}/archive`]);
    expect(await h.coordinator.read.pipeline(id)).toBeNull();
    expect(await h.coordinator.read.job(c.job.id)).toBeNull();
    expect(await h.coordinator.authenticateJob(c.job.id, c.token)).toBeNull();
    expect((await h.coordinator.read.pipelines({})).map((p) => p.id)).not.toContain(id);
    await expect(h.coordinator.deletePipeline(id)).rejects.toMatchObject({ code: 'not_found' });
    // the queue holds nothing of it
    expect(await h.claim(r)).toBeNull();
  });

  test('erase: only a finished job; artifacts, report and log go, the job stays marked erased', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a'], [job('x', { stage: 'a' })]));
    const c = (await h.claim(r))!;
    await h.coordinator.appendTrace(c.job, 0, Buffer.from('secret log'));
    await h.coordinator.addArtifact(artifact(c.job.id, id));
    await h.coordinator.storeTestReport(c.job.id, async (sink) => {
      await sink([{ status: 'success', name: 't', classname: 'c', file: null, executionTime: 1, systemOutput: null, stackTrace: null }]);
      return { counts: { total: 1, success: 1, failed: 0, skipped: 0, error: 0, time: 1 }, error: null };
    });
    await expect(h.coordinator.eraseJob(c.job.id)).rejects.toMatchObject({ code: 'forbidden' });
    await h.coordinator.updateJob(c.job, { state: 'success' });
    const erased = await h.coordinator.eraseJob(c.job.id);
    expect(erased.storageKeys).toEqual([`k/${c.job.id}/archive`]);
    expect(await h.coordinator.read.artifacts(c.job.id)).toEqual([]);
    expect((await h.coordinator.read.job(c.job.id))!.traceSize).toBe(0);
    expect((await h.coordinator.read.erasedAt([c.job.id])).get(c.job.id)).toBe(erased.erasedAt);
    expect((await h.coordinator.read.testReport(id, { cases: true }))!.total).toBe(0);
  });

  test('keep clears the expiry of a finished job with an archive', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a'], [job('x', { stage: 'a' }), job('none', { stage: 'a' })]));
    const c = (await h.claim(r))!;
    await h.coordinator.addArtifact(artifact(c.job.id, id));
    await h.coordinator.updateJob(c.job, { state: 'success' });
    const kept = await h.coordinator.keepArtifacts(c.job.id);
    expect(kept.map((a) => a.expireAt)).toEqual([null]);
    const other = await h.jobNamed(id, 'none');
    await expect(h.coordinator.keepArtifacts(other.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});
