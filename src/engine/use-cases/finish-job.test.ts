import { afterEach, describe, expect, test } from 'vitest';
import { createHarness, FakeClock, type Harness } from '../test-support/harness.js';
import { job, planOf } from '../test-support/plan-builder.js';

let h: Harness;
afterEach(async () => h?.close());

describe('resource_group', () => {
  test('one job at a time per group, across pipelines; the next one starts when the holder finishes', async () => {
    h = await createHarness();
    const r = await h.runner();
    const plan = planOf(['deploy'], [job('deploy', { stage: 'deploy', resourceGroup: 'prod' })]);
    const p1 = await h.pipeline(plan, { ref: 'a' });
    const p2 = await h.pipeline(plan, { ref: 'b' });
    expect(await h.statuses(p1)).toEqual({ deploy: 'pending' });
    expect(await h.statuses(p2)).toEqual({ deploy: 'waiting_for_resource' });
    expect((await h.coordinator.read.pipeline(p2))!.pipeline.status).toBe('waiting_for_resource');
    const c = (await h.claim(r))!;
    expect(await h.claim(r)).toBeNull();
    await h.coordinator.updateJob(c.job, { state: 'success' });
    expect(await h.statuses(p2)).toEqual({ deploy: 'pending' });
    expect((await h.claim(r))!.job.pipelineId).toBe(p2);
  });

  test.each([
    ['oldest_first', 'b'],
    ['newest_first', 'c'],
  ] as const)('process mode %s', async (mode, expected) => {
    h = await createHarness();
    const r = await h.runner();
    await h.coordinator.setResourceGroupMode(h.project.id, 'prod', mode);
    const plan = planOf(['deploy'], [job('deploy', { stage: 'deploy', resourceGroup: 'prod' })]);
    await h.pipeline(plan, { ref: 'a' });
    await h.pipeline(plan, { ref: 'b' });
    await h.pipeline(plan, { ref: 'c' });
    const c = (await h.claim(r))!;
    await h.coordinator.updateJob(c.job, { state: 'failed' });
    const next = (await h.claim(r))!;
    expect((await h.coordinator.read.pipeline(next.job.pipelineId))!.pipeline.ref).toBe(expected);
  });

  test('canceling the holder frees the group', async () => {
    h = await createHarness();
    const plan = planOf(['deploy'], [job('deploy', { stage: 'deploy', resourceGroup: 'prod' })]);
    const p1 = await h.pipeline(plan, { ref: 'a' });
    const p2 = await h.pipeline(plan, { ref: 'b' });
    await h.coordinator.cancelPipeline(p1);
    expect(await h.statuses(p2)).toEqual({ deploy: 'pending' });
  });
});

describe('sweeper', () => {
  test('a job over its timeout fails with job_execution_timeout; a silent job with stuck_or_timeout_failure', async () => {
    const clock = new FakeClock();
    h = await createHarness({ clock, config: { staleJobSeconds: 600 } });
    // 600 s: the smallest maximum_timeout GitLab (and the engine) accepts.
    const r = await h.runner({ maximumTimeout: 600 });
    const id = await h.pipeline(planOf(['a'], [job('slow', { stage: 'a' }), job('silent', { stage: 'a', timeout: 7200 })]));
    const slow = (await h.claim(r))!;
    const r2 = await h.runner();
    const silent = (await h.claim(r2))!;
    clock.advance(599);
    await h.coordinator.appendTrace(silent.job, 0, Buffer.from('alive'));
    expect(await h.coordinator.sweep()).toBe(0);
    clock.advance(2);
    expect(await h.coordinator.sweep()).toBe(1);
    expect((await h.coordinator.read.job(slow.job.id))!).toMatchObject({ status: 'failed', failureReason: 'job_execution_timeout' });
    const put = await h.coordinator.updateJob(slow.job, { state: 'success' });
    expect(put).toMatchObject({ kind: 'not_running', abort: true, jobStatus: 'failed' });
    clock.advance(597);
    expect(await h.coordinator.sweep()).toBe(0);
    clock.advance(2);
    expect(await h.coordinator.sweep()).toBe(1);
    expect((await h.coordinator.read.job(silent.job.id))!).toMatchObject({ status: 'failed', failureReason: 'stuck_or_timeout_failure' });
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('failed');
  });
});

describe('finishes of one pipeline at the same time', () => {
  test('share transactions; each caller gets its own result; dependants, retries and the pipeline come out as one by one', async () => {
    const { openStore } = await import('../../store/open-store.js');
    const os = await import('node:os');
    const path = await import('node:path');
    const base = await openStore({ kind: 'sqlite', path: path.join(os.tmpdir(), `gcd-finish-group-${process.pid}-${Date.now()}.db`) });
    let locks = 0;
    h = await createHarness({
      store: { ...base, transaction: (fn) => base.transaction((tx) => fn({ ...tx, pipelines: { ...tx.pipelines, lock: (id) => (locks++, tx.pipelines.lock(id)) } })) },
    });
    const builds = Array.from({ length: 20 }, (_, i) => job(`b${i}`, { stage: 'build' }));
    const flaky = job('flaky', { stage: 'build', retry: { max: 1, when: ['script_failure'], exitCodes: [] } });
    const id = await h.pipeline(planOf(['build', 'test'], [...builds, flaky, job('after-b0', { stage: 'test', needs: [{ job: 'b0', artifacts: false, optional: false }] }), job('last', { stage: 'test' })]));
    const claimed = await Promise.all(Array.from({ length: 21 }, async () => h.claim(await h.runner())));
    expect(claimed.every((c) => c !== null)).toBe(true);
    locks = 0;
    const results = await Promise.all(
      claimed.map((c) => h.coordinator.updateJob(c!.job, c!.job.name === 'flaky' ? { state: 'failed', failureReason: 'script_failure', exitCode: 1 } : { state: 'success' })),
    );
    expect(results.every((r) => r.kind === 'ok')).toBe(true);
    // the first finish runs alone; those arriving meanwhile wait and then share a transaction
    // (retry and dependants settle inside them). One by one it took 21 (MAX_GROUP = 1 gives 21).
    expect(locks).toBeLessThanOrEqual(5);
    const statuses = await h.statuses(id);
    expect(statuses['after-b0']).toBe('pending');
    expect(statuses.flaky).toBe('pending'); // the new attempt; `last` waits for it
    expect(statuses.last).toBe('created');
    expect(Object.entries(statuses).filter(([n]) => n.startsWith('b')).every(([, s]) => s === 'success')).toBe(true);
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('running');
    // a second PUT of a finished job is answered as not running, as before
    expect((await h.coordinator.updateJob(claimed[0]!.job, { state: 'success' })).kind).toBe('not_running');
    await base.close();
  });
});
