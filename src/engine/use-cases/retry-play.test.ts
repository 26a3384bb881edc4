import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createFsTraceStore } from '../../artifacts/fs-trace-store.js';
import { openStore } from '../../store/open-store.js';
import { createCoordinator } from '../create-coordinator.js';
import { createHarness, FakeClock, type Harness } from '../test-support/harness.js';
import { job, planOf } from '../test-support/plan-builder.js';

let h: Harness;
afterEach(async () => h?.close());

describe('retry', () => {
  test('automatic retry: a new attempt with the same name, the old one kept and marked retried', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a', 'b'], [job('flaky', { stage: 'a', retry: { max: 2, when: ['script_failure'], exitCodes: [] } }), job('next', { stage: 'b' })]));
    for (let i = 0; i < 3; i++) {
      const c = (await h.claim(r))!;
      expect(c.job.attempt).toBe(i);
      await h.coordinator.updateJob(c.job, { state: 'failed', failureReason: 'script_failure', exitCode: 1 });
    }
    expect(await h.claim(r)).toBeNull();
    const d = (await h.coordinator.read.pipeline(id))!;
    expect(d.jobs.filter((j) => j.name === 'flaky').map((j) => [j.attempt, j.retried, j.status])).toEqual([
      [0, true, 'failed'],
      [1, true, 'failed'],
      [2, false, 'failed'],
    ]);
    expect(await h.statuses(id)).toEqual({ flaky: 'failed', next: 'skipped' });
  });

  test('retry when: other failure reasons are not retried; exit_codes restrict retries', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a'], [job('x', { stage: 'a', retry: { max: 2, when: ['runner_system_failure'], exitCodes: [] } }), job('y', { stage: 'a', retry: { max: 1, when: ['always'], exitCodes: [137] } })]));
    const x = (await h.claim(r))!;
    await h.coordinator.updateJob(x.job, { state: 'failed', failureReason: 'script_failure' });
    const y = (await h.claim(r))!;
    await h.coordinator.updateJob(y.job, { state: 'failed', failureReason: 'script_failure', exitCode: 137 });
    const y2 = (await h.claim(r))!;
    expect([y2.job.name, y2.job.attempt]).toEqual(['y', 1]);
    await h.coordinator.updateJob(y2.job, { state: 'failed', exitCode: 137 });
    expect(await h.claim(r)).toBeNull();
    expect((await h.coordinator.read.pipeline(id))!.jobs.length).toBe(3);
  });

  test('manual retry of a failed job re-runs it and re-settles skipped jobs; retry pipeline retries failed jobs', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a', 'b'], [job('x', { stage: 'a' }), job('y', { stage: 'b' })]));
    const c = (await h.claim(r))!;
    await h.coordinator.updateJob(c.job, { state: 'failed' });
    expect(await h.statuses(id)).toEqual({ x: 'failed', y: 'skipped' });
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('failed');
    const again = await h.coordinator.retryJob(c.job.id);
    expect([again.attempt, again.status]).toEqual([1, 'pending']);
    expect(await h.statuses(id)).toEqual({ x: 'pending', y: 'created' });
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('pending');
    await expect(h.coordinator.retryJob(c.job.id)).rejects.toMatchObject({ code: 'conflict' });
    const c2 = (await h.claim(r))!;
    await h.coordinator.updateJob(c2.job, { state: 'failed' });
    await h.coordinator.retryPipeline(id);
    expect(await h.statuses(id)).toEqual({ x: 'pending', y: 'created' });
    await h.coordinator.updateJob((await h.claim(r))!.job, { state: 'success' });
    await h.coordinator.updateJob((await h.claim(r))!.job, { state: 'success' });
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('success');
  });
});

