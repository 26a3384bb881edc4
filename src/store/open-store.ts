// Opens the configured store and runs pending migrations. The PostgreSQL adapter (and `pg`) is
// loaded only when asked for, so that a SQLite start does not pay for it.
import type { PostgresStoreOptions } from './postgres/open-postgres.js';
import type { Store } from './ports.js';
import { openSqliteStore } from './sqlite/open-sqlite.js';

/** `secretKey` (32 bytes) encrypts secret values at rest; the server always gives one. */
export type StoreOptions = { kind: 'sqlite'; path: string; secretKey?: Buffer } | ({ kind: 'postgres' } & PostgresStoreOptions);

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.kind === 'sqlite') return openSqliteStore({ path: opts.path, secretKey: opts.secretKey });
  const { kind: _kind, ...pg } = opts;
  const { openPostgresStore } = await import('./postgres/open-postgres.js');
  return openPostgresStore(pg);
}
