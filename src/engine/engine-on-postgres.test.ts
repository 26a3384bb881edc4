// The engine's main paths on PostgreSQL (the SQL they use differs: FOR UPDATE locks, the claim CTE,
// triggers). The full semantics are covered on SQLite by the use-case tests.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPostgresStore } from '../store/postgres/open-postgres.js';
import type { Store } from '../store/ports.js';
import { createPgDatabase, requirePostgres, type PgDatabase } from '../store/test-support/pg-database.js';
import { createHarness, FakeClock, type Harness } from './test-support/harness.js';
import { job, need, planOf } from './test-support/plan-builder.js';

const enabled = await requirePostgres('engine on postgres');

describe.skipIf(!enabled)('engine on PostgreSQL', () => {
  let db: PgDatabase;
  let store: Store;
  let h: Harness;
  const clock = new FakeClock();
  beforeAll(async () => {
    db = await createPgDatabase();
    store = await openPostgresStore({ url: db.url });
    h = await createHarness({ store, clock });
  });
  afterAll(async () => {
    await h?.close();
    await store?.close();
    await db?.drop();
  });

  test('stages, needs, failure, retry, allow_failure and pipeline status', async () => {
    const r = await h.runner();
    const id = await h.pipeline(
      planOf(['build', 'test', 'deploy'], [
        job('b', { stage: 'build', retry: { max: 1, when: ['script_failure'], exitCodes: [] } }),
        job('t', { stage: 'test', needs: [need('b')], allowFailure: true }),
        job('d', { stage: 'deploy' }),
        job('cleanup', { stage: 'deploy', when: 'on_failure' }),
      ]),
    );
    const b0 = (await h.claim(r))!;
    await h.coordinator.updateJob(b0.job, { state: 'failed', failureReason: 'script_failure' });
    const b1 = (await h.claim(r))!;
    expect([b1.job.name, b1.job.attempt]).toEqual(['b', 1]);
    await h.coordinator.updateJob(b1.job, { state: 'success' });
    const t = (await h.claim(r))!;
    await h.coordinator.updateJob(t.job, { state: 'failed' });
    expect(await h.statuses(id)).toEqual({ b: 'success', t: 'failed', d: 'pending', cleanup: 'skipped' });
    await h.coordinator.updateJob((await h.claim(r))!.job, { state: 'success' });
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('success');
  });

  test('200 concurrent claims on 10 new pipelines: each job once, each pipeline started by one or two transactions, not one per claim', async () => {
    // its own database: 200 running jobs would be in the way of the sweeper test
    const own = await createPgDatabase();
    const base = await openPostgresStore({ url: own.url });
    let locks = 0;
    const spied: Store = {
      ...base,
      transaction: (fn) => base.transaction((tx) => fn({ ...tx, pipelines: { ...tx.pipelines, lock: (id) => (locks++, tx.pipelines.lock(id)) } })),
    };
    const burst = await createHarness({ store: spied, clock });
    try {
      const runners = await Promise.all(Array.from({ length: 200 }, () => burst.runner({ tags: ['burst'], runUntagged: false })));
      const plan = planOf(['a'], Array.from({ length: 20 }, (_, i) => job(`j${i}`, { stage: 'a', tags: ['burst'] })));
      const ids: number[] = [];
      for (let i = 0; i < 10; i++) ids.push(await burst.pipeline(plan, { ref: `burst${i}` }));
      const got = await Promise.all(runners.map((r) => burst.claim(r)));
      expect(new Set(got.map((c) => c!.job.id)).size).toBe(200);
      for (const id of ids) expect((await burst.coordinator.read.pipeline(id))!.pipeline).toMatchObject({ status: 'running', startedAt: clock.now().toISOString() });
      // claims that find their pipeline pending share the transaction that starts it (before: ~160 here)
      expect(locks).toBeLessThanOrEqual(2 * ids.length);
    } finally {
      await burst.close();
      await base.close();
      await own.drop();
    }
  });

  test('cancel, resource groups, delayed jobs and the sweeper', async () => {
    const r = await h.runner();
    const plan = planOf(['deploy'], [job('deploy', { stage: 'deploy', resourceGroup: 'prod' })]);
    const p1 = await h.pipeline(plan, { ref: 'x1' });
    const p2 = await h.pipeline(plan, { ref: 'x2' });
    expect(await h.statuses(p2)).toEqual({ deploy: 'waiting_for_resource' });
    const c = (await h.claim(r))!;
    await h.coordinator.cancelJob(c.job.id);
    expect(await h.statuses(p1)).toEqual({ deploy: 'canceled' });
    expect(await h.statuses(p2)).toEqual({ deploy: 'pending' });
    await h.coordinator.cancelPipeline(p2);

    const p3 = await h.pipeline(planOf(['a'], [job('later', { stage: 'a', when: 'delayed', startIn: 60 })]), { ref: 'x3' });
    expect(await h.statuses(p3)).toEqual({ later: 'scheduled' });
    clock.advance(61);
    expect(await h.coordinator.sweep()).toBe(1);
    const l = (await h.claim(r))!;
    expect(l.job.name).toBe('later');
    clock.advance(3601);
    await h.coordinator.sweep();
    expect(await h.coordinator.read.job(l.job.id)).toMatchObject({ status: 'failed', failureReason: 'job_execution_timeout' });
  });
});

describe.skipIf(!enabled)('grouped finishes on PostgreSQL', () => {
  test('a finish that fails inside a group fails alone: the others of its group still go through', async () => {
    const db = await createPgDatabase();
    const base = await openPostgresStore({ url: db.url });
    let badJob = -1;
    let slowJob = -1;
    let grouped = 0;
    const store: Store = {
      ...base,
      transaction: (fn) =>
        base.transaction((tx) =>
          fn({
            ...tx,
            jobs: {
              ...tx.jobs,
              transition: async (id, from, patch) => {
                if (patch.finishedAt && id !== slowJob) grouped++;
                if (id === badJob && patch.finishedAt) throw new Error('disk on fire');
                // the first finish is slow, so that the seven others queue and share the next group
                if (id === slowJob && patch.finishedAt) await new Promise((resolve) => setTimeout(resolve, 300));
                return tx.jobs.transition(id, from, patch);
              },
            },
          }),
        ),
    };
    const h = await createHarness({ store });
    try {
      const id = await h.pipeline(planOf(['build'], Array.from({ length: 8 }, (_, i) => job(`b${i}`, { stage: 'build' }))));
      const claimed = await Promise.all(Array.from({ length: 8 }, async () => h.claim(await h.runner())));
      slowJob = claimed[0]!.job.id;
      badJob = claimed[5]!.job.id;
      const first = h.coordinator.updateJob(claimed[0]!.job, { state: 'success' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const rest = claimed.slice(1).map((c) => h.coordinator.updateJob(c!.job, { state: 'success' }));
      const results = await Promise.allSettled([first, ...rest]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      // the seven were tried together once (the bad one broke that group), then each alone
      expect(grouped).toBeGreaterThanOrEqual(8);
      const statuses = await h.statuses(id);
      expect(Object.values(statuses).filter((s) => s === 'success').length).toBe(7);
      expect(statuses[claimed[5]!.job.name]).toBe('running');
    } finally {
      await h.close();
      await base.close();
      await db.drop();
    }
  });
});