describe('retry pipeline: retried jobs wait for their stage and needs (GitLab RetryPipelineService)', () => {
  test('failed jobs in three stages: only the first stage runs first, the later ones wait for it', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(
      planOf(['build', 'test', 'deploy'], [job('compile', { stage: 'build' }), job('unit', { stage: 'test', when: 'always' }), job('ship', { stage: 'deploy', when: 'always' })]),
    );
    for (const name of ['compile', 'unit', 'ship']) {
      const c = (await h.claim(r))!;
      expect(c.job.name).toBe(name);
      await h.coordinator.updateJob(c.job, { state: 'failed', failureReason: 'script_failure' });
    }
    await h.coordinator.retryPipeline(id);
    expect(await h.statuses(id)).toEqual({ compile: 'pending', unit: 'created', ship: 'created' });
    const first = (await h.claim(r))!;
    expect(first.job.name).toBe('compile');
    expect(await h.claim(r)).toBeNull();
    await h.coordinator.updateJob(first.job, { state: 'success' });
    expect(await h.statuses(id)).toEqual({ compile: 'success', unit: 'pending', ship: 'created' });
    const second = (await h.claim(r))!;
    expect(second.job.name).toBe('unit');
    expect(await h.claim(r)).toBeNull();
    await h.coordinator.updateJob(second.job, { state: 'success' });
    const third = (await h.claim(r))!;
    expect(third.job.name).toBe('ship');
    await h.coordinator.updateJob(third.job, { state: 'success' });
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('success');
  });

  test('build fails, later stages skipped: retry runs build alone; test and deploy wait for it', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['build', 'test', 'deploy'], [job('compile', { stage: 'build' }), job('unit', { stage: 'test' }), job('ship', { stage: 'deploy' })]));
    await h.coordinator.updateJob((await h.claim(r))!.job, { state: 'failed' });
    expect(await h.statuses(id)).toEqual({ compile: 'failed', unit: 'skipped', ship: 'skipped' });
    await h.coordinator.retryPipeline(id);
    expect(await h.statuses(id)).toEqual({ compile: 'pending', unit: 'created', ship: 'created' });
    const again = (await h.claim(r))!;
    expect(await h.claim(r)).toBeNull();
    await h.coordinator.updateJob(again.job, { state: 'success' });
    expect(await h.statuses(id)).toEqual({ compile: 'success', unit: 'pending', ship: 'created' });
  });

  test('a retried job with needs waits for them', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(
      planOf(['build', 'test'], [
        job('compile', { stage: 'build' }),
        job('lint', { stage: 'build', allowFailure: true }),
        job('unit', { stage: 'test', when: 'always', needs: [{ job: 'compile', artifacts: true, optional: false }] }),
      ]),
    );
    for (let i = 0; i < 3; i++) await h.coordinator.updateJob((await h.claim(r))!.job, { state: 'failed' });
    expect(await h.statuses(id)).toEqual({ compile: 'failed', lint: 'failed', unit: 'failed' });
    await h.coordinator.retryPipeline(id);
    expect(await h.statuses(id)).toEqual({ compile: 'pending', lint: 'pending', unit: 'created' });
  });
});

describe('play and delayed', () => {
  test('play a manual job with variables', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a'], [job('deploy', { stage: 'a', when: 'manual' })]));
    const m = await h.jobNamed(id, 'deploy');
    await expect(h.coordinator.retryJob(m.id)).rejects.toMatchObject({ code: 'conflict' });
    const played = await h.coordinator.playJob(m.id, [{ key: 'TARGET', value: 'prod' }]);
    expect(played.status).toBe('pending');
    const c = (await h.claim(r))!;
    expect(c.job.playVariables).toEqual([{ key: 'TARGET', value: 'prod' }]);
    await expect(h.coordinator.playJob(m.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  test('when: delayed waits start_in, and the timer survives a restart', async () => {
    const clock = new FakeClock();
    h = await createHarness({ clock });
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a'], [job('later', { stage: 'a', when: 'delayed', startIn: 300 })]));
    const j = await h.jobNamed(id, 'later');
    expect(j.status).toBe('scheduled');
    expect(j.scheduledAt).toBe(new Date(clock.t + 300_000).toISOString());
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('scheduled');
    clock.advance(100);
    await h.coordinator.sweep();
    expect(await h.claim(r)).toBeNull();

    // restart: a new coordinator on a reopened store
    await h.coordinator.close();
    await h.store.close();
    const store = await openStore({ kind: 'sqlite', path: path.join(h.dir, 'db.sqlite') });
    const c2 = createCoordinator({ store, traces: createFsTraceStore({ dir: path.join(h.dir, 'traces') }), clock });
    clock.advance(250);
    expect(await c2.sweep()).toBe(1);
    expect((await c2.read.job(j.id))!.status).toBe('pending');
    const got = await c2.requestJob({ runner: r, holdMs: 0, signal: new AbortController().signal });
    expect(got.kind).toBe('job');
    await c2.close();
    h.store = store; // closed by the harness
  });

  test('a delayed job can be started at once with play', async () => {
    h = await createHarness();
    const id = await h.pipeline(planOf(['a'], [job('later', { stage: 'a', when: 'delayed', startIn: 3600 })]));
    const j = await h.coordinator.playJob((await h.jobNamed(id, 'later')).id);
    expect(j.status).toBe('pending');
  });
});
