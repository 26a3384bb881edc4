import { afterEach, describe, expect, test } from 'vitest';
import { createHarness, type Harness } from '../test-support/harness.js';
import { job, planOf } from '../test-support/plan-builder.js';

let h: Harness;
afterEach(async () => h?.close());

describe('releaseJob (the runner never received the claimed job)', () => {
  test('puts the job back in the queue as it was: another runner takes it, the old token is dead', async () => {
    h = await createHarness();
    const id = await h.pipeline(planOf(['a'], [job('build', { stage: 'a', timeout: 7200 })]));
    const capped = await h.runner({ maximumTimeout: 600 });
    const first = (await h.claim(capped))!;
    expect(first.job.timeout).toBe(600);
    expect((await h.coordinator.read.pipeline(id))?.pipeline.status).toBe('running');

    const back = await h.coordinator.releaseJob(first.job);
    expect(back?.status).toBe('pending');
    expect(back).toMatchObject({ runnerId: null, startedAt: null, deadlineAt: null, timeout: 7200 });
    expect(await h.coordinator.authenticateJob(first.job.id, first.token)).toBeNull();
    expect((await h.coordinator.read.pipeline(id))?.pipeline.status).toBe('pending');

    const other = await h.runner({});
    const second = (await h.claim(other))!;
    expect(second.job.id).toBe(first.job.id);
    expect(second.job.runnerId).toBe(other.id);
    expect(second.job.timeout).toBe(7200);
    expect(await h.coordinator.authenticateJob(second.job.id, second.token)).not.toBeNull();
    expect(await h.statuses(id)).toEqual({ build: 'running' });
  });

  test('leaves a job alone once its runner has been heard from', async () => {
    h = await createHarness();
    const id = await h.pipeline(planOf(['a'], [job('build', { stage: 'a' })]));
    const runner = await h.runner({});
    const claimed = (await h.claim(runner))!;
    await h.coordinator.appendTrace(claimed.job, 0, Buffer.from('hello\n'));
    expect(await h.coordinator.releaseJob(claimed.job)).toBeNull();
    expect(await h.statuses(id)).toEqual({ build: 'running' });
    expect(await h.coordinator.authenticateJob(claimed.job.id, claimed.token)).not.toBeNull();
  });
});
