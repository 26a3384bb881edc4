// The bridge worker over a real engine on SQLite: self-including `trigger: include` stops at the
// depth and tree-size limits, cancel reaches every level, and a restarted worker finds every
// running trigger job and every existing child, however many pipelines the project has.
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createFsTraceStore } from '../artifacts/fs-trace-store.js';
import { filesFromMap } from '../ci/index.js';
import type { PlanJob } from '../ci/plan.js';
import { createHarness, type Harness } from '../engine/test-support/harness.js';
import { job, planOf } from '../engine/test-support/plan-builder.js';
import type { Job, Pipeline } from '../engine/model.js';
import { startBridgeWorker } from './bridge-jobs.js';

let h: Harness;
let workers: ReturnType<typeof startBridgeWorker>[] = [];
afterEach(async () => {
  for (const w of workers) w.stop();
  workers = [];
  await h?.close();
});

type Trigger = NonNullable<PlanJob['trigger']>;
const trigger = (include: string, strategy: Trigger['strategy'] = null): Trigger => ({ include: [include], project: null, strategy, forward: { yamlVariables: true, pipelineVariables: false } });

/** `fanOut` trigger jobs that each include this same file again, and a job that waits for a runner. */
function selfIncluding(fanOut: number): string {
  let yaml = 'build:\n  script: [echo build]\n';
  for (let i = 0; i < fanOut; i++) yaml += `again-${i}:\n  needs: []\n  trigger:\n    include: ci.yml\n`;
  return yaml;
}
function rootPlan(fanOut: number) {
  const bridges = Array.from({ length: fanOut }, (_, i) => job(`again-${i}`, { trigger: trigger('ci.yml'), script: [], needs: [] }));
  return planOf(['test'], [job('build'), ...bridges]);
}

const logs: string[] = [];
function worker(files: Record<string, string>) {
  const w = startBridgeWorker({
    coordinator: h.coordinator,
    filesAt: () => filesFromMap(files),
    createPipelineRef: async () => undefined,
    log: (message, error) => logs.push(`${message}${error ? `: ${String(error)}` : ''}`),
  });
  workers.push(w);
  return w;
}

const everyPipeline = async (): Promise<Pipeline[]> => {
  const out: Pipeline[] = [];
  for (let beforeId: number | undefined; ; ) {
    const page = await h.coordinator.read.pipelines({ projectId: h.project.id, limit: 500, beforeId });
    out.push(...page);
    if (page.length < 500) return out;
    beforeId = page[page.length - 1].id;
  }
};

/** Waits until the worker has nothing left to do and no pipeline appears any more. */
async function settle(w: ReturnType<typeof startBridgeWorker>): Promise<Pipeline[]> {
  let before = -1;
  for (;;) {
    await w.idle();
    await new Promise((r) => setTimeout(r, 20));
    await w.idle();
    const all = await everyPipeline();
    if (all.length === before) return all;
    before = all.length;
  }
}

const bridgesOf = async (ps: Pipeline[]): Promise<Job[]> => (await Promise.all(ps.map(async (p) => (await h.coordinator.read.pipeline(p.id))!.jobs.filter((j) => j.spec.trigger)))).flat();
/** The job's log as the UI reads it (the harness keeps traces under DIR/traces). */
const trace = async (jobId: number) => (await createFsTraceStore({ dir: path.join(h.dir, 'traces') }).read(jobId)).toString();

