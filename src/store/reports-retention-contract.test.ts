// TestReportsPort and RetentionPort contract, on SQLite and on PostgreSQL (skipped with a message when PostgreSQL is
// not reachable, required with GCD_REQUIRE_POSTGRES=1).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestCase } from '../engine/test-report.js';
import type { Store } from './ports.js';
import { newJob, seedPipeline } from './store-contract.test-suite.js';
import { CONTRACT_KEY } from './secrets-contract.test-suite.js';
import { openSqliteStore } from './sqlite/open-sqlite.js';
import { openPostgresStore } from './postgres/open-postgres.js';
import { createPgDatabase, requirePostgres } from './test-support/pg-database.js';

const tc = (name: string, over: Partial<TestCase> = {}): TestCase => ({
  status: 'success',
  name,
  classname: 'c',
  file: null,
  executionTime: 0.5,
  systemOutput: null,
  stackTrace: null,
  ...over,
});

function contract(name: string, open: () => Promise<{ store: Store; dispose: () => Promise<void> }>) {
  describe(`test reports contract: ${name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ store, dispose } = await open());
    });
    afterAll(async () => {
      await store?.close();
      await dispose?.();
    });

    test('stores cases in order and counts per job; a new upload replaces the old one', async () => {
      const { project, pipeline } = await seedPipeline(store, `tr/${name}`);
      const [a, b] = await store.jobs.insertMany([newJob(pipeline.id, project.id, 'a'), newJob(pipeline.id, project.id, 'b')]);
      const r = store.testReports;
      const long = 'é'.repeat(70_000);
      await r.insertCases(a!.id, 0, Array.from({ length: 150 }, (_, i) => tc(`t${i}`)));
      await r.insertCases(a!.id, 150, [tc('fails', { status: 'failed', systemOutput: long, file: 'x.js', executionTime: 1.25 })]);
      await r.setSummary({ jobId: a!.id, pipelineId: pipeline.id, total: 151, success: 150, failed: 1, skipped: 0, error: 0, time: 76.25, suiteError: null });
      await r.setSummary({ jobId: b!.id, pipelineId: pipeline.id, total: 0, success: 0, failed: 0, skipped: 0, error: 0, time: 0, suiteError: 'JUnit XML parsing failed: x' });
      const cases = await r.cases([a!.id, b!.id]);
      expect(cases).toHaveLength(151);
      expect(cases[0]).toEqual({ jobId: a!.id, ...tc('t0') });
      expect(cases[150]).toEqual({ jobId: a!.id, ...tc('fails', { status: 'failed', systemOutput: long, file: 'x.js', executionTime: 1.25 }) });
      expect(await r.cases([a!.id], { limit: 2 })).toHaveLength(2);
      expect(await r.summaries(pipeline.id)).toEqual([
        { jobId: a!.id, pipelineId: pipeline.id, total: 151, success: 150, failed: 1, skipped: 0, error: 0, time: 76.25, suiteError: null },
        { jobId: b!.id, pipelineId: pipeline.id, total: 0, success: 0, failed: 0, skipped: 0, error: 0, time: 0, suiteError: 'JUnit XML parsing failed: x' },
      ]);
      await r.clear(a!.id);
      await r.insertCases(a!.id, 0, [tc('again')]);
      await r.setSummary({ jobId: a!.id, pipelineId: pipeline.id, total: 1, success: 1, failed: 0, skipped: 0, error: 0, time: 0.5, suiteError: null });
      expect((await r.cases([a!.id])).map((c) => c.name)).toEqual(['again']);
      expect((await r.summaries(pipeline.id))[0]!.total).toBe(1);
      expect(await r.cases([])).toEqual([]);
    });

    test('search: pipeline filters, sorts and capped counts; job lists without bridges or retried attempts', async () => {
      const { project, pipeline: first } = await seedPipeline(store, `search/${name}`);
      const add = async (over: Record<string, unknown>) =>
        store.pipelines.insert({
          ...first,
          iid: await store.projects.nextPipelineIid(project.id),
          createdAt: '2026-01-01T00:00:00.000Z',
          ...over,
        } as never);
      const tag = await add({ ref: 'v1.0', isTag: true, status: 'success', source: 'api', finishedAt: '2099-03-01T00:00:00.000Z' });
      const by = await add({ status: 'failed', commit: { authorName: 'A', authorEmail: 'a@x', timestamp: '2026-01-01T00:00:00Z', tagMessage: '', user: { id: 7, login: 'al_ice', name: 'Alice', email: 'a@x' } } });
      await add({ status: 'failed', commit: { authorName: 'B', authorEmail: 'b@x', timestamp: '2026-01-01T00:00:00Z', tagMessage: '', user: { id: 8, login: 'alXice', name: 'B', email: 'b@x' } } });
      const ids = async (q: Partial<Parameters<Store['search']['pipelines']>[0]>, page = { offset: 0, limit: 50 }) =>
        (await store.search.pipelines({ projectId: project.id, ...q }, page)).map((p) => p.id);
      const all = await ids({});
      expect(all).toHaveLength(4);
      expect(all).toEqual([...all].sort((a, b) => b - a));
      expect(await ids({ sort: 'asc' })).toEqual([...all].reverse());
      expect(await ids({ tag: true })).toEqual([tag.id]);
      expect(await ids({ statuses: ['success'], source: 'api', ref: 'v1.0' })).toEqual([tag.id]);
      expect(await ids({ sha: first.sha, statuses: ['created'] })).toEqual([first.id]);
      // LIKE wildcards in a username are literal
      expect(await ids({ username: 'al_ice' })).toEqual([by.id]);
      expect(await ids({ updatedAfter: '2099-02-01T00:00:00.000Z' })).toEqual([tag.id]);
      expect(await ids({ updatedBefore: '2099-02-01T00:00:00.000Z', orderBy: 'updated_at' })).not.toContain(tag.id);
      expect((await ids({ orderBy: 'updated_at' }))[0]).toBe(tag.id);
      expect(await ids({}, { offset: 1, limit: 2 })).toEqual(all.slice(1, 3));
      expect(await ids({ afterId: all[1] })).toEqual(all.slice(2));
      expect(await store.search.countPipelines({ projectId: project.id }, 1000)).toBe(4);
      expect(await store.search.countPipelines({ projectId: project.id }, 2)).toBe(2);
      expect(await store.search.countPipelines({ projectId: project.id, statuses: ['failed'] }, 1000)).toBe(2);

      const bridgeSpec = { ...newJob(first.id, project.id, 'x').spec, trigger: { include: [], project: null, branch: null, strategy: null, forward: { yamlVariables: true, pipelineVariables: false } } };
      const [a, b, old] = await store.jobs.insertMany([
        newJob(first.id, project.id, 'a', { status: 'success' }),
        newJob(first.id, project.id, 'bridge', { spec: bridgeSpec as never }),
        newJob(first.id, project.id, 'a', { status: 'failed', retried: true }),
      ]);
      const jobIds = async (q: Partial<Parameters<Store['search']['jobs']>[0]>) => (await store.search.jobs({ pipelineId: first.id, ...q }, { offset: 0, limit: 50 })).map((j) => j.id);
      expect(await jobIds({ bridges: false })).toEqual([a!.id]);
      expect(await jobIds({ bridges: true })).toEqual([b!.id]);
      expect(await jobIds({ includeRetried: true, sort: 'asc' })).toEqual([a!.id, b!.id, old!.id]);
      expect(await jobIds({ statuses: ['success', 'failed'], includeRetried: true })).toEqual([old!.id, a!.id]);
      expect(await store.search.countJobs({ projectId: project.id, includeRetried: true }, 100)).toBe(3);
    });

    test('retention: erase, keep and delete remove every row of the jobs', async () => {
      const { project, pipeline } = await seedPipeline(store, `ret/${name}`);
      const [a, b] = await store.jobs.insertMany([newJob(pipeline.id, project.id, 'a'), newJob(pipeline.id, project.id, 'b')]);
      await store.edges.insertMany([{ jobId: b!.id, needsJobId: a!.id, explicit: true, artifacts: true, optional: false }]);
      await store.queue.enqueue({ jobId: a!.id, projectId: project.id, protected: false, tags: ['t'], features: 0 });
      const art = (jobId: number, key: string) =>
        store.artifacts.insert({ jobId, pipelineId: pipeline.id, fileType: 'archive', fileFormat: 'zip', filename: 'a.zip', size: 1, storageKey: key, sha256: 's', expireAt: '2030-01-01T00:00:00.000Z', createdAt: new Date().toISOString() });
      await art(a!.id, 'ka');
      await art(b!.id, 'kb');
      await store.testReports.insertCases(a!.id, 0, [tc('x')]);
      await store.testReports.setSummary({ jobId: a!.id, pipelineId: pipeline.id, total: 1, success: 1, failed: 0, skipped: 0, error: 0, time: 0.5, suiteError: null });
      await store.artifacts.setDotenv(a!.id, [{ key: 'K', value: 'V' }]);

      expect((await store.artifacts.keep(b!.id)).length).toBe(1);
      expect((await store.artifacts.byJob(b!.id))[0]!.expireAt).toBeNull();
      expect(await store.retention.eraseJob(b!.id, '2026-01-01T00:00:00.000Z')).toEqual({ storageKeys: ['kb'] });
      expect(await store.artifacts.byJob(b!.id)).toEqual([]);
      expect(await store.retention.erasedAt([a!.id, b!.id])).toEqual(new Map([[b!.id, '2026-01-01T00:00:00.000Z']]));

      const out = await store.transaction((tx) => tx.retention.deletePipelines([pipeline.id]));
      expect(out.jobIds.sort()).toEqual([a!.id, b!.id].sort());
      expect(out.storageKeys).toEqual(['ka']);
      expect(await store.pipelines.byId(pipeline.id)).toBeNull();
      expect(await store.jobs.byPipeline(pipeline.id)).toEqual([]);
      expect(await store.edges.byPipeline(pipeline.id)).toEqual([]);
      expect((await store.queue.list(100)).map((e) => e.jobId)).not.toContain(a!.id);
      expect(await store.testReports.summaries(pipeline.id)).toEqual([]);
      expect(await store.testReports.cases([a!.id])).toEqual([]);
      expect((await store.artifacts.dotenv([a!.id])).size).toBe(0);
      expect(await store.retention.erasedAt([b!.id])).toEqual(new Map());
      expect(await store.retention.deletePipelines([])).toEqual({ jobIds: [], storageKeys: [] });
    });
  });
}

contract('sqlite', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-tr-'));
  const store = await openSqliteStore({ path: path.join(dir, 'db.sqlite'), secretKey: CONTRACT_KEY });
  return { store, dispose: () => rm(dir, { recursive: true, force: true }) };
});

if (await requirePostgres('test reports contract (postgres)')) {
  contract('postgres', async () => {
    const db = await createPgDatabase();
    const store = await openPostgresStore({ url: db.url, secretKey: CONTRACT_KEY });
    return { store, dispose: () => db.drop() };
  });
} else {
  describe.skip('test reports contract: postgres (PostgreSQL not reachable)', () => test('skipped', () => {}));
}
