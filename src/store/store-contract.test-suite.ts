// The store contract: one suite every adapter must pass (run by sqlite/sqlite-store.test.ts and
// postgres/postgres-store.test.ts). `fresh()` gives an empty database; `open()` opens a Store on it
// (several open() calls on one database = several nodes/connections).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NewJob, PendingEntry, RunnerMatch, Store } from './ports.js';
import { FEATURE_BITS } from './ports.js';
import { job as planJob } from '../engine/test-support/plan-builder.js';

export interface ContractDatabase {
  open(): Promise<Store>;
  dispose(): Promise<void>;
}

const now = () => new Date().toISOString();

export function newJob(pipelineId: number, projectId: number, name: string, over: Partial<NewJob> = {}): NewJob {
  return {
    pipelineId,
    projectId,
    name,
    stage: 'test',
    stageIndex: 0,
    status: 'created',
    spec: planJob(name, { stageIndex: 0 }),
    attempt: 0,
    retried: false,
    runnerId: null,
    systemId: null,
    failureReason: null,
    exitCode: null,
    playVariables: [],
    createdAt: now(),
    queuedAt: null,
    startedAt: null,
    finishedAt: null,
    scheduledAt: null,
    lastActivityAt: null,
    traceSize: 0,
    deadlineAt: null,
    timeout: 3600,
    ...over,
  };
}

export async function seedPipeline(store: Store, path: string) {
  const project = await store.projects.insert({ path, name: path, defaultBranch: 'main', createdAt: now() });
  const pipeline = await store.pipelines.insert({
    projectId: project.id,
    iid: await store.projects.nextPipelineIid(project.id),
    ref: 'main',
    isTag: false,
    sha: 'f'.repeat(40),
    beforeSha: '0'.repeat(40),
    source: 'push',
    status: 'created',
    name: null,
    stages: ['test'],
    variables: [{ key: 'A', value: '1' }],
    commitMessage: 'msg',
    createdAt: now(),
    startedAt: null,
    finishedAt: null,
    parentPipelineId: null,
    protected: false,
  });
  return { project, pipeline };
}

const entry = (jobId: number, projectId: number, over: Partial<PendingEntry> = {}): PendingEntry => ({ jobId, projectId, protected: false, tags: [], features: 0, ...over });
const ALL = Object.values(FEATURE_BITS).reduce((a, b) => a | b, 0);
const match = (over: Partial<RunnerMatch> = {}): RunnerMatch => ({ runnerId: 1, tags: [], runUntagged: true, projectId: null, protectedOnly: false, features: ALL, ...over });
const assign = (runnerId: number) => ({ runnerId, systemId: 's', tokenHash: `h${runnerId}-${Math.random()}`, startedAt: now(), maximumTimeout: null, defaultTimeout: 3600 });

