// SQLite under another process's lock without stalling the event loop.
//
// better-sqlite3 runs statements synchronously: a long busy_timeout blocks the whole process (every
// request) while it waits for the lock. So the connection waits only BUSY_TIMEOUT_MS inside SQLite
// and this driver waits the rest asynchronously:
//   autocommit statement (or BEGIN IMMEDIATE) fails with SQLITE_BUSY / SQLITE_LOCKED
//     -> give the connection up (this process's other queries run meanwhile), sleep with backoff
//        (2 ms doubling to 100 ms), take it again and run the same statement again;
//     -> still busy after `budgetMs`: the `unavailable` AppError (503, Retry-After).
//   a statement inside a transaction fails busy -> `unavailable` at once; the caller rolls back.
// Transactions begin IMMEDIATE: BEGIN itself takes (or waits for) the write lock, so statements
// inside never meet a lock and no half-done transaction is ever run again. Only whole statements
// that ran nothing (a failed BEGIN, a failed autocommit statement) are retried.
// Apart from that this is kysely's SqliteDriver: one connection, handed out under a mutex.
import type Sqlite from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
} from 'kysely';
import { unavailable } from '../../util/errors.js';

/** What better-sqlite3 may wait inside one call (blocking the event loop), in ms. */
export const BUSY_TIMEOUT_MS = 5;

export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

class Mutex {
  private held = false;
  private readonly waiters: (() => void)[] = [];
  async lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  unlock(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Prepared statements by SQL text, per connection: kysely compiles the same few hundred query
 * shapes over and over, and preparing one again cost more than running it (a claim or a finish
 * is a dozen small statements). Bounded, least recently used out first; SQLite re-prepares a
 * cached statement by itself after a schema change.
 */
const STATEMENT_CACHE_SIZE = 1000;
const statementCaches = new WeakMap<Sqlite.Database, Map<string, Sqlite.Statement>>();

function prepared(db: Sqlite.Database, sqlText: string): Sqlite.Statement {
  let cache = statementCaches.get(db);
  if (!cache) statementCaches.set(db, (cache = new Map()));
  let statement = cache.get(sqlText);
  if (statement) {
    cache.delete(sqlText);
  } else {
    statement = db.prepare(sqlText);
    if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(sqlText, statement);
  return statement;
}

function run<R>(db: Sqlite.Database, query: CompiledQuery): QueryResult<R> {
  const statement = prepared(db, query.sql);
  const parameters = query.parameters as unknown[];
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

class BusyRetryDriver implements Driver {
  private readonly mutex = new Mutex();
  private db: Sqlite.Database | null = null;
  private connection: DatabaseConnection | null = null;

  constructor(
    private readonly database: Sqlite.Database,
    private readonly budgetMs: number,
  ) {}

  async init(): Promise<void> {
    this.db = this.database;
    const db = this.db;
    this.connection = {
      executeQuery: <R>(query: CompiledQuery) => this.execute<R>(db, query),
      // eslint-disable-next-line require-yield
      streamQuery: async function* () {
        throw new Error('streaming queries are not used with SQLite here');
      },
    };
  }

  /** Runs `query`; an autocommit statement meeting a lock is run again later (see the header). */
  private async execute<R>(db: Sqlite.Database, query: CompiledQuery): Promise<QueryResult<R>> {
    const retriable = !db.inTransaction;
    const deadline = Date.now() + this.budgetMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return run<R>(db, query);
      } catch (error) {
        if (!isSqliteBusy(error)) throw error;
        if (!retriable || Date.now() >= deadline) {
          throw unavailable('the database is locked by another process, try again shortly', { retryAfterSeconds: 1, cause: error });
        }
      }
      // Nothing of this statement ran: let the other queries of this process go first.
      this.mutex.unlock();
      try {
        await sleep(Math.min(100, 2 * 2 ** attempt, Math.max(1, deadline - Date.now())));
      } finally {
        await this.mutex.lock();
      }
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock();
    return this.connection!;
  }
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.db?.inTransaction) await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async releaseConnection(): Promise<void> {
    this.mutex.unlock();
  }
  async destroy(): Promise<void> {
    this.db?.close();
    this.db = null;
  }
}

/** SqliteDialect over BusyRetryDriver; `budgetMs` is the longest wait for a lock (default 3 s). */
export class BusyRetrySqliteDialect extends SqliteDialect {
  constructor(
    private readonly options: { database: Sqlite.Database; budgetMs?: number },
  ) {
    super({ database: options.database } satisfies SqliteDialectConfig);
  }
  override createDriver(): Driver {
    return new BusyRetryDriver(this.options.database, this.options.budgetMs ?? 3000);
  }
}
