// SQLite adapter: better-sqlite3 in WAL mode, one connection (one writer), busy timeout.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { localSignal } from '../local-signal.js';
import type { Store } from '../ports.js';
import { migrate } from '../sql/migrate.js';
import type { Database } from '../sql/schema.js';
import { sqlStore } from '../sql/sql-store.js';

export async function openSqliteStore(opts: { path: string }): Promise<Store> {
  if (opts.path !== ':memory:') mkdirSync(path.dirname(opts.path), { recursive: true });
  const database = new Sqlite(opts.path);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 10000');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = OFF');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  await migrate(db, 'sqlite');
  return sqlStore({ db, dialect: 'sqlite', pendingSignal: localSignal(), onClose: async () => {} });
}
