// A throwaway PostgreSQL database for one reliability test (gcd_rel_<random>), dropped afterwards.
// Reachability and the skip/require rule (GCD_REQUIRE_POSTGRES=1) come from the store's helper.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_ADMIN_URL, requirePostgres } from '../../src/store/test-support/pg-database.js';

export { requirePostgres };

export interface ThrowawayDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createThrowawayDatabase(prefix = 'gcd_rel'): Promise<ThrowawayDatabase> {
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
