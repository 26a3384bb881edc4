// Opens the configured store and runs pending migrations.
import { openPostgresStore, type PostgresStoreOptions } from './postgres/open-postgres.js';
import type { Store } from './ports.js';
import { openSqliteStore } from './sqlite/open-sqlite.js';

export type StoreOptions = { kind: 'sqlite'; path: string } | ({ kind: 'postgres' } & PostgresStoreOptions);

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.kind === 'sqlite') return openSqliteStore({ path: opts.path });
  const { kind: _kind, ...pg } = opts;
  return openPostgresStore(pg);
}