export function describeStoreContract(name: string, fresh: () => Promise<ContractDatabase>): void {
  describe(`store contract: ${name}`, () => {
    let db: ContractDatabase;
    let store: Store;
    beforeAll(async () => {
      db = await fresh();
      store = await db.open();
    });
    afterAll(async () => {
      await store?.close();
      await db?.dispose();
    });

    test('projects and pipelines', async () => {
      const { project, pipeline } = await seedPipeline(store, 'c/projects');
      expect(await store.projects.byPath('c/projects')).toEqual(project);
      expect(await store.projects.nextPipelineIid(project.id)).toBe(2);
      expect(pipeline).toMatchObject({ iid: 1, isTag: false, variables: [{ key: 'A', value: '1' }], stages: ['test'] });
      await store.pipelines.update(pipeline.id, { status: 'running', startedAt: now() });
      expect((await store.pipelines.byId(pipeline.id))!.status).toBe('running');
      expect((await store.pipelines.list({ projectId: project.id, status: 'running' })).map((p) => p.id)).toEqual([pipeline.id]);
      expect(await store.pipelines.list({ projectId: project.id, ref: 'other' })).toEqual([]);
      expect((await store.pipelines.activeOnRef(project.id, 'main', pipeline.id + 1)).map((p) => p.id)).toEqual([pipeline.id]);
      expect(await store.transaction((tx) => tx.pipelines.lock(pipeline.id))).toMatchObject({ id: pipeline.id });
      await expect(store.projects.insert({ path: 'c/projects', name: 'x', defaultBranch: 'main', createdAt: now() })).rejects.toThrow();
    });

    test('a pipeline failed on its configuration keeps failure_reason and yaml_errors', async () => {
      const { project, pipeline: ok } = await seedPipeline(store, 'c/config-error');
      expect(ok).toMatchObject({ failureReason: null, yamlErrors: null });
      const errors = [{ file: '.gitlab-ci.yml', line: 3, column: 5, message: 'test job: undefined need: ghost' }];
      const failed = await store.pipelines.insert({ ...ok, iid: 2, status: 'failed', stages: [], finishedAt: now(), failureReason: 'config_error', yamlErrors: errors, projectId: project.id });
      expect(await store.pipelines.byId(failed.id)).toMatchObject({ status: 'failed', failureReason: 'config_error', yamlErrors: errors });
    });

    test('jobs: status read and conditional touch', async () => {
      const { project, pipeline } = await seedPipeline(store, 'c/touch');
      const [job] = await store.jobs.insertMany([newJob(pipeline.id, project.id, 'a')]);
      expect(await store.jobs.status(job.id)).toBe('created');
      expect(await store.jobs.status(job.id + 1_000_000)).toBeNull();
      // another status: nothing written, null
      expect(await store.jobs.touch(job.id, ['running', 'canceling'], { lastActivityAt: '2001-01-01T00:00:00.000Z' })).toBeNull();
      expect((await store.jobs.byId(job.id))!.lastActivityAt).toBeNull();
      await store.jobs.transition(job.id, ['created'], { status: 'running' });
      expect(await store.jobs.touch(job.id, ['running', 'canceling'], { lastActivityAt: '2002-02-02T00:00:00.000Z', traceSize: 7 })).toBe('running');
      expect(await store.jobs.byId(job.id)).toMatchObject({ lastActivityAt: '2002-02-02T00:00:00.000Z', traceSize: 7, status: 'running' });
      expect(await store.jobs.activity(job.id)).toEqual({ status: 'running', lastActivityAt: '2002-02-02T00:00:00.000Z' });
      expect(await store.jobs.activity(job.id + 1_000_000)).toBeNull();
      // an empty patch only checks the status
      expect(await store.jobs.touch(job.id, ['running'], {})).toBe('running');
      expect(await store.jobs.touch(job.id, ['pending'], {})).toBeNull();
      expect(await store.jobs.touch(job.id + 1_000_000, ['running'], { traceSize: 1 })).toBeNull();
    });

    test('jobs: insert, conditional transitions, sweeps, token lookup', async () => {
      const { project, pipeline } = await seedPipeline(store, 'c/jobs');
      const jobs = await store.jobs.insertMany([newJob(pipeline.id, project.id, 'a'), newJob(pipeline.id, project.id, 'b'), newJob(pipeline.id, project.id, 'c')]);
      expect(jobs.map((j) => j.name)).toEqual(['a', 'b', 'c']);
      expect(jobs[0].spec.name).toBe('a');
      expect(await store.jobs.transition(jobs[0].id, ['pending'], { status: 'running' })).toBeNull();
      const t = await store.jobs.transition(jobs[0].id, ['created'], { status: 'running', tokenHash: 'hash-a', deadlineAt: '2000-01-01T00:00:00.000Z' });
      expect(t).toMatchObject({ status: 'running', deadlineAt: '2000-01-01T00:00:00.000Z' });
      expect((await store.jobs.byTokenHash('hash-a'))!.id).toBe(jobs[0].id);
      expect((await store.jobs.due('running', 'deadlineAt', now(), 10)).map((j) => j.id)).toEqual([jobs[0].id]);
      const many = await store.jobs.transitionMany([jobs[1].id, jobs[2].id, jobs[0].id], ['created'], { status: 'skipped' });
      expect(many.map((j) => j.name)).toEqual(['b', 'c']);
      // jobs by runner: a page newest first, the total, a status filter
      const runnerId = 900_000 + jobs[0].id;
      for (const j of jobs) await store.jobs.update(j.id, { runnerId });
      expect(await store.jobs.byRunner(runnerId, { offset: 0, limit: 2, desc: true })).toMatchObject({ total: 3, jobs: [{ id: jobs[2].id }, { id: jobs[1].id }] });
      expect((await store.jobs.byRunner(runnerId, { offset: 2, limit: 2, desc: true })).jobs.map((j) => j.id)).toEqual([jobs[0].id]);
      expect(await store.jobs.byRunner(runnerId, { statuses: ['running'], offset: 0, limit: 10, desc: false })).toMatchObject({ total: 1, jobs: [{ id: jobs[0].id }] });
      const lite = await store.jobs.lite(pipeline.id);
      expect(lite.map((j) => [j.name, j.status, j.stageOrdered, j.allowFailure])).toEqual([
        ['a', 'running', true, false],
        ['b', 'skipped', true, false],
        ['c', 'skipped', true, false],
      ]);
      await store.jobs.update(jobs[1].id, { retried: true, playVariables: [{ key: 'X', value: 'y' }], traceSize: 5_000_000_000 });
      const b = await store.jobs.byId(jobs[1].id);
      expect(b).toMatchObject({ retried: true, playVariables: [{ key: 'X', value: 'y' }], traceSize: 5_000_000_000 });
    });

    test('child pipelines: children by parent and name (no page limit), ancestors, hierarchy size', async () => {
      const { project, pipeline: root } = await seedPipeline(store, 'c/children');
      const base = { ...root, status: 'running' as const, name: null as string | null, parentPipelineId: root.id as number | null };
      const child = async (parentId: number, name: string) => store.pipelines.insert({ ...base, iid: await store.projects.nextPipelineIid(project.id), name, parentPipelineId: parentId });
      const kids: Awaited<ReturnType<typeof child>>[] = [];
      for (let i = 0; i < 250; i++) kids.push(await child(root.id, `bridge (child of job #${i})`));
      const grand = await child(kids[3].id, 'g');
      const great = await child(grand.id, 'gg');
      const all = await store.pipelines.children(root.id);
      expect(all.map((p) => p.id)).toEqual(kids.map((p) => p.id));
      expect((await store.pipelines.children(root.id, { name: 'bridge (child of job #230)' })).map((p) => p.id)).toEqual([kids[230].id]);
      expect(await store.pipelines.children(root.id, { name: 'nope' })).toEqual([]);
      expect(await store.pipelines.children(great.id)).toEqual([]);
      const up = await store.pipelines.ancestors(great.id);
      expect(up.map((p) => p.id)).toEqual([great.id, grand.id, kids[3].id, root.id]);
      expect(up[0]).toEqual(great);
      expect(up[3]).toEqual(await store.pipelines.byId(root.id));
      expect((await store.pipelines.ancestors(root.id)).map((p) => p.id)).toEqual([root.id]);
      expect(await store.pipelines.ancestors(99_999_999)).toEqual([]);
      expect(await store.pipelines.hierarchySize(root.id)).toBe(253);
      expect(await store.pipelines.hierarchySize(grand.id)).toBe(2);
      expect(await store.pipelines.hierarchySize(99_999_999)).toBe(0);
      expect(await store.transaction((tx) => tx.pipelines.hierarchySize(kids[3].id))).toBe(3);
    });

    test('running trigger jobs: bridges only, of any pipeline', async () => {
      const { project, pipeline } = await seedPipeline(store, 'c/triggers');
      const trigger = { include: ['x.yml'], project: null, strategy: null, forward: { yamlVariables: true, pipelineVariables: false } };
      const before = (await store.jobs.runningTriggers()).map((j) => j.id);
      const [bridge, done, plain, claimed] = await store.jobs.insertMany([
        newJob(pipeline.id, project.id, 'bridge', { status: 'running', spec: planJob('bridge', { trigger, script: [] }) }),
        newJob(pipeline.id, project.id, 'done', { status: 'success', spec: planJob('done', { trigger, script: [] }) }),
        newJob(pipeline.id, project.id, 'plain', { status: 'running' }),
        newJob(pipeline.id, project.id, 'claimed', { status: 'running', runnerId: 1 }),
      ]);
      const after = (await store.jobs.runningTriggers()).map((j) => j.id).filter((id) => !before.includes(id));
      expect(after).toEqual([bridge.id]);
      expect([done.id, plain.id, claimed.id].some((id) => after.includes(id))).toBe(false);
    });

    test('edges', async () => {
      const { project, pipeline } = await seedPipeline(store, 'c/edges');
      const [a, b, c] = await store.jobs.insertMany(['a', 'b', 'c'].map((n) => newJob(pipeline.id, project.id, n)));
      await store.edges.insertMany([
        { jobId: b.id, needsJobId: a.id, explicit: true, artifacts: true, optional: false },
        { jobId: c.id, needsJobId: a.id, explicit: true, artifacts: false, optional: true },
      ]);
      expect((await store.edges.dependants(a.id)).sort()).toEqual([b.id, c.id].sort());
      expect(await store.edges.needsOf(c.id)).toEqual([{ jobId: c.id, needsJobId: a.id, explicit: true, artifacts: false, optional: true }]);
      expect((await store.edges.byPipeline(pipeline.id)).length).toBe(2);
      const [a2] = await store.jobs.insertMany([newJob(pipeline.id, project.id, 'a', { attempt: 1 })]);
      await store.edges.repoint(a.id, a2.id);
      expect((await store.edges.dependantsOfMany([a2.id])).map((e) => e.jobId).sort()).toEqual([b.id, c.id].sort());
    });

    test('queue: claim matches tags, run_untagged, protected, project and features; caps the timeout', async () => {
      const { project, pipeline } = await seedPipeline(store, 'c/queue');
      const jobs = await store.jobs.insertMany(['tagged', 'plain', 'prot', 'feat'].map((n) => newJob(pipeline.id, project.id, n, { status: 'pending', timeout: 7200 })));
      const [tagged, plain, prot, feat] = jobs;
      await store.queue.enqueue(entry(tagged.id, project.id, { tags: ['docker', 'linux'] }));
      await store.queue.enqueueMany([entry(plain.id, project.id), entry(prot.id, project.id, { protected: true }), entry(feat.id, project.id, { features: FEATURE_BITS.return_exit_code })]);
      expect((await store.queue.list(10)).map((e) => [e.jobId, e.tags.sort()])).toEqual([
        [tagged.id, ['docker', 'linux']],
        [plain.id, []],
        [prot.id, []],
        [feat.id, []],
      ]);
      expect(await store.queue.count()).toBe(4);
      expect(await store.queue.claim(match({ tags: ['docker'], runUntagged: false }), assign(1))).toBeNull();
      expect(await store.queue.claim(match({ projectId: project.id + 1000 }), assign(1))).toBeNull();
      const t = await store.queue.claim(match({ tags: ['linux', 'docker', 'x'], runUntagged: false }), assign(1));
      expect(t).toMatchObject({ id: tagged.id, status: 'running', runnerId: 1, systemId: 's', timeout: 7200 });
      const p = await store.queue.claim(match({ protectedOnly: true, features: 0 }), { ...assign(2), maximumTimeout: 600 });
      expect(p).toMatchObject({ id: prot.id, timeout: 600 });
      const q = await store.queue.claim(match({ features: 0 }), assign(3));
      expect(q!.id).toBe(plain.id);
      expect(await store.queue.claim(match({ features: 0 }), assign(3))).toBeNull();
      expect((await store.queue.claim(match({ projectId: project.id }), assign(4)))!.id).toBe(feat.id);
      expect(await store.queue.list(10)).toEqual([]);
      expect(await store.queue.count()).toBe(0);
    });

    test('jobs counted by status over every pipeline (for /metrics)', async () => {
      const counts = async () => new Map((await store.jobs.countByStatus()).map((r) => [r.status, r.count]));
      const before = await counts();
      const { project, pipeline } = await seedPipeline(store, 'c/count-by-status');
      const { pipeline: other } = await seedPipeline(store, 'c/count-by-status-2');
      await store.jobs.insertMany([
        newJob(pipeline.id, project.id, 'p1', { status: 'pending' }),
        newJob(pipeline.id, project.id, 'p2', { status: 'pending' }),
        newJob(other.id, other.projectId, 'p3', { status: 'pending' }),
        newJob(other.id, other.projectId, 'm', { status: 'manual' }),
      ]);
      const after = await counts();
      expect((after.get('pending') ?? 0) - (before.get('pending') ?? 0)).toBe(3);
      expect((after.get('manual') ?? 0) - (before.get('manual') ?? 0)).toBe(1);
      expect([...after.values()].every((n) => Number.isInteger(n) && n > 0)).toBe(true);
    });

    test('concurrent claims: each its own job, oldest first, with its own runner, token and timeout cap; an aborted one takes nothing', async () => {
      const { project, pipeline } = await seedPipeline(store, 'c/concurrent');
      const jobs = await store.jobs.insertMany(Array.from({ length: 6 }, (_, i) => newJob(pipeline.id, project.id, `j${i}`, { status: 'pending', timeout: 3600 })));
      await store.queue.enqueueMany(jobs.map((j) => entry(j.id, project.id)));
      const startedAt = '2026-03-04T05:06:07.000Z';
      const caps = [null, 60, 'aborted', 7200, 10, null] as const;
      const got = await Promise.all(
        caps.map((cap, i) =>
          store.queue.claim(match({ runnerId: 100 + i, projectId: project.id }), {
            runnerId: 100 + i,
            systemId: `s${i}`,
            tokenHash: `concurrent-${i}`,
            startedAt,
            maximumTimeout: cap === 'aborted' ? null : cap,
            defaultTimeout: 3600,
            signal: cap === 'aborted' ? AbortSignal.abort() : undefined,
          }),
        ),
      );
      expect(got[2]).toBeNull();
      const taken = [0, 1, 3, 4, 5];
      taken.forEach((caller, k) => {
        const cap = caps[caller] as number | null;
        const timeout = Math.min(3600, cap ?? Infinity);
        expect(got[caller]).toMatchObject({
          id: jobs[k].id,
          status: 'running',
          runnerId: 100 + caller,
          systemId: `s${caller}`,
          startedAt,
          timeout,
          deadlineAt: new Date(Date.parse(startedAt) + timeout * 1000).toISOString(),
        });
      });
      for (const [k, caller] of taken.entries()) expect((await store.jobs.byTokenHash(`concurrent-${caller}`))!.id).toBe(jobs[k].id);
      expect((await store.queue.list(100)).filter((e) => e.projectId === project.id).map((e) => e.jobId)).toEqual([jobs[5].id]);
    });

    test('a claim never takes a job that is no longer pending', async () => {
      const { project, pipeline } = await seedPipeline(store, 'c/stale-entry');
      const [j] = await store.jobs.insertMany([newJob(pipeline.id, project.id, 'x', { status: 'pending' })]);
      await store.queue.enqueue(entry(j.id, project.id));
      await store.jobs.update(j.id, { status: 'canceled' });
      expect(await store.queue.claim(match({ projectId: project.id }), assign(1))).toBeNull();
    });

    test('runners, managers, tokens, settings', async () => {
      const r = await store.runners.insert({ tokenHash: 'rh1', tokenKind: 'glrt', description: 'd', tags: ['a'], runUntagged: false, locked: false, paused: false, accessLevel: 'not_protected', maximumTimeout: 100, projectId: null, createdAt: now(), contactedAt: null, tokenExpiresAt: null });
      expect((await store.runners.byTokenHash('rh1'))!.id).toBe(r.id);
      expect(await store.runners.update(r.id, { paused: true, tags: ['b', 'c'], tokenHash: 'rh2' })).toMatchObject({ paused: true, tags: ['b', 'c'] });
      expect(await store.runners.byTokenHash('rh1')).toBeNull();
      const m = { runnerId: r.id, systemId: 's_1', name: 'n', version: '1', revision: 'r', platform: 'linux', architecture: 'amd64', executor: 'shell', shell: 'bash', features: { cancel_gracefully: true }, contactedAt: now() };
      await store.runners.upsertManager(m);
      await store.runners.upsertManager({ ...m, version: '2' });
      expect((await store.runners.managers(r.id)).map((x) => [x.version, x.features])).toEqual([['2', { cancel_gracefully: true }]]);
      expect(await store.runners.deleteManager(r.id, 's_1')).toBe(true);
      await store.runners.delete(r.id);
      expect(await store.runners.byId(r.id)).toBeNull();
      await store.tokens.setSetting('k', 'v1');
      await store.tokens.setSetting('k', 'v2');
      expect(await store.tokens.getSetting('k')).toBe('v2');
      const t = await store.tokens.insertApiToken({ name: 'x', scope: 'user', tokenHash: 'th', createdAt: now() });
      expect(await store.tokens.apiTokenByHash('th')).toEqual(t);
      expect(t).toMatchObject({ scopes: ['api'], userId: null, projectId: null, expiresAt: null, revoked: false });
      expect(await store.tokens.hasApiToken('user')).toBe(true);
    });

    test('users and access tokens: root exists, unique usernames, scopes, project tokens, revocation', async () => {
      const root = await store.users.firstAdmin();
      expect(root).toMatchObject({ username: 'root', isAdmin: true, bot: false, state: 'active' });
      expect(await store.users.byUsername('root')).toEqual(root);
      const u = await store.users.insert({ username: 'c-user', name: 'C User', email: 'c@x', isAdmin: false, bot: false, state: 'active', createdAt: now() });
      expect(u).toMatchObject({ username: 'c-user', isAdmin: false });
      expect(await store.users.insert({ username: 'c-user', name: 'dup', email: 'd@x', isAdmin: false, bot: false, state: 'active', createdAt: now() })).toBeNull();
      expect(await store.users.byId(u!.id)).toEqual(u);
      expect((await store.users.list({ username: 'c-user' })).map((x) => x.id)).toEqual([u!.id]);
      expect((await store.users.list({ search: 'C US' })).map((x) => x.id)).toContain(u!.id);
      expect((await store.users.list({ search: '%' })).map((x) => x.id)).not.toContain(u!.id);
      const pat = await store.tokens.insertApiToken({ name: 'p', scope: 'user', tokenHash: 'c-pat', createdAt: now(), userId: u!.id, scopes: ['read_api', 'read_repository'], expiresAt: '2999-01-01' });
      expect(pat).toMatchObject({ userId: u!.id, scopes: ['read_api', 'read_repository'], projectId: null, expiresAt: '2999-01-01', revoked: false });
      const proj = await store.tokens.insertApiToken({ name: 'q', scope: 'user', tokenHash: 'c-proj', createdAt: now(), userId: u!.id, projectId: 77, accessLevel: 30 });
      expect(proj).toMatchObject({ projectId: 77, accessLevel: 30, scopes: ['api'] });
      expect((await store.tokens.listApiTokens({ userId: u!.id })).map((t) => t.id)).toEqual([pat.id, proj.id]);
      expect((await store.tokens.listApiTokens({ userId: u!.id, projectId: null })).map((t) => t.id)).toEqual([pat.id]);
      expect((await store.tokens.listApiTokens({ projectId: 77 })).map((t) => t.id)).toEqual([proj.id]);
      expect(await store.tokens.revokeApiToken(pat.id)).toBe(true);
      expect(await store.tokens.revokeApiToken(pat.id)).toBe(false);
      expect(await store.tokens.apiTokenByHash('c-pat')).toMatchObject({ revoked: true });
      expect(await store.tokens.apiTokenById(proj.id)).toEqual(proj);
    });

    test('variables, artifacts, dotenv, resource groups', async () => {
      const { project, pipeline } = await seedPipeline(store, 'c/misc');
      await store.variables.upsert({ projectId: project.id, key: 'K', value: '1', masked: true, protected: false, file: false, raw: true });
      await store.variables.upsert({ projectId: project.id, key: 'K', value: '2', masked: true, protected: false, file: false, raw: true });
      await store.variables.upsert({ projectId: null, key: 'K', value: 'inst', masked: false, protected: false, file: true, raw: false });
      expect((await store.variables.list(project.id)).map((v) => [v.key, v.value, v.masked, v.raw])).toEqual([['K', '2', true, true]]);
      expect((await store.variables.list(null)).some((v) => v.value === 'inst' && v.file)).toBe(true);
      // one key per environment scope: a scoped copy stands beside the `*` one
      await store.variables.upsert({ projectId: project.id, key: 'K', value: 'prod', masked: false, protected: false, file: false, raw: false, environmentScope: 'production', description: 'd' });
      await store.variables.upsert({ projectId: project.id, key: 'K', value: 'prod2', masked: false, protected: false, file: false, raw: false, environmentScope: 'production' });
      expect((await store.variables.list(project.id)).map((v) => [v.value, v.environmentScope])).toEqual([['2', '*'], ['prod2', 'production']]);
      await store.variables.delete((await store.variables.list(project.id))[1].id);
      const [j, other] = await store.jobs.insertMany([newJob(pipeline.id, project.id, 'x'), newJob(pipeline.id, project.id, 'y')]);
      expect(await store.artifacts.outputs([j.id, other.id])).toEqual(new Map());
      const a = await store.artifacts.insert({ jobId: j.id, pipelineId: pipeline.id, fileType: 'archive', fileFormat: 'zip', filename: 'a.zip', size: 10, storageKey: 'k', sha256: 's', expireAt: '2000-01-01T00:00:00.000Z', createdAt: now() });
      expect(await store.artifacts.byJobs([j.id])).toEqual([a]);
      const expiredIds = async () => (await store.artifacts.expired(now(), 10)).map((x) => x.id);
      // locked while it is the ref's latest success
      await store.pipelines.update(pipeline.id, { status: 'success' });
      expect(await expiredIds()).not.toContain(a.id);
      const { pipeline: newer } = await seedPipeline(store, 'c/misc-other');
      await store.pipelines.update(newer.id, { status: 'success' });
      // a newer success of another project's ref unlocks nothing
      expect(await expiredIds()).not.toContain(a.id);
      // locked while its pipeline is unfinished, even with a newer success on the same ref
      await store.pipelines.update(pipeline.id, { status: 'running' });
      const { id: _seeded, ...again } = pipeline;
      const sameRef = await store.pipelines.insert({ ...again, iid: await store.projects.nextPipelineIid(project.id), status: 'success' });
      expect(sameRef.id).toBeGreaterThan(pipeline.id);
      expect(await expiredIds()).not.toContain(a.id);
      await store.pipelines.update(pipeline.id, { status: 'success' });
      expect(await expiredIds()).toContain(a.id);
      // "Keep" clears the expiry: the sweep passes it by
      expect((await store.artifacts.keep(j.id)).map((x) => [x.id, x.expireAt])).toEqual([[a.id, null]]);
      expect(await expiredIds()).not.toContain(a.id);
      expect(await store.artifacts.keep(j.id + 1000)).toEqual([]);
      await store.artifacts.removeExpired([a.id], now());
      expect(await store.artifacts.byJobs([j.id])).toEqual([]);
      expect([...(await store.artifacts.removedArchives([j.id, j.id + 1000]))]).toEqual([j.id]);
      await store.artifacts.setDotenv(j.id, [{ key: 'A', value: '1' }, { key: 'B', value: '2' }]);
      expect((await store.artifacts.dotenv([j.id])).get(j.id)).toEqual([{ key: 'A', value: '1' }, { key: 'B', value: '2' }]);
      // outputs: one flag per kind, jobs without any left out
      await store.artifacts.insert({ jobId: other.id, pipelineId: pipeline.id, fileType: 'junit', fileFormat: 'gzip', filename: 'j.xml.gz', size: 1, storageKey: 'k2', sha256: 's', expireAt: null, createdAt: now() });
      expect(await store.artifacts.outputs([j.id, other.id, other.id + 1000])).toEqual(
        new Map([
          [j.id, { artifacts: false, dotenv: true, removedArchive: true }],
          [other.id, { artifacts: true, dotenv: false, removedArchive: false }],
        ]),
      );
      expect(await store.resourceGroups.acquire(project.id, 'prod', 1)).toBe(true);
      expect(await store.resourceGroups.acquire(project.id, 'prod', 2)).toBe(false);
      expect(await store.resourceGroups.acquire(project.id, 'prod', 1)).toBe(true);
      await store.resourceGroups.release(project.id, 'prod', 2);
      expect(await store.resourceGroups.acquire(project.id, 'prod', 2)).toBe(false);
      await store.resourceGroups.release(project.id, 'prod', 1);
      expect(await store.resourceGroups.acquire(project.id, 'prod', 2)).toBe(true);
      await store.resourceGroups.setMode(project.id, 'prod', 'newest_first');
      expect(await store.resourceGroups.mode(project.id, 'prod')).toBe('newest_first');
    });

    test('protected refs: per project and kind, a duplicate is refused without error, delete by name; pipelines keep their flag', async () => {
      const { project } = await seedPipeline(store, 'c/protected');
      const other = await store.projects.insert({ path: 'c/protected-other', name: 'o', defaultBranch: 'main', createdAt: now() });
      const main = await store.protectedRefs.insert({ projectId: project.id, kind: 'branch', name: 'main', createdAt: now() });
      expect(main).toMatchObject({ projectId: project.id, kind: 'branch', name: 'main' });
      expect(await store.protectedRefs.insert({ projectId: project.id, kind: 'branch', name: 'main', createdAt: now() })).toBeNull();
      // same name, other kind or other project: separate rules
      const tag = await store.protectedRefs.insert({ projectId: project.id, kind: 'tag', name: 'main', createdAt: now() });
      expect(tag).not.toBeNull();
      await store.protectedRefs.insert({ projectId: project.id, kind: 'tag', name: 'v*', createdAt: now() });
      await store.protectedRefs.insert({ projectId: other.id, kind: 'branch', name: 'main', createdAt: now() });
      expect((await store.protectedRefs.list(project.id)).map((r) => [r.kind, r.name])).toEqual([['branch', 'main'], ['tag', 'main'], ['tag', 'v*']]);
      expect(await store.protectedRefs.delete(project.id, 'tag', 'main')).toBe(true);
      expect(await store.protectedRefs.delete(project.id, 'tag', 'main')).toBe(false);
      expect(await store.protectedRefs.delete(project.id, 'tag', 'v')).toBe(false); // by exact name, not by pattern
      expect((await store.protectedRefs.list(project.id)).map((r) => [r.kind, r.name])).toEqual([['branch', 'main'], ['tag', 'v*']]);
      expect((await store.protectedRefs.list(other.id)).map((r) => r.name)).toEqual(['main']);
      expect(await store.transaction((tx) => tx.protectedRefs.list(project.id))).toHaveLength(2);

      const base = (await seedPipeline(store, 'c/protected-flag')).pipeline;
      expect(base.protected).toBe(false);
      const { id: _id, ...fields } = base;
      const flagged = await store.pipelines.insert({ ...fields, iid: base.iid + 1, ref: 'v1', isTag: true, protected: true });
      expect(flagged.protected).toBe(true);
      expect((await store.pipelines.byId(flagged.id))!.protected).toBe(true);
      expect((await store.pipelines.byId(base.id))!.protected).toBe(false);
      expect((await store.transaction((tx) => tx.pipelines.lock(flagged.id)))!.protected).toBe(true);
    });

    test('a transaction rolls back as a whole', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.projects.insert({ path: 'c/rollback', name: 'r', defaultBranch: 'main', createdAt: now() });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.projects.byPath('c/rollback')).toBeNull();
    });

    test('migrations: two nodes opening a fresh database at once apply each migration once', async () => {
      const other = await fresh();
      try {
        const stores = await Promise.all([other.open(), other.open(), other.open()]);
        const s = stores[0];
        const p = await s.projects.insert({ path: 'm/x', name: 'x', defaultBranch: 'main', createdAt: now() });
        expect((await stores[2].projects.byId(p.id))!.path).toBe('m/x');
        for (const x of stores) await x.close();
        const again = await other.open();
        expect(await again.projects.byPath('m/x')).not.toBeNull();
        await again.close();
      } finally {
        await other.dispose();
      }
    });

    test('200 concurrent claimers on 10,000 pending jobs: every job assigned exactly once', async () => {
      const other = await fresh();
      const nodes: Store[] = [];
      try {
        for (let i = 0; i < 4; i++) nodes.push(await other.open());
        const s = nodes[0];
        const { project, pipeline } = await seedPipeline(s, 'c/contention');
        const N = 10_000;
        const rows = Array.from({ length: N }, (_, i) => newJob(pipeline.id, project.id, `j${i}`, { status: 'pending' }));
        const jobs = await s.transaction(async (tx) => {
          const inserted = await tx.jobs.insertMany(rows);
          await tx.queue.enqueueMany(inserted.map((j) => entry(j.id, project.id)));
          return inserted;
        });
        const owner = new Map<number, number>();
        let doubles = 0;
        const claimer = async (runnerId: number) => {
          const node = nodes[runnerId % nodes.length];
          for (;;) {
            const j = await node.queue.claim(match({ runnerId }), assign(runnerId));
            if (!j) return;
            if (owner.has(j.id)) doubles++;
            owner.set(j.id, runnerId);
          }
        };
        await Promise.all(Array.from({ length: 200 }, (_, i) => claimer(i + 1)));
        expect(doubles).toBe(0);
        expect(owner.size).toBe(N);
        const stored = await s.jobs.byIds(jobs.map((j) => j.id));
        expect(stored.every((j) => j.status === 'running' && owner.get(j.id) === j.runnerId)).toBe(true);
        expect(await s.queue.list(10)).toEqual([]);
      } finally {
        for (const n of nodes) await n.close();
        await other.dispose();
      }
    });
  });
}
