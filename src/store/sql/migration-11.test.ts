// Migrations 11 and 12 on a database that already holds API tokens (SQLite and PostgreSQL): root
// appears as the administrator and owns the admin tokens; every `user` token gets a user of its
// own; every token keeps working with the `api` scope.
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

const pgAvailable = await requirePostgres('migration 11 on PostgreSQL');
const now = '2026-01-01T00:00:00.000Z';

async function seedVersion10(db: Kysely<Database>): Promise<void> {
  await db
    .insertInto('api_tokens')
    // the columns of version 10 only
    .values([
      { name: 'admin', scope: 'admin', token_hash: 'h-admin', created_at: now },
      { name: 'dev', scope: 'user', token_hash: 'h-dev', created_at: now },
      { name: 'ci', scope: 'user', token_hash: 'h-ci', created_at: now },
    ] as never)
    .execute();
}

async function expectMigrated(store: Store): Promise<void> {
  const root = await store.users.firstAdmin();
  expect(root).toMatchObject({ username: 'root', isAdmin: true });
  expect(root!.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  const admin = await store.tokens.apiTokenByHash('h-admin');
  expect(admin).toMatchObject({ userId: root!.id, scopes: ['api'], revoked: false, expiresAt: null });
  const dev = await store.tokens.apiTokenByHash('h-dev');
  const ci = await store.tokens.apiTokenByHash('h-ci');
  const devUser = await store.users.byId(dev!.userId!);
  const ciUser = await store.users.byId(ci!.userId!);
  expect(devUser).toMatchObject({ name: 'dev', isAdmin: false, username: `token-${dev!.id}` });
  expect(ciUser).toMatchObject({ name: 'ci', isAdmin: false });
  expect(devUser!.id).not.toBe(ciUser!.id);
  console.log(`[migration-11] ${store.dialect}: root #${root!.id} owns the admin token; user tokens got users ${devUser!.username}, ${ciUser!.username}`);
}

describe('migrations 11-12: users and access tokens on existing data', () => {
  test('sqlite', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-mig11-'));
    const file = path.join(dir, 'db.sqlite');
    try {
      const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new Sqlite(file) }) });
      await migrate(db, 'sqlite', { upTo: 10 });
      await seedVersion10(db);
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
      await migrate(db, 'postgres', { upTo: 10 });
      await seedVersion10(db);
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
