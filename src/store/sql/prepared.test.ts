import Sqlite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { createPgDatabase, requirePostgres, type PgDatabase } from '../test-support/pg-database.js';
import { runPrepared } from './prepared.js';

interface Db {
  items: { id: number; name: string; kind: string; n: number };
}

function describePrepared(name: string, open: () => Promise<Kysely<Db>>) {
  describe(`runPrepared (${name})`, () => {
    let db: Kysely<Db>;
    afterAll(async () => db?.destroy());

    test('one shape per key runs with each call\'s arguments, lists and constants included', async () => {
      db = await open();
      await sql`CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, kind text NOT NULL, n integer NOT NULL)`.execute(db);
      await db.insertInto('items').values([
        { id: 1, name: 'a', kind: 'x', n: 1 },
        { id: 2, name: 'b', kind: 'x', n: 2 },
        { id: 3, name: 'c', kind: 'y', n: 3 },
      ]).execute();
      let builds = 0;
      const byIds = (ids: number[]) =>
        runPrepared(db, `items.byIds:${ids.length}`, [ids, 'x'], (p) => {
          builds++;
          // `kind` comes in as an argument, `n > 0` is the builder's own constant
          return db.selectFrom('items').select(['id', 'name']).where('id', 'in', p.list(0, ids.length)).where('kind', '=', p(1)).where('n', '>', 0).orderBy('id');
        });
      expect(await byIds([1, 3])).toEqual([{ id: 1, name: 'a' }]);
      expect(await byIds([2, 1])).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
      expect(builds).toBe(1);
      expect(await byIds([2])).toEqual([{ id: 2, name: 'b' }]);
      expect(builds).toBe(2);
      // a transaction runs the same shape
      await db.transaction().execute(async (tx) => {
        const rows = await runPrepared(tx, 'items.rename', ['z', 3], (p) => tx.updateTable('items').set({ name: p(0) }).where('id', '=', p(1)).returning(['id', 'name']));
        expect(rows).toEqual([{ id: 3, name: 'z' }]);
      });
      expect(await runPrepared(db, 'items.rename', ['w', 2], () => db.updateTable('items').set({ name: 'never built' }).where('id', '=', 0).returning(['id', 'name']))).toEqual([
        { id: 2, name: 'w' },
      ]);
      expect((await db.selectFrom('items').select('name').orderBy('id').execute()).map((r) => r.name)).toEqual(['a', 'w', 'z']);
    });
  });
}

describePrepared('sqlite', async () => new Kysely<Db>({ dialect: new SqliteDialect({ database: new Sqlite(':memory:') }) }));

let pgDb: PgDatabase | null = null;
if (await requirePostgres('runPrepared (postgres)')) {
  describePrepared('postgres', async () => {
    pgDb = await createPgDatabase();
    return new Kysely<Db>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: pgDb.url, max: 2 }) }) });
  });
  afterAll(async () => pgDb?.drop());
}
