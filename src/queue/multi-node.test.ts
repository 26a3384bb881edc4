// Two coordinators (two "nodes") on one PostgreSQL: wake-ups travel by LISTEN/NOTIFY, and the
// fallback poll finds jobs whose notification was never sent.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createFsTraceStore } from '../artifacts/fs-trace-store.js';
import { createCoordinator, type EngineCoordinator } from '../engine/create-coordinator.js';
import { job, planOf } from '../engine/test-support/plan-builder.js';
import { openPostgresStore } from '../store/postgres/open-postgres.js';
import type { Store } from '../store/ports.js';
import { createPgDatabase, requirePostgres, type PgDatabase } from '../store/test-support/pg-database.js';
import { newJob, seedPipeline } from '../store/store-contract.test-suite.js';

const enabled = await requirePostgres('multi-node queue');

describe.skipIf(!enabled)('two nodes on one PostgreSQL', () => {
  let db: PgDatabase;
  let dir: string;
  const stores: Store[] = [];
  const nodes: EngineCoordinator[] = [];
  beforeAll(async () => {
    db = await createPgDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-mn-'));
    for (const fallback of [0, 0, 200]) {
      const store = await openPostgresStore({ url: db.url });
      stores.push(store);
      nodes.push(createCoordinator({ store, traces: createFsTraceStore({ dir: path.join(dir, 'traces') }), config: { queueFallbackPollMs: fallback } }));
    }
  });
  afterAll(async () => {
    for (const n of nodes) await n.close();
    for (const s of stores) await s.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a job made pending on node A wakes a poll parked on node B (NOTIFY)', async () => {
    const [a, b] = nodes;
    const project = await a.ensureProject('mn/notify');
    const { runner } = await a.createRunner({ tags: ['mn'], runUntagged: false });
    const first = await b.requestJob({ runner, holdMs: 0, signal: new AbortController().signal });
    expect(first.kind).toBe('none');
    const lastUpdate = (first as { lastUpdate: string }).lastUpdate;
    const parked = b.requestJob({ runner, lastUpdate, holdMs: 30_000, signal: new AbortController().signal });
    while (b.parkedPolls() === 0) await new Promise((r) => setTimeout(r, 5));
    await a.createPipeline({ projectId: project.id, ref: 'main', isTag: false, sha: 'b'.repeat(40), source: 'push', plan: planOf(['t'], [job('x', { stage: 't', tags: ['mn'] })]) });
    const got = await parked;
    expect(got.kind === 'job' && got.claimed.job.name).toBe('x');
  });

  test('a runner paused on node A: its poll parked on node B re-reads it when woken and takes nothing', async () => {
    const [a, b] = nodes;
    const project = await a.ensureProject('mn/paused');
    const { runner } = await a.createRunner({ tags: ['mn-paused'], runUntagged: false });
    const first = (await b.requestJob({ runner, holdMs: 0, signal: new AbortController().signal })) as { lastUpdate: string };
    const before = b.parkedPolls();
    const parked = b.requestJob({ runner, lastUpdate: first.lastUpdate, holdMs: 30_000, signal: new AbortController().signal });
    while (b.parkedPolls() === before) await new Promise((r) => setTimeout(r, 5));
    await a.updateRunner(runner.id, { paused: true });
    const created = await a.createPipeline({ projectId: project.id, ref: 'main', isTag: false, sha: 'c'.repeat(40), source: 'push', plan: planOf(['t'], [job('y', { stage: 't', tags: ['mn-paused'] })]) });
    const got = await parked;
    expect(got.kind).toBe('none');
    expect((await a.read.pipeline(created.pipeline.id))!.jobs.map((j) => j.status)).toEqual(['pending']);
  });

  test('the fallback poll wakes a parked poll when no notification came', async () => {
    const c = nodes[2];
    const { runner } = await c.createRunner({ tags: ['fb'], runUntagged: false });
    const first = (await c.requestJob({ runner, holdMs: 0, signal: new AbortController().signal })) as { lastUpdate: string };
    const parked = c.requestJob({ runner, lastUpdate: first.lastUpdate, holdMs: 30_000, signal: new AbortController().signal });
    // a pending job written straight to the store: no NOTIFY
    const { project, pipeline } = await seedPipeline(stores[0], 'mn/fallback');
    const [j] = await stores[0].jobs.insertMany([newJob(pipeline.id, project.id, 'silent', { status: 'pending', spec: job('silent', { tags: ['fb'] }) })]);
    await stores[0].queue.enqueue({ jobId: j.id, projectId: project.id, protected: false, tags: ['fb'], features: 0 });
    const got = await parked;
    expect(got.kind === 'job' && got.claimed.job.id).toBe(j.id);
  });

  test('a 100-job pipeline run by runners split over two nodes: every job runs exactly once', async () => {
    const [a, b] = nodes;
    const project = await a.ensureProject('mn/split');
    const { runner } = await a.createRunner({ tags: ['split'], runUntagged: false });
    const stages = ['s0', 's1', 's2', 's3'];
    const plan = planOf(stages, Array.from({ length: 100 }, (_, i) => job(`j${i}`, { stage: stages[i % 4], tags: ['split'] })));
    const { pipeline } = await a.createPipeline({ projectId: project.id, ref: 'main', isTag: false, sha: 'c'.repeat(40), source: 'push', plan });
    const ran: number[] = [];
    const worker = async (node: EngineCoordinator) => {
      let lastUpdate: string | undefined;
      for (;;) {
        const p = (await node.read.pipeline(pipeline.id))!.pipeline;
        if (['success', 'failed', 'canceled'].includes(p.status)) return;
        const r = await node.requestJob({ runner, lastUpdate, holdMs: 300, signal: new AbortController().signal });
        if (r.kind === 'none') {
          lastUpdate = r.lastUpdate;
          continue;
        }
        ran.push(r.claimed.job.id);
        await node.updateJob(r.claimed.job, { state: 'success' });
      }
    };
    await Promise.all([worker(a), worker(a), worker(b), worker(b), worker(a), worker(b)]);
    expect(ran.length).toBe(100);
    expect(new Set(ran).size).toBe(100);
    expect((await b.read.pipeline(pipeline.id))!.pipeline.status).toBe('success');
  });
});

