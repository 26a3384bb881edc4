import { afterEach, describe, expect, test } from 'vitest';
import { createHarness, type Harness } from '../test-support/harness.js';
import { job, planOf } from '../test-support/plan-builder.js';
import type { Store } from '../../store/ports.js';
import { unavailable } from '../../util/errors.js';

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

describe('a claim whose answer fails on a database outage', () => {
  test('the job goes back to the queue once the database answers again (found by its token hash)', async () => {
    // A real SQLite store whose reads after the claim fail while `down` (the database went away
    // between the claim's commit and the rest of the answer).
    let down = false;
    let claims = 0;
    const outage = () => unavailable('the database is unavailable, try again shortly');
    const base = await createHarness();
    const real = base.store;
    const store: Store = {
      ...real,
      variables: { ...real.variables, list: (projectId) => (down ? Promise.reject(outage()) : real.variables.list(projectId)) },
      jobs: { ...real.jobs, byTokenHash: (hash) => (down ? Promise.reject(outage()) : real.jobs.byTokenHash(hash)) },
      queue: {
        ...real.queue,
        claim: async (match, assign) => {
          const job = await real.queue.claim(match, assign);
          if (job && ++claims === 1) down = true;
          return job;
        },
      },
    };
    h = await createHarness({ store });
    const id = await h.pipeline(planOf(['a'], [job('build', { stage: 'a' })]));
    const runner = await h.runner({});
    await expect(h.claim(runner)).rejects.toMatchObject({ code: 'unavailable' });
    expect(await h.statuses(id)).toEqual({ build: 'running' });
    await new Promise((r) => setTimeout(r, 700)); // the first background try failed too
    expect(await h.statuses(id)).toEqual({ build: 'running' });
    down = false;
    const until = Date.now() + 5000;
    while ((await h.statuses(id)).build !== 'pending' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await h.statuses(id)).toEqual({ build: 'pending' });
    const again = (await h.claim(runner))!;
    expect(again.job.name).toBe('build');
    await base.close();
  });
});
