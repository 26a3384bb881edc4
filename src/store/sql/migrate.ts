// Applies pending numbered migrations. SQLite: inside BEGIN IMMEDIATE (one writer at a time).
// PostgreSQL: under a session advisory lock, so nodes starting at once apply each migration once.
import { sql, type Kysely } from 'kysely';
import { MIGRATIONS, migrationSql, type Dialect } from './migrations.js';
import type { Database } from './schema.js';

const ADVISORY_KEY = 4_242_001;

/** `upTo` stops after that version (tests of a later migration's data changes start there). */
export async function migrate(db: Kysely<Database>, dialect: Dialect, options: { upTo?: number } = {}): Promise<number[]> {
  return db.connection().execute(async (conn) => {
    const applied: number[] = [];
    if (dialect === 'postgres') await sql`SELECT pg_advisory_lock(${ADVISORY_KEY})`.execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at text NOT NULL)`.execute(conn);
      for (const m of MIGRATIONS) {
        if (options.upTo !== undefined && m.version > options.upTo) continue;
        await sql.raw(dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN').execute(conn);
        try {
          const done = await conn.selectFrom('schema_migrations').select('version').where('version', '=', m.version).executeTakeFirst();
          if (!done) {
            for (const statement of [...m.sql, ...(m[dialect] ?? [])]) await sql.raw(migrationSql(statement, dialect)).execute(conn);
            await conn.insertInto('schema_migrations').values({ version: m.version, applied_at: new Date().toISOString() }).execute();
            applied.push(m.version);
          }
          await sql.raw('COMMIT').execute(conn);
        } catch (e) {
          await sql.raw('ROLLBACK').execute(conn);
          throw e;
        }
      }
    } finally {
      if (dialect === 'postgres') await sql`SELECT pg_advisory_unlock(${ADVISORY_KEY})`.execute(conn);
    }
    return applied;
  });
}
