import { afterEach, describe, expect, test } from 'vitest';
import { createHarness, type Harness } from '../test-support/harness.js';
import { job, need, planOf } from '../test-support/plan-builder.js';
import type { Runner } from '../model.js';

let h: Harness;
afterEach(async () => h?.close());

async function run(r: Runner, state: 'success' | 'failed', exitCode?: number) {
  const c = await h.claim(r);
  if (!c) throw new Error('nothing to claim');
  await h.coordinator.updateJob(c.job, { state, exitCode });
  return c.job;
}

describe('create-pipeline and stage/needs scheduling', () => {
  test('stage order: later stages wait for all earlier jobs; pipeline statuses', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['build', 'test', 'deploy'], [job('b1', { stage: 'build' }), job('b2', { stage: 'build' }), job('t', { stage: 'test' }), job('d', { stage: 'deploy' })]));
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('pending');
    expect(await h.statuses(id)).toEqual({ b1: 'pending', b2: 'pending', t: 'created', d: 'created' });
    await run(r, 'success');
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('running');
    expect((await h.statuses(id)).t).toBe('created');
    await run(r, 'success');
    expect((await h.statuses(id)).t).toBe('pending');
    await run(r, 'success');
    await run(r, 'success');
    const p = (await h.coordinator.read.pipeline(id))!.pipeline;
    expect(p.status).toBe('success');
    expect(p.finishedAt).not.toBeNull();
    expect(p.iid).toBe(1);
  });

  test('needs DAG: a job starts when its needs are done, whatever its stage; needs: [] starts at once', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(
      planOf(['build', 'test', 'deploy'], [
        job('slow', { stage: 'build' }),
        job('fast', { stage: 'build' }),
        job('unit', { stage: 'test', needs: [need('fast')] }),
        job('lint', { stage: 'deploy', needs: [] }),
        job('final', { stage: 'deploy' }),
      ]),
    );
    expect(await h.statuses(id)).toMatchObject({ slow: 'pending', fast: 'pending', unit: 'created', lint: 'pending', final: 'created' });
    // claim order is by id: slow, fast, lint
    const slow = (await h.claim(r))!;
    const fast = (await h.claim(r))!;
    expect(fast.job.name).toBe('fast');
    await h.coordinator.updateJob(fast.job, { state: 'success' });
    expect(await h.statuses(id)).toMatchObject({ unit: 'pending', final: 'created', slow: 'running' });
    await h.coordinator.updateJob(slow.job, { state: 'success' });
    expect((await h.statuses(id)).final).toBe('created');
    await run(r, 'success'); // lint
    await run(r, 'success'); // unit
    expect((await h.statuses(id)).final).toBe('pending');
    const edges = (await h.coordinator.read.pipeline(id))!.edges;
    expect(edges.length).toBe(1);
  });

  test('failure skips on_success dependants, runs on_failure and always jobs', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(
      planOf(['build', 'test', 'cleanup'], [
        job('b', { stage: 'build' }),
        job('t', { stage: 'test' }),
        job('n', { stage: 'test', needs: [need('b')] }),
        job('after-n', { stage: 'cleanup', needs: [need('n')] }),
        job('onfail', { stage: 'cleanup', when: 'on_failure' }),
        job('always', { stage: 'cleanup', when: 'always' }),
      ]),
    );
    await run(r, 'failed');
    expect(await h.statuses(id)).toEqual({ b: 'failed', t: 'skipped', n: 'skipped', 'after-n': 'skipped', onfail: 'pending', always: 'pending' });
    await run(r, 'success');
    await run(r, 'success');
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('failed');
  });

  test('allow_failure gives success with warnings; allow_failure exit_codes only for listed codes', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(
      planOf(['a', 'b'], [job('x', { stage: 'a', allowFailure: true }), job('y', { stage: 'a', allowFailureExitCodes: [3] }), job('z', { stage: 'b' })]),
    );
    await run(r, 'failed', 1);
    await run(r, 'failed', 3);
    expect(await h.statuses(id)).toEqual({ x: 'failed', y: 'failed', z: 'pending' });
    await run(r, 'success');
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('success');

    const id2 = await h.pipeline(planOf(['a', 'b'], [job('y', { stage: 'a', allowFailureExitCodes: [3] }), job('z', { stage: 'b' })]));
    await run(r, 'failed', 4);
    expect(await h.statuses(id2)).toEqual({ y: 'failed', z: 'skipped' });
    expect((await h.coordinator.read.pipeline(id2))!.pipeline.status).toBe('failed');
  });

  test('manual jobs: non-blocking ones do not hold later stages; blocking ones leave the pipeline manual', async () => {
    h = await createHarness();
    const r = await h.runner();
    const id = await h.pipeline(planOf(['a', 'b'], [job('m', { stage: 'a', when: 'manual', allowFailure: true }), job('next', { stage: 'b' })]));
    expect(await h.statuses(id)).toEqual({ m: 'manual', next: 'pending' });
    await run(r, 'success');
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('success');

    const id2 = await h.pipeline(planOf(['a', 'b'], [job('gate', { stage: 'a', when: 'manual', allowFailure: false }), job('after', { stage: 'b' })]));
    expect(await h.statuses(id2)).toEqual({ gate: 'manual', after: 'created' });
    expect((await h.coordinator.read.pipeline(id2))!.pipeline.status).toBe('manual');
    await h.coordinator.playJob((await h.jobNamed(id2, 'gate')).id);
    await run(r, 'success');
    expect(await h.statuses(id2)).toEqual({ gate: 'success', after: 'pending' });
  });

  test('a job needing a manual job waits for it to be played', async () => {
    h = await createHarness();
    const id = await h.pipeline(planOf(['a', 'b'], [job('m', { stage: 'a', when: 'manual', allowFailure: true }), job('dep', { stage: 'b', needs: [need('m')] })]));
    expect(await h.statuses(id)).toEqual({ m: 'manual', dep: 'created' });
  });

  test('all jobs skipped -> pipeline skipped; optional missing needs are ignored', async () => {
    h = await createHarness();
    const id = await h.pipeline(planOf(['a'], [job('only-on-failure', { stage: 'a', when: 'on_failure', needs: [need('ghost', { optional: true })] })]));
    expect(await h.statuses(id)).toEqual({ 'only-on-failure': 'skipped' });
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('skipped');
  });

  test('invalid plans are refused', async () => {
    h = await createHarness();
    await expect(h.pipeline(planOf(['a'], []))).rejects.toMatchObject({ code: 'invalid_config' });
    await expect(h.pipeline(planOf(['a'], [job('x', { stage: 'a', needs: [need('ghost')] })]))).rejects.toMatchObject({ code: 'invalid_config' });
    await expect(
      h.pipeline(planOf(['a'], [job('x', { stage: 'a' })], { errors: [{ file: 'f', line: 1, column: 2, severity: 'error', message: 'bad' }] })),
    ).rejects.toMatchObject({ code: 'invalid_config' });
  });

  test('events are emitted for jobs and pipelines', async () => {
    h = await createHarness();
    const seen: string[] = [];
    const off = h.coordinator.subscribe((e) => seen.push(e.type === 'job' ? `job:${e.job.name}:${e.job.status}` : e.type === 'pipeline' ? `pipeline:${e.pipeline.status}` : 'trace'));
    await h.pipeline(planOf(['a'], [job('x', { stage: 'a' })]));
    off();
    expect(seen).toContain('job:x:pending');
    expect(seen).toContain('pipeline:pending');
  });
});

