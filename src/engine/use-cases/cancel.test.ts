import { afterEach, describe, expect, test } from 'vitest';
import type { PlanJob } from '../../ci/plan.js';
import { createHarness, type Harness } from '../test-support/harness.js';
import { job, planOf } from '../test-support/plan-builder.js';

let h: Harness;
afterEach(async () => h?.close());

describe('cancel', () => {
  test('a pending job is canceled and leaves the queue; its dependants are skipped', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a', 'b'], [job('x', { stage: 'a' }), job('y', { stage: 'b' })]));
    await h.coordinator.cancelJob((await h.jobNamed(id, 'x')).id);
    expect(await h.statuses(id)).toEqual({ x: 'canceled', y: 'skipped' });
    expect(await h.claim(r)).toBeNull();
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('canceled');
  });

  test('graceful: a running job goes canceling, the runner is told on PATCH/PUT, its final PUT ends canceled', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a'], [job('x', { stage: 'a' })]));
    const c = (await h.claim(r, { systemId: 's_1', features: { cancel_gracefully: true } }))!;
    await h.coordinator.recordRunnerContact(r, { systemId: 's_1', features: { cancel_gracefully: true } });
    await h.coordinator.cancelJob(c.job.id);
    expect(await h.statuses(id)).toEqual({ x: 'canceling' });
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('canceling');
    const patch = await h.coordinator.appendTrace(c.job, 0, Buffer.from('hi'));
    expect(patch).toMatchObject({ kind: 'appended', jobStatus: 'canceling', abort: false });
    const put = await h.coordinator.updateJob(c.job, { state: 'failed', failureReason: 'script_failure' });
    expect(put).toMatchObject({ kind: 'ok', jobStatus: 'canceled' });
    expect(await h.statuses(id)).toEqual({ x: 'canceled' });
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('canceled');
    const late = await h.coordinator.updateJob(c.job, { state: 'success' });
    expect(late).toMatchObject({ kind: 'not_running', jobStatus: 'canceled', abort: true });
  });

  test('a running job of a runner without cancel_gracefully is canceled at once; the runner gets abort', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a'], [job('x', { stage: 'a' })]));
    const c = (await h.claim(r))!;
    await h.coordinator.cancelPipeline(id);
    expect(await h.statuses(id)).toEqual({ x: 'canceled' });
    const patch = await h.coordinator.appendTrace(c.job, 0, Buffer.from('x'));
    expect(patch).toMatchObject({ kind: 'not_running', jobStatus: 'canceled', abort: true });
  });

  test('cancel pipeline cancels created, pending and manual jobs', async () => {
    h = await createHarness();
    const id = await h.pipeline(planOf(['a', 'b'], [job('x', { stage: 'a' }), job('m', { stage: 'a', when: 'manual' }), job('y', { stage: 'b', when: 'always' })]));
    await h.coordinator.cancelPipeline(id);
    expect(await h.statuses(id)).toEqual({ x: 'canceled', m: 'canceled', y: 'canceled' });
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('canceled');
  });

  test('auto-cancel: a new pipeline on the same ref cancels an older one whose started jobs are all interruptible', async () => {
    h = await createHarness();
    const r = await h.runner();
    const plan = planOf(['a', 'b'], [job('x', { stage: 'a', interruptible: true }), job('y', { stage: 'b' })]);
    const old = await h.pipeline(plan);
    await h.claim(r);
    const other = await h.pipeline(plan, { ref: 'other' });
    const newer = await h.pipeline(plan);
    expect((await h.coordinator.read.pipeline(old))!.pipeline.status).toBe('canceled');
    expect((await h.coordinator.read.pipeline(other))!.pipeline.status).toBe('pending');
    expect((await h.coordinator.read.pipeline(newer))!.pipeline.status).toBe('pending');
  });

  test('auto-cancel (conservative) keeps an older pipeline once a non-interruptible job started', async () => {
    h = await createHarness();
    const r = await h.runner();
    const plan = planOf(['a'], [job('x', { stage: 'a', interruptible: false })]);
    const old = await h.pipeline(plan);
    await h.claim(r);
    await h.pipeline(plan);
    expect((await h.coordinator.read.pipeline(old))!.pipeline.status).toBe('running');
  });

  test('auto-cancel mode interruptible cancels only interruptible jobs', async () => {
    h = await createHarness();
    const mk = () =>
      planOf(['a'], [job('i', { stage: 'a', interruptible: true }), job('n', { stage: 'a' })], {
        workflow: { created: true, name: null, autoCancel: { onNewCommit: 'interruptible', onJobFailure: 'none' } },
      });
    const old = await h.pipeline(mk());
    await h.pipeline(mk());
    expect(await h.statuses(old)).toEqual({ i: 'canceled', n: 'pending' });
  });
});