describe('bridge worker: child pipeline limits', () => {
  test('a self-including trigger stops at the grandchild: its trigger job fails with the depth reason and says so in its log', async () => {
    h = await createHarness();
    const w = worker({ 'ci.yml': selfIncluding(1) });
    const root = await h.pipeline(rootPlan(1));
    const all = await settle(w);
    expect(all.length).toBe(3);
    const byId = new Map(all.map((p) => [p.id, p]));
    const depth = (p: Pipeline): number => (p.parentPipelineId === null ? 0 : 1 + depth(byId.get(p.parentPipelineId)!));
    expect(all.map(depth).sort()).toEqual([0, 1, 2]);
    const bridges = await bridgesOf(all);
    const failed = bridges.filter((b) => b.status === 'failed');
    expect(failed.length).toBe(1);
    expect(depth(byId.get(failed[0].pipelineId)!)).toBe(2);
    expect(failed[0].failureReason).toBe('reached_max_descendant_pipelines_depth');
    expect(await trace(failed[0].id)).toContain('reached maximum depth of child pipelines');
    expect(bridges.filter((b) => b.status === 'success').length).toBe(2);
    expect(root).toBe(Math.min(...all.map((p) => p.id)));
  });

  test('fan-out: the tree stops at the hierarchy size; the refused trigger jobs fail with the size reason', async () => {
    h = await createHarness({ config: { maxPipelineHierarchySize: 10 } });
    const w = worker({ 'ci.yml': selfIncluding(3) });
    await h.pipeline(rootPlan(3));
    const all = await settle(w);
    expect(all.length).toBe(10);
    const bridges = await bridgesOf(all);
    const bySize = bridges.filter((b) => b.failureReason === 'reached_max_pipeline_hierarchy_size');
    const byDepth = bridges.filter((b) => b.failureReason === 'reached_max_descendant_pipelines_depth');
    // 1 root + 3 children + 9 grandchildren wanted; 6 grandchildren made it, 3 were refused.
    expect(bySize.length).toBe(3);
    expect(byDepth.length).toBe(6 * 3);
    expect(await trace(bySize[0].id)).toContain('downstream pipeline tree is too large');
  });

  test('cancelling the root cancels the whole tree; a restarted worker creates nothing and the tree stays canceled', async () => {
    h = await createHarness();
    let w = worker({ 'ci.yml': selfIncluding(1) });
    const root = await h.pipeline(rootPlan(1));
    const all = await settle(w);
    await h.coordinator.cancelPipeline(root);
    // Fire-and-forget trigger jobs succeeded at once; the grandchild's failed one makes it end failed.
    const statuses = async () => {
      const out: string[] = [];
      for (const p of (await everyPipeline()).reverse()) out.push(p.status, ...(await h.coordinator.read.pipeline(p.id))!.jobs.map((j) => `${j.name}:${j.status}`));
      return out;
    };
    const canceled = await statuses();
    expect(canceled).toEqual(['canceled', 'build:canceled', 'again-0:success', 'canceled', 'build:canceled', 'again-0:success', 'failed', 'build:canceled', 'again-0:failed']);
    w.stop();
    w = worker({ 'ci.yml': selfIncluding(1) });
    const after = await settle(w);
    expect(after.length).toBe(all.length);
    expect(await statuses()).toEqual(canceled);
  });

  test('a cancel cut short (root canceled, a child still running with a running trigger job) is finished on start', async () => {
    h = await createHarness();
    const root = await h.pipeline(rootPlan(1));
    const bridge = await h.jobNamed(root, 'again-0');
    const plan = rootPlan(1);
    plan.workflow.name = 'left over';
    const child = (await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha: 'a'.repeat(40), source: 'parent_pipeline', plan, parentPipelineId: root, parentJobId: bridge.id })).pipeline;
    // What a crash after the root's own cancel (and before the cascade) leaves behind.
    await h.store.jobs.transitionMany((await h.store.jobs.byPipeline(root)).map((j) => j.id), ['pending', 'running', 'created'], { status: 'canceled' });
    await h.store.pipelines.update(root, { status: 'canceled' });
    const w = worker({ 'ci.yml': selfIncluding(1) });
    const all = await settle(w);
    expect(all.map((p) => [p.id, p.status])).toEqual([
      [child.id, 'canceled'],
      [root, 'canceled'],
    ]);
  });
});

describe('bridge worker: invalid child config', () => {
  test('fails the trigger job with downstream_pipeline_creation_failed and file:line:col in its log', async () => {
    h = await createHarness();
    const w = worker({ 'ci.yml': 'child-job:\n  script: [echo]\n  when: sometimes\n' });
    const root = await h.pipeline(rootPlan(1));
    await settle(w);
    const bridge = await h.jobNamed(root, 'again-0');
    expect(bridge).toMatchObject({ status: 'failed', failureReason: 'downstream_pipeline_creation_failed' });
    expect(await trace(bridge.id)).toMatch(/downstream pipeline can not be created: ci\.yml:3:\d+: /);
    expect(await h.coordinator.read.childPipelines(root)).toEqual([]);
  });
});

describe('bridge worker: lookups beyond 200 pipelines', () => {
  test('a restarted worker picks up a trigger job older than 250 running ones and reuses its child older than 250 pipelines', async () => {
    h = await createHarness();
    const files = { 'ci.yml': 'child-job:\n  script: [echo child]\n' };
    const root = await h.pipeline(planOf(['test'], [job('bridge', { trigger: trigger('ci.yml', 'depend'), script: [] })]));
    // 250 newer running pipelines, each with a running trigger job (`trigger: project` fails at once).
    const noise = planOf(['test'], [job('other', { trigger: { ...trigger('x.yml'), include: [], project: 'elsewhere/p' }, script: [] })]);
    for (let i = 0; i < 250; i++) await h.pipeline(noise);
    let w = worker(files);
    await settle(w);
    const children = await h.coordinator.read.childPipelines(root);
    expect(children.length).toBe(1);
    expect((await h.jobNamed(root, 'bridge')).status).toBe('running');
    w.stop();
    // 250 more pipelines newer than the child, then a new worker (a restart).
    for (let i = 0; i < 250; i++) await h.pipeline(planOf(['test'], [job('plain')]));
    w = worker(files);
    await settle(w);
    expect((await h.coordinator.read.childPipelines(root)).map((p) => p.id)).toEqual([children[0].id]);
    // The restarted worker waits for that child: its success makes the bridge succeed.
    const r = await h.runner();
    for (;;) {
      const c = await h.claim(r);
      if (!c) break;
      await h.coordinator.updateJob(c.job, { state: c.job.pipelineId === children[0].id ? 'success' : 'failed' });
    }
    await settle(w);
    expect((await h.jobNamed(children[0].id, 'child-job')).status).toBe('success');
    expect((await h.jobNamed(root, 'bridge')).status).toBe('success');
  });
});