describe.skipIf(!enabled)('pipeline transactions on PostgreSQL', () => {
  test('50 jobs finishing at once on two nodes: the fan-in job is queued exactly once', async () => {
    const db = await createPgDatabase();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-fanin-'));
    const stores = [await openPostgresStore({ url: db.url }), await openPostgresStore({ url: db.url })];
    const nodes = stores.map((store) => createCoordinator({ store, traces: createFsTraceStore({ dir }) }));
    try {
      const project = await nodes[0].ensureProject('fan/in');
      const { runner } = await nodes[0].createRunner({});
      const plan = planOf(['a', 'b'], [...Array.from({ length: 50 }, (_, i) => job(`a${i}`, { stage: 'a' })), job('join', { stage: 'b' })]);
      const { pipeline } = await nodes[0].createPipeline({ projectId: project.id, ref: 'main', isTag: false, sha: 'd'.repeat(40), source: 'push', plan });
      const claimed = [];
      for (let i = 0; i < 50; i++) {
        const r = await nodes[i % 2].requestJob({ runner, holdMs: 0, signal: new AbortController().signal });
        if (r.kind === 'job') claimed.push(r.claimed.job);
      }
      expect(claimed.length).toBe(50);
      await Promise.all(claimed.map((j, i) => nodes[i % 2].updateJob(j, { state: 'success' })));
      const d = (await nodes[1].read.pipeline(pipeline.id))!;
      expect(d.jobs.find((j) => j.name === 'join')!.status).toBe('pending');
      expect((await stores[0].queue.list(100)).length).toBe(1);
      expect(d.pipeline.status).toBe('running');
    } finally {
      for (const n of nodes) await n.close();
      for (const s of stores) await s.close();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
