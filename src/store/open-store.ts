// Opens the configured store and runs pending migrations. The PostgreSQL adapter (and `pg`) is
// loaded only when asked for, so that a SQLite start does not pay for it.
import type { PostgresStoreOptions } from './postgres/open-postgres.js';
import type { Store } from './ports.js';
import { openSqliteStore } from './sqlite/open-sqlite.js';

export type StoreOptions = { kind: 'sqlite'; path: string } | ({ kind: 'postgres' } & PostgresStoreOptions);

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.kind === 'sqlite') return openSqliteStore({ path: opts.path });
  const { kind: _kind, ...pg } = opts;
  const { openPostgresStore } = await import('./postgres/open-postgres.js');
  return openPostgresStore(pg);
}
