// SQLite adapter: better-sqlite3 in WAL mode, synchronous=NORMAL, a lock held by another process
// waited for asynchronously (busy-retry-dialect.ts: the event loop never stalls), one connection
// per database file and process (one writer). Opening the same file twice in one process shares
// that connection: better-sqlite3 waits for locks synchronously, so two connections of one
// process would block each other's event loop. Other processes are kept out by SQLite's locks.
import { mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely } from 'kysely';
import { localSignal } from '../local-signal.js';
import type { PendingSignal, Store } from '../ports.js';
import { migrate } from '../sql/migrate.js';
import type { Database } from '../sql/schema.js';
import { sqlStore } from '../sql/sql-store.js';
import { secretsAtRest } from '../sql/secrets-at-rest.js';
import { BUSY_TIMEOUT_MS, BusyRetrySqliteDialect } from './busy-retry-dialect.js';

interface Shared {
  db: Kysely<Database>;
  signal: PendingSignal;
  refs: number;
}

const open = new Map<string, Promise<Shared>>();

function keyOf(file: string): string {
  if (file === ':memory:') return `:memory:${Math.random()}`;
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return path.join(realpathSync(path.dirname(path.resolve(file))), path.basename(file));
}

/**
 * kysely prepares every query anew; better-sqlite3 statements are reusable (execution is
 * synchronous), so keep the most recent ones by SQL text.
 */
function withStatementCache(database: Sqlite.Database, max = 500): Sqlite.Database {
  const cache = new Map<string, Sqlite.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, key, receiver) {
      if (key !== 'prepare') return Reflect.get(target, key, receiver);
      return (source: string) => {
        let st = cache.get(source);
        if (st) {
          cache.delete(source);
        } else {
          st = prepare(source);
          if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        }
        cache.set(source, st);
        return st;
      };
    },
  });
}

async function connect(file: string, lockBudgetMs?: number): Promise<Shared> {
  const database = new Sqlite(file, { timeout: BUSY_TIMEOUT_MS });
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = OFF');
  const db = new Kysely<Database>({ dialect: new BusyRetrySqliteDialect({ database: withStatementCache(database), budgetMs: lockBudgetMs }) });
  try {
    await migrate(db, 'sqlite');
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return { db, signal: localSignal(), refs: 0 };
}

export interface SqliteStoreOptions {
  path: string;
  /** Longest wait for another process's lock before a statement fails with 503 (default 3 s). */
  lockBudgetMs?: number;
  /** 32 bytes that encrypt secret values at rest (none: plaintext, see secrets-at-rest.ts). */
  secretKey?: Buffer;
}

export async function openSqliteStore(opts: SqliteStoreOptions): Promise<Store> {
  const key = keyOf(opts.path);
  let pending = open.get(key);
  if (!pending) {
    pending = connect(key === opts.path || opts.path === ':memory:' ? opts.path : key, opts.lockBudgetMs);
    open.set(key, pending);
    pending.catch(() => open.delete(key));
  }
  const shared = await pending;
  shared.refs++;
  const secrets = await secretsAtRest(shared.db, opts.secretKey).catch(async (e: unknown) => {
    if (--shared.refs === 0 && open.get(key) === pending) {
      open.delete(key);
      await shared.db.destroy();
    }
    throw e;
  });
  let closed = false;
  const store = sqlStore({ db: shared.db, dialect: 'sqlite', secrets, pendingSignal: shared.signal, onClose: async () => {} });
  return {
    ...store,
    async close() {
      if (closed) return;
      closed = true;
      if (--shared.refs > 0) return;
      open.delete(key);
      await shared.db.destroy();
    },
  };
}
