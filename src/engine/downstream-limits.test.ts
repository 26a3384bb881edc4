import { afterEach, describe, expect, test } from 'vitest';
import type { PipelinePlan } from '../ci/plan.js';
import { openPostgresStore } from '../store/postgres/open-postgres.js';
import { createPgDatabase, requirePostgres } from '../store/test-support/pg-database.js';
import { DEFAULT_ENGINE_CONFIG } from './config.js';
import { DEFAULT_MAX_PIPELINE_HIERARCHY_SIZE, DownstreamRefused, MAX_DESCENDANTS_DEPTH } from './downstream-limits.js';
import type { Job } from './model.js';
import { createHarness, type Harness } from './test-support/harness.js';
import { job, planOf } from './test-support/plan-builder.js';

let h: Harness;
afterEach(async () => h?.close());

const trigger = { include: ['ci.yml'], project: null, strategy: null, forward: { yamlVariables: true, pipelineVariables: false } };

/** A plan with `bridges` trigger jobs (b0, b1…) and one plain job that waits for a runner. */
function plan(bridges: number, name: string | null = null): PipelinePlan {
  const jobs = [job('build', { stage: 'a' }), ...Array.from({ length: bridges }, (_, i) => job(`b${i}`, { stage: 'a', trigger, script: [] }))];
  const p = planOf(['a'], jobs);
  p.workflow.name = name;
  return p;
}

/** What the bridge worker does for `bridge`: create its child pipeline through the engine. */
async function childOf(bridge: Job, bridges = 1) {
  const d = await h.coordinator.createPipeline({
    projectId: h.project.id,
    ref: 'main',
    isTag: false,
    sha: 'a'.repeat(40),
    source: 'parent_pipeline',
    plan: plan(bridges, `${bridge.name} (child of job #${bridge.id})`),
    parentPipelineId: bridge.pipelineId,
    parentJobId: bridge.id,
  });
  return d.pipeline.id;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(DownstreamRefused);
  return (e as DownstreamRefused).reason;
}

describe('child pipeline limits (GitLab: 2 levels below the root, 1,000 pipelines per tree)', () => {
  test('a root may have children and grandchildren; a trigger job in a grandchild is refused', async () => {
    h = await createHarness();
    const root = await h.pipeline(plan(1));
    const child = await childOf(await h.jobNamed(root, 'b0'));
    const grandchild = await childOf(await h.jobNamed(child, 'b0'));
    expect(MAX_DESCENDANTS_DEPTH).toBe(2);
    expect(await refusal(childOf(await h.jobNamed(grandchild, 'b0')))).toBe('reached_max_descendant_pipelines_depth');
    expect(new DownstreamRefused('reached_max_descendant_pipelines_depth')).toMatchObject({
      failureReason: 'reached_max_descendant_pipelines_depth',
      message: 'reached maximum depth of child pipelines',
    });
    expect((await h.store.pipelines.children(grandchild)).length).toBe(0);
    expect(await h.store.pipelines.hierarchySize(root)).toBe(3);
  });

  test('the tree stops at maxPipelineHierarchySize pipelines, root included, across levels', async () => {
    h = await createHarness({ config: { maxPipelineHierarchySize: 5 } });
    const root = await h.pipeline(plan(3));
    const children = [];
    for (const name of ['b0', 'b1', 'b2']) children.push(await childOf(await h.jobNamed(root, name), 2));
    expect(await h.store.pipelines.hierarchySize(root)).toBe(4);
    await childOf(await h.jobNamed(children[0], 'b0'));
    const refused = [];
    for (const c of children) for (const name of ['b0', 'b1']) if (c !== children[0] || name !== 'b0') refused.push(await refusal(childOf(await h.jobNamed(c, name))));
    expect(refused).toEqual(Array(5).fill('reached_max_pipeline_hierarchy_size'));
    expect(new DownstreamRefused('reached_max_pipeline_hierarchy_size').message).toBe('downstream pipeline tree is too large');
    expect(await h.store.pipelines.hierarchySize(root)).toBe(5);
  });

  test('the default limit is 1,000: the 1,000th pipeline of a tree is created, the 1,001st is not', async () => {
    expect(DEFAULT_MAX_PIPELINE_HIERARCHY_SIZE).toBe(1_000);
    expect(DEFAULT_ENGINE_CONFIG.maxPipelineHierarchySize).toBe(DEFAULT_MAX_PIPELINE_HIERARCHY_SIZE);
    h = await createHarness();
    const root = await h.pipeline(plan(2));
    const rootRow = (await h.store.pipelines.byId(root))!;
    // 998 children straight in the store: the tree then holds 999 pipelines.
    await h.store.transaction(async (tx) => {
      for (let i = 0; i < 998; i++) await tx.pipelines.insert({ ...rootRow, name: `filler ${i}`, parentPipelineId: root });
    });
    expect(await h.store.pipelines.hierarchySize(root)).toBe(999);
    await childOf(await h.jobNamed(root, 'b0'));
    expect(await h.store.pipelines.hierarchySize(root)).toBe(1_000);
    expect(await refusal(childOf(await h.jobNamed(root, 'b1')))).toBe('reached_max_pipeline_hierarchy_size');
  });

  test('a trigger job that no longer runs creates nothing; creating for the same trigger job twice gives the same child', async () => {
    h = await createHarness();
    const root = await h.pipeline(plan(2));
    const b0 = await h.jobNamed(root, 'b0');
    const first = await childOf(b0);
    expect(await childOf(b0)).toBe(first);
    const b1 = await h.jobNamed(root, 'b1');
    await h.coordinator.cancelJob(b1.id);
    const e = await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha: 'a'.repeat(40), source: 'parent_pipeline', plan: plan(0, 'x'), parentPipelineId: root, parentJobId: b1.id }).catch((error: unknown) => error);
    expect(e).toMatchObject({ reason: 'trigger_not_running', failureReason: null });
    expect((await h.store.pipelines.children(root)).map((p) => p.id)).toEqual([first]);
  });
});

const pg = await requirePostgres('child pipeline limits on postgres');

describe.skipIf(!pg)('child pipeline limits on PostgreSQL', () => {
  test('concurrent creations under different parents of one tree never overshoot the size limit', async () => {
    const db = await createPgDatabase();
    const store = await openPostgresStore({ url: db.url });
    try {
      h = await createHarness({ store, config: { maxPipelineHierarchySize: 6 } });
      const root = await h.pipeline(plan(2));
      const children = [await childOf(await h.jobNamed(root, 'b0'), 5), await childOf(await h.jobNamed(root, 'b1'), 5)];
      const bridges = [];
      for (const c of children) for (let i = 0; i < 5; i++) bridges.push(await h.jobNamed(c, `b${i}`));
      const results = await Promise.allSettled(bridges.map((b) => childOf(b)));
      const created = results.filter((r) => r.status === 'fulfilled').length;
      const refused = results.filter((r) => r.status === 'rejected' && (r.reason as DownstreamRefused).reason === 'reached_max_pipeline_hierarchy_size').length;
      expect({ created, refused }).toEqual({ created: 3, refused: 7 });
      expect(await store.pipelines.hierarchySize(root)).toBe(6);
      // The cascade on PostgreSQL too.
      await h.coordinator.cancelPipeline(root);
      const all = [root, ...children, ...(await Promise.all(children.map((c) => store.pipelines.children(c)))).flat().map((p) => p.id)];
      for (const id of all) expect((await store.pipelines.byId(id))!.status).toBe('canceled');
    } finally {
      await h.close();
      h = undefined as unknown as Harness;
      await store.close();
      await db.drop();
    }
  });
});
