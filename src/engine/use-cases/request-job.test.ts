import { afterEach, describe, expect, test } from 'vitest';
import type { Store } from '../../store/ports.js';
import { createHarness, type Harness } from '../test-support/harness.js';
import { job, planOf } from '../test-support/plan-builder.js';
import { openStore } from '../../store/open-store.js';
import path from 'node:path';
import type { Runner } from '../model.js';

let h: Harness;
afterEach(async () => h?.close());

const never = new AbortController().signal;

describe('matching', () => {
  test('tags ⊆ runner tags; untagged jobs only to run_untagged runners; paused runners get nothing', async () => {
    h = await createHarness();
    const id = await h.pipeline(planOf(['a'], [job('tagged', { stage: 'a', tags: ['docker', 'linux'] }), job('plain', { stage: 'a' })]));
    const partial = await h.runner({ tags: ['docker'], runUntagged: false });
    const both = await h.runner({ tags: ['docker', 'linux', 'x'], runUntagged: false });
    const untagged = await h.runner({ tags: [], runUntagged: true });
    const paused = await h.runner({ tags: ['docker', 'linux'], runUntagged: true, paused: true });
    expect(await h.claim(partial)).toBeNull();
    expect(await h.claim(paused)).toBeNull();
    expect((await h.claim(both))?.job.name).toBe('tagged');
    expect(await h.claim(both)).toBeNull();
    expect((await h.claim(untagged))?.job.name).toBe('plain');
    expect(await h.statuses(id)).toEqual({ tagged: 'running', plain: 'running' });
  });

  test('ref_protected runners only take protected refs (default branch; tags only under a protected-tag rule)', async () => {
    h = await createHarness();
    const prot = await h.runner({ accessLevel: 'ref_protected' });
    await h.pipeline(planOf(['a'], [job('feature', { stage: 'a' })]), { ref: 'feature' });
    await h.pipeline(planOf(['a'], [job('tag', { stage: 'a' })]), { ref: 'v1.0', isTag: true });
    expect(await h.claim(prot)).toBeNull();
    await h.coordinator.protectRef({ projectId: h.project.id, kind: 'tag', name: 'v*' });
    await h.pipeline(planOf(['a'], [job('tag-after-rule', { stage: 'a' })]), { ref: 'v1.0', isTag: true });
    expect((await h.claim(prot))?.job.name).toBe('tag-after-rule');
    await h.pipeline(planOf(['a'], [job('main', { stage: 'a' })]), { ref: 'main' });
    expect((await h.claim(prot))?.job.name).toBe('main');
    expect(await h.claim(prot)).toBeNull();
    // the unprotected ones stay for other runners
    const any = await h.runner();
    expect([(await h.claim(any))?.job.name, (await h.claim(any))?.job.name]).toEqual(['feature', 'tag']);
  });

  test('project runners take only their project; maximum_timeout caps the job timeout', async () => {
    h = await createHarness();
    const other = await h.coordinator.ensureProject('other/project');
    const mine = await h.runner({ projectId: other.id, maximumTimeout: 600 });
    await h.pipeline(planOf(['a'], [job('x', { stage: 'a', timeout: 7200 })]));
    expect(await h.claim(mine)).toBeNull();
    const shared = await h.runner({ maximumTimeout: 600 });
    const c = await h.claim(shared);
    expect(c?.job.timeout).toBe(600);
    expect(Date.parse(c!.job.deadlineAt!) - Date.parse(c!.job.startedAt!)).toBe(600_000);
  });

  test('jobs needing a runner feature go only to runners that announce it', async () => {
    h = await createHarness();
    await h.pipeline(
      planOf(['a'], [
        job('reports', { stage: 'a', artifacts: { name: null, paths: [], exclude: [], untracked: false, when: 'on_success', expireIn: null, exposeAs: null, reports: { junit: ['r.xml'] } } }),
      ]),
    );
    const r = await h.runner();
    expect(await h.claim(r, { features: { upload_multiple_artifacts: false } })).toBeNull();
    expect((await h.claim(r, { features: { upload_multiple_artifacts: true } }))?.job.name).toBe('reports');

    await h.pipeline(planOf(['a'], [job('codes', { stage: 'a', allowFailureExitCodes: [2] })]));
    expect(await h.claim(r, { features: { upload_multiple_artifacts: true } })).toBeNull();
    expect((await h.claim(r, { features: { return_exit_code: true } }))?.job.name).toBe('codes');
  });

  test('the claim returns a job token (stored hashed), dependencies, variables', async () => {
    h = await createHarness();
    const r = await h.runner();
    await h.coordinator.setVariable({ projectId: null, key: 'INST', value: '1', masked: false, protected: false, file: false, raw: false });
    await h.coordinator.setVariable({ projectId: h.project.id, key: 'PROT', value: 'secret-value', masked: true, protected: true, file: false, raw: false });
    const id = await h.pipeline(planOf(['a', 'b'], [job('build', { stage: 'a' }), job('use', { stage: 'b' })]), { ref: 'feature' });
    const first = await h.coordinator.requestJob({ runner: r, holdMs: 0, signal: never });
    if (first.kind !== 'job') throw new Error('no job');
    expect(first.claimed.token.startsWith('glcbt-')).toBe(true);
    expect(first.claimed.ciVariables.map((v) => v.key)).toEqual(['INST']); // PROT only on protected refs
    expect(await h.coordinator.authenticateJob(first.claimed.job.id, first.claimed.token)).not.toBeNull();
    expect(await h.coordinator.authenticateJob(first.claimed.job.id, 'glcbt-wrong')).toBeNull();
    const raw = await h.store.jobs.byId(first.claimed.job.id);
    expect(JSON.stringify(raw)).not.toContain(first.claimed.token);
    await h.coordinator.addArtifact({ jobId: first.claimed.job.id, pipelineId: id, fileType: 'archive', fileFormat: 'zip', filename: 'a.zip', size: 3, storageKey: 'k', sha256: 'x', expireAt: null });
    await h.coordinator.setJobDotenv(first.claimed.job.id, [{ key: 'BUILD_ID', value: '42' }]);
    await h.coordinator.updateJob(first.claimed.job, { state: 'success' });
    const second = await h.coordinator.requestJob({ runner: r, holdMs: 0, signal: never });
    if (second.kind !== 'job') throw new Error('no job');
    expect(second.claimed.dependencies.map((d) => [d.job.name, d.archive?.filename])).toEqual([['build', 'a.zip']]);
    expect(second.claimed.dotenvVariables).toEqual([{ key: 'BUILD_ID', value: '42' }]);
    expect(await h.coordinator.mayReadArtifacts(second.claimed.token, first.claimed.job.id)).toBe(true);
    expect(await h.coordinator.mayReadArtifacts(first.claimed.token, second.claimed.job.id)).toBe(false);
    expect(await h.coordinator.mayReadArtifacts(first.claimed.token, first.claimed.job.id)).toBe(false); // finished: not even its own
    expect(await h.coordinator.mayReadArtifacts(second.claimed.token, second.claimed.job.id)).toBe(true); // running: its own
    expect(await h.coordinator.mayFetchSource(second.claimed.token, h.project.id)).toBe(true);
    expect(await h.coordinator.mayFetchSource(first.claimed.token, h.project.id)).toBe(false); // finished
  });
});

