// Opens the configured store and runs pending migrations.
import { openPostgresStore } from './postgres/open-postgres.js';
import type { Store } from './ports.js';
import { openSqliteStore } from './sqlite/open-sqlite.js';

export type StoreOptions = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; poolSize?: number };

export async function openStore(opts: StoreOptions): Promise<Store> {
  return opts.kind === 'sqlite' ? openSqliteStore({ path: opts.path }) : openPostgresStore({ url: opts.url, poolSize: opts.poolSize });
}
