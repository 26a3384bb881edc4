// Migration 6 on a database that already holds projects, pipelines and queued jobs (SQLite and
// PostgreSQL): every project gets its default branch as a protected-branch rule, pipelines of the
// default branch become protected, tag pipelines do not (no tag rule), and queued jobs follow
// their pipeline, so a ref_protected runner no longer takes a job of a tag pipeline.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { openStore } from '../open-store.js';
import type { Store } from '../ports.js';
import { createPgDatabase, requirePostgres } from '../test-support/pg-database.js';
import { migrate } from './migrate.js';
import type { Database } from './schema.js';

const pgAvailable = await requirePostgres('migration 6 on PostgreSQL');
const now = '2026-01-01T00:00:00.000Z';

/** Rows as version 5 stored them: tag jobs were queued as protected. */
async function seedVersion5(db: Kysely<Database>): Promise<void> {
  await db.insertInto('projects').values([
    { path: 'g/a', name: 'a', default_branch: 'main', created_at: now },
    { path: 'g/b', name: 'b', default_branch: 'develop', created_at: now },
  ]).execute();
  const pipeline = (id: number, projectId: number, ref: string, isTag: boolean) => ({
    id, project_id: projectId, iid: id, ref, is_tag: isTag ? 1 : 0, sha: 'a'.repeat(40), before_sha: '0'.repeat(40), source: 'push',
    status: 'pending', name: null, stages: '["test"]', variables: '[]', commit_message: '', created_at: now, started_at: null, finished_at: null, parent_pipeline_id: null,
  });
  await db.insertInto('pipelines').values([pipeline(1, 1, 'main', false), pipeline(2, 1, 'v1', true), pipeline(3, 1, 'feature', false), pipeline(4, 2, 'develop', false), pipeline(5, 2, 'main', false)]).execute();
  const job = (id: number) => ({
    id, pipeline_id: id, project_id: id <= 3 ? 1 : 2, name: 'j', stage: 'test', stage_index: 0, status: 'pending', spec: '{}', attempt: 0, retried: 0,
    play_variables: '[]', created_at: now, timeout: 3600, trace_size: 0, when_: 'on_success', allow_failure: 0, stage_ordered: 1, interruptible: 0,
  });
  await db.insertInto('jobs').values([1, 2, 3, 4, 5].map(job)).execute();
  // version 5: default branch and tags queued as protected
  await db.insertInto('pending_jobs').values([1, 2, 3, 4, 5].map((id) => ({ job_id: id, project_id: id <= 3 ? 1 : 2, protected: [1, 2, 4].includes(id) ? 1 : 0, tag_count: 0, features: 0 }))).execute();
}

async function expectMigrated(store: Store): Promise<void> {
  expect((await store.protectedRefs.list(1)).map((r) => [r.kind, r.name])).toEqual([['branch', 'main']]);
  expect((await store.protectedRefs.list(2)).map((r) => [r.kind, r.name])).toEqual([['branch', 'develop']]);
  const flags = await Promise.all([1, 2, 3, 4, 5].map(async (id) => (await store.pipelines.byId(id))!.protected));
  expect(flags).toEqual([true, false, false, true, false]);
  expect((await store.queue.list(10)).map((e) => [e.jobId, e.protected])).toEqual([[1, true], [2, false], [3, false], [4, true], [5, false]]);
  console.log(`[migration-6] ${store.dialect}: 2 projects got their default-branch rule; pipeline flags ${JSON.stringify(flags)}; queued tag job no longer protected`);
}

describe('migration 6: protected refs on existing data', () => {
  test('sqlite', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-mig6-'));
    const file = path.join(dir, 'db.sqlite');
    try {
      const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new Sqlite(file) }) });
      await migrate(db, 'sqlite', { upTo: 5 });
      await seedVersion5(db);
      await db.destroy();
      const store = await openStore({ kind: 'sqlite', path: file });
      try {
        await expectMigrated(store);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test.runIf(pgAvailable)('postgres', async () => {
    const database = await createPgDatabase();
    try {
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }) });
      await migrate(db, 'postgres', { upTo: 5 });
      await seedVersion5(db);
      await db.destroy();
      const store = await openStore({ kind: 'postgres', url: database.url });
      try {
        await expectMigrated(store);
      } finally {
        await store.close();
      }
    } finally {
      await database.drop();
    }
  });
});