/** Counts calls to the store's ports (a spy over the real store, not a mock). */
function counting(store: Store): { store: Store; calls: () => number } {
  let n = 0;
  const wrap = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, key, recv) {
        const v = Reflect.get(target, key, recv);
        return typeof v === 'function' ? (...args: unknown[]) => (n++, v.apply(target, args)) : v;
      },
    });
  const s = { ...store } as Store;
  for (const k of ['projects', 'pipelines', 'jobs', 'edges', 'queue', 'runners', 'tokens', 'variables', 'artifacts', 'resourceGroups'] as const) {
    (s as unknown as Record<string, unknown>)[k] = wrap(store[k]);
  }
  return { store: s, calls: () => n };
}

describe('long poll', () => {
  test('an idle poll with the current lastUpdate makes no database query; a new matching job wakes it', async () => {
    const dir = (await import('node:os')).tmpdir();
    const base = await openStore({ kind: 'sqlite', path: path.join(dir, `gcd-lp-${process.pid}-${Date.now()}.db`) });
    const c = counting(base);
    h = await createHarness({ store: c.store });
    const r = await h.runner({ tags: ['a'], runUntagged: false });
    const first = await h.coordinator.requestJob({ runner: r, holdMs: 0, signal: never });
    expect(first.kind).toBe('none');
    const lastUpdate = (first as { lastUpdate: string }).lastUpdate;
    const before = c.calls();
    const again = await h.coordinator.requestJob({ runner: r, lastUpdate, holdMs: 0, signal: never });
    expect(again).toEqual({ kind: 'none', lastUpdate });
    expect(c.calls()).toBe(before);

    const parked = h.coordinator.requestJob({ runner: r, lastUpdate, holdMs: 30_000, signal: never });
    await new Promise((res) => setImmediate(res));
    expect(h.coordinator.parkedPolls()).toBe(1);
    expect(c.calls()).toBe(before);
    // a job this runner cannot take does not wake it
    await h.pipeline(planOf(['a'], [job('other', { stage: 'a', tags: ['b'] })]));
    expect(h.coordinator.parkedPolls()).toBe(1);
    await h.pipeline(planOf(['a'], [job('mine', { stage: 'a', tags: ['a'] })]));
    const got = await parked;
    expect(got.kind === 'job' && got.claimed.job.name).toBe('mine');
    await base.close();
  });

  test('a parked poll returns none with the version at the end of the hold, or on abort', async () => {
    h = await createHarness();
    const r = await h.runner();
    const first = await h.coordinator.requestJob({ runner: r, holdMs: 0, signal: never });
    const lastUpdate = (first as { lastUpdate: string }).lastUpdate;
    const timed = await h.coordinator.requestJob({ runner: r, lastUpdate, holdMs: 20, signal: never });
    expect(timed).toEqual({ kind: 'none', lastUpdate });
    const ac = new AbortController();
    const p = h.coordinator.requestJob({ runner: r, lastUpdate, holdMs: 60_000, signal: ac.signal });
    ac.abort();
    expect((await p).kind).toBe('none');
    expect(h.coordinator.parkedPolls()).toBe(0);
  });

  test('the version changes when a matching job becomes pending, so the next poll claims', async () => {
    h = await createHarness();
    const r: Runner = await h.runner();
    const first = (await h.coordinator.requestJob({ runner: r, holdMs: 0, signal: never })) as { lastUpdate: string };
    await h.pipeline(planOf(['a'], [job('x', { stage: 'a' })]));
    const next = await h.coordinator.requestJob({ runner: r, lastUpdate: first.lastUpdate, holdMs: 0, signal: never });
    expect(next.kind).toBe('job');
  });
});

