// Test helper: a throwaway PostgreSQL database per test run (CREATE DATABASE gcd_<random> through
// the `test` database; DROP … WITH (FORCE) afterwards), and the skip/require rule:
// unreachable PostgreSQL skips with a visible message unless GCD_REQUIRE_POSTGRES=1.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.GCD_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/** True when PG tests should run; throws when they must run and cannot. */
export async function requirePostgres(what: string): Promise<boolean> {
  if (await pgReachable()) return true;
  if (process.env.GCD_REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL is required (GCD_REQUIRE_POSTGRES=1) but ${PG_ADMIN_URL} is not reachable`);
  console.warn(`[skip] ${what}: PostgreSQL not reachable at ${PG_ADMIN_URL}`);
  return false;
}

export interface PgDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createPgDatabase(prefix = 'gcd'): Promise<PgDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