describe('workflow auto_cancel on_job_failure', () => {
  test('all: a blocking failure cancels the rest of the pipeline; allowed failures do not', async () => {
    h = await createHarness();
    const r = await h.runner();
    const wf = { created: true, name: null, autoCancel: { onNewCommit: 'none' as const, onJobFailure: 'all' as const } };
    const id = await h.pipeline(planOf(['a', 'b'], [job('soft', { stage: 'a', allowFailure: true }), job('hard', { stage: 'a' }), job('slow', { stage: 'a' }), job('next', { stage: 'b', when: 'always' })], { workflow: wf }));
    const soft = (await h.claim(r))!;
    const hard = (await h.claim(r))!;
    await h.coordinator.updateJob(soft.job, { state: 'failed' });
    expect(await h.statuses(id)).toMatchObject({ slow: 'pending', next: 'created' });
    await h.coordinator.updateJob(hard.job, { state: 'failed' });
    expect(await h.statuses(id)).toEqual({ soft: 'failed', hard: 'failed', slow: 'canceled', next: 'canceled' });
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('failed');
  });
});

describe('cancel cascades to child pipelines (trigger: include)', () => {
  type Trigger = NonNullable<PlanJob['trigger']>;
  const trigger: Trigger = { include: ['ci.yml'], project: null, strategy: null, forward: { yamlVariables: true, pipelineVariables: false } };
  const depend: Trigger = { ...trigger, strategy: 'depend' };
  const family = (bridge: Trigger | null) =>
    planOf(['a', 'b'], [job('build', { stage: 'a' }), job('later', { stage: 'b' }), ...(bridge ? [job('bridge', { stage: 'a', trigger: bridge, script: [] })] : [])]);
  const childOf = async (parentId: number, bridge: Trigger | null) => {
    const b = await h.jobNamed(parentId, 'bridge');
    const plan = family(bridge);
    plan.workflow.name = `child of #${b.id}`;
    const d = await h.coordinator.createPipeline({ projectId: h.project.id, ref: 'main', isTag: false, sha: 'a'.repeat(40), source: 'parent_pipeline', plan, parentPipelineId: parentId, parentJobId: b.id });
    return d.pipeline.id;
  };
  const status = async (id: number) => (await h.coordinator.read.pipeline(id))!.pipeline.status;

  test('parent cancel: child and grandchild end canceled, pending, created and running jobs alike', async () => {
    h = await createHarness();
    const r = await h.runner();
    const root = await h.pipeline(family(depend));
    const child = await childOf(root, trigger);
    const grandchild = await childOf(child, null);
    // A runner runs the grandchild's build; everything else waits (pending / created).
    while ((await h.claim(r)) !== null);
    expect(await h.statuses(grandchild)).toEqual({ build: 'running', later: 'created' });
    expect(await h.statuses(child)).toMatchObject({ bridge: 'running', build: 'running' });
    await h.coordinator.cancelPipeline(root);
    expect(await h.statuses(root)).toEqual({ build: 'canceled', later: 'canceled', bridge: 'canceled' });
    expect(await h.statuses(child)).toEqual({ build: 'canceled', later: 'canceled', bridge: 'canceled' });
    expect(await h.statuses(grandchild)).toEqual({ build: 'canceled', later: 'canceled' });
    for (const id of [root, child, grandchild]) expect(await status(id)).toBe('canceled');
    expect(await h.claim(r)).toBeNull();
    // The canceled trigger job can create nothing more.
    await expect(childOf(child, null)).rejects.toMatchObject({ reason: 'trigger_not_running' });
  });

  test('a finished parent still cancels its running children; a child cancel leaves the parent alone', async () => {
    h = await createHarness();
    const r = await h.runner();
    const root = await h.pipeline(planOf(['a'], [job('bridge', { stage: 'a', trigger, script: [] })]));
    const child = await childOf(root, trigger);
    const grandchild = await childOf(child, null);
    await h.coordinator.updateJob(await h.jobNamed(root, 'bridge'), { state: 'success' });
    expect(await status(root)).toBe('success');
    await h.coordinator.cancelPipeline(child);
    expect(await status(root)).toBe('success');
    expect(await status(child)).toBe('canceled');
    expect(await status(grandchild)).toBe('canceled');
    expect(await h.claim(r)).toBeNull();
  });

  test('interruptible auto-cancel does not cascade (GitLab: safe cancellation)', async () => {
    h = await createHarness();
    const wf = { created: true, name: null, autoCancel: { onNewCommit: 'interruptible' as const, onJobFailure: 'none' as const } };
    const old = await h.pipeline(planOf(['a'], [job('i', { stage: 'a', interruptible: true }), job('bridge', { stage: 'a', trigger, script: [] })], { workflow: wf }));
    const child = await childOf(old, null);
    await h.pipeline(planOf(['a'], [job('i', { stage: 'a', interruptible: true })], { workflow: wf }));
    expect(await h.statuses(old)).toEqual({ i: 'canceled', bridge: 'running' });
    expect(await status(child)).toBe('pending');
  });
});
