// PostgreSQL adapter: a pg Pool under kysely, migrations under an advisory lock, LISTEN/NOTIFY.
import pg from 'pg';
import { Kysely, sql } from 'kysely';
import type { Store } from '../ports.js';
import { migrate } from '../sql/migrate.js';
import type { Database } from '../sql/schema.js';
import { sqlStore } from '../sql/sql-store.js';
import { secretsAtRest } from '../sql/secrets-at-rest.js';
import { OutageAwarePostgresDialect } from './pg-outage.js';
import { pgSignal } from './pg-signal.js';

// int8 (bigint) columns as JS numbers: sizes stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PostgresStoreOptions {
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /**
   * false = `synchronous_commit = off` for this node's sessions: commits do not wait for the WAL
   * flush (like SQLite's synchronous=NORMAL: a crash of the database host may lose the last
   * commits, never consistency). Default true (durable).
   */
  synchronousCommit?: boolean;
  /** 32 bytes that encrypt secret values at rest (none: plaintext, see secrets-at-rest.ts). */
  secretKey?: Buffer;
}

export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    options: opts.synchronousCommit === false ? '-c synchronous_commit=off' : undefined,
    // A server that accepts TCP but does not answer must not hold requests forever.
    connectionTimeoutMillis: 5000,
  });
  // A restart of PostgreSQL fails the requests in flight with 503 and the pool reconnects.
  const db = new Kysely<Database>({ dialect: new OutageAwarePostgresDialect({ pool }) });
  let secrets;
  try {
    await migrate(db, 'postgres');
    secrets = await secretsAtRest(db, opts.secretKey);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  const signal = pgSignal({
    url: opts.url,
    notify: async (channel, payload) => {
      await sql`SELECT pg_notify(${channel}, ${payload})`.execute(db);
    },
  });
  await signal.start();
  let closed = false;
  return sqlStore({
    db,
    dialect: 'postgres',
    secrets,
    pendingSignal: signal,
    async onClose() {
      if (closed) return;
      closed = true;
      await signal.close();
      await db.destroy();
    },
  });
}