describe('trigger (bridge) jobs', () => {
  test('never reach a runner: they start running at once and are finished through updateJob', async () => {
    h = await createHarness();
    const r = await h.runner();
    const trigger = { include: ['child.yml'], project: null, strategy: 'depend' as const, forward: { yamlVariables: true, pipelineVariables: false } };
    const id = await h.pipeline(planOf(['a', 'b'], [job('bridge', { stage: 'a', trigger, script: [] }), job('after', { stage: 'b' })]));
    const bridge = await h.jobNamed(id, 'bridge');
    expect(bridge).toMatchObject({ status: 'running', runnerId: null, deadlineAt: null });
    expect(bridge.startedAt).not.toBeNull();
    expect(await h.claim(r)).toBeNull();
    expect((await h.coordinator.read.pipeline(id))!.pipeline.status).toBe('running');
    expect(await h.coordinator.sweep()).toBe(0);
    expect((await h.coordinator.updateJob(bridge, { state: 'success' })).kind).toBe('ok');
    expect(await h.statuses(id)).toEqual({ bridge: 'success', after: 'pending' });
  });

  test('a manual bridge starts running when played; a canceled bridge ends canceled', async () => {
    h = await createHarness();
    const trigger = { include: ['child.yml'], project: null, strategy: null, forward: { yamlVariables: true, pipelineVariables: false } };
    const id = await h.pipeline(planOf(['a'], [job('bridge', { stage: 'a', trigger, when: 'manual', script: [] })]));
    const played = await h.coordinator.playJob((await h.jobNamed(id, 'bridge')).id);
    expect(played.status).toBe('running');
    await h.coordinator.cancelJob(played.id);
    expect(await h.statuses(id)).toEqual({ bridge: 'canceled' });
  });
});