describe('bursts', () => {
  test('a burst of jobs is drained by parked polls of the class, one wake-up per job plus the baton', async () => {
    h = await createHarness();
    const runners = await Promise.all(Array.from({ length: 5 }, () => h.runner({ tags: ['b'], runUntagged: false })));
    const first = (await h.coordinator.requestJob({ runner: runners[0], holdMs: 0, signal: never })) as { lastUpdate: string };
    const polls = runners.map((runner) => h.coordinator.requestJob({ runner, lastUpdate: first.lastUpdate, holdMs: 300, signal: never }));
    await new Promise((r) => setImmediate(r));
    expect(h.coordinator.parkedPolls()).toBe(5);
    await h.pipeline(planOf(['a'], [job('x', { stage: 'a', tags: ['b'] }), job('y', { stage: 'a', tags: ['b'] }), job('z', { stage: 'a', tags: ['b'] })]));
    const results = await Promise.all(polls);
    expect(results.filter((r) => r.kind === 'job').length).toBe(3);
  });

  test('a burst of claims on a new pipeline: each job once; the pipeline starts once and is read once per batch', async () => {
    const dir = (await import('node:os')).tmpdir();
    const base = await openStore({ kind: 'sqlite', path: path.join(dir, `gcd-burst-${process.pid}-${Date.now()}.db`) });
    const calls = { lock: 0, byId: 0 };
    const pipelines = base.pipelines;
    const store: Store = {
      ...base,
      pipelines: { ...pipelines, lock: (id) => (calls.lock++, pipelines.lock(id)), byId: (id) => (calls.byId++, pipelines.byId(id)) },
      transaction: (fn) => base.transaction((tx) => fn({ ...tx, pipelines: { ...tx.pipelines, lock: (id) => (calls.lock++, tx.pipelines.lock(id)) } })),
    };
    h = await createHarness({ store });
    const runners = await Promise.all(Array.from({ length: 20 }, () => h.runner()));
    const id = await h.pipeline(planOf(['a'], Array.from({ length: 20 }, (_, i) => job(`j${i}`, { stage: 'a' }))));
    const events: string[] = [];
    h.coordinator.subscribe((e) => void (e.type === 'pipeline' && e.pipeline.id === id && events.push(e.pipeline.status)));
    Object.assign(calls, { lock: 0, byId: 0 });
    const got = await Promise.all(runners.map((runner) => h.claim(runner)));
    expect({ ...calls }).toEqual({ lock: 1, byId: 1 }); // before: one read per claim
    expect(new Set(got.map((c) => c!.job.id)).size).toBe(20);
    const p = (await h.coordinator.read.pipeline(id))!.pipeline;
    expect([p.status, p.startedAt !== null]).toEqual(['running', true]);
    expect(events).toEqual(['running']);
    await base.close();
  });

  test('an aborted poll never takes a job', async () => {
    h = await createHarness();
    const r = await h.runner();
    const first = (await h.coordinator.requestJob({ runner: r, holdMs: 0, signal: never })) as { lastUpdate: string };
    const ac = new AbortController();
    const p = h.coordinator.requestJob({ runner: r, lastUpdate: first.lastUpdate, holdMs: 30_000, signal: ac.signal });
    ac.abort();
    const id = await h.pipeline(planOf(['a'], [job('x', { stage: 'a' })]));
    expect((await p).kind).toBe('none');
    expect(await h.statuses(id)).toEqual({ x: 'pending' });
  });
});

describe('stuck pending jobs', () => {
  test('a pending job is stuck while no online, unpaused runner can take it', async () => {
    h = await createHarness();
    const id = await h.pipeline(planOf(['a'], [job('gpu', { stage: 'a', tags: ['gpu'] }), job('plain', { stage: 'a' })]));
    const gpu = (await h.jobNamed(id, 'gpu')).id;
    const plain = (await h.jobNamed(id, 'plain')).id;
    expect((await h.coordinator.stuckPendingJobs()).sort()).toEqual([gpu, plain].sort());
    const r = await h.runner({ tags: [], runUntagged: true });
    await h.coordinator.recordRunnerContact(r, { systemId: 's1' });
    expect(await h.coordinator.stuckPendingJobs()).toEqual([gpu]);
    const g = await h.runner({ tags: ['gpu'], runUntagged: false, paused: true });
    await h.coordinator.recordRunnerContact(g, { systemId: 's2' });
    expect(await h.coordinator.stuckPendingJobs()).toEqual([gpu]);
  });
});
