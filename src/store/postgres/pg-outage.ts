// PostgreSQL outages (restart, failover, network cut) as the `unavailable` AppError (503 with
// Retry-After at every HTTP edge), never a 500 and never a crash.
//
// - Every pooled client gets an 'error' listener for its whole life: pg-pool listens only while a
//   client is idle, and a client that is checked out (in a transaction, between two statements)
//   when the server goes away emits 'error' (57P01, "Connection terminated unexpectedly"), which
//   would otherwise kill the process. The dead client is not queryable any more; the pool drops
//   it on release and opens a fresh one on the next checkout.
// - The kysely driver is wrapped so that connection-level errors of any step (checkout, statement,
//   BEGIN/COMMIT/ROLLBACK) surface as `unavailable`; every other error (constraint, deadlock 40P01,
//   serialization 40001…) passes unchanged, so the engine's own retries still see their codes.
import type pg from 'pg';
import { PostgresDialect, type DatabaseConnection, type Driver, type PostgresDialectConfig } from 'kysely';
import { AppError, unavailable } from '../../util/errors.js';

/** SQLSTATEs of a server going away or not there yet: class 08 (connection exception) and these. */
const OUTAGE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '58030']);
const OUTAGE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const OUTAGE_MESSAGES = [
  /connection terminated/i,
  /not queryable/i,
  /terminating connection/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /timeout exceeded when trying to connect/i,
  /client was closed and is not queryable/i,
];

/** True for errors that mean "the database is unreachable right now", not "this statement is wrong". */
export function isPgOutage(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (OUTAGE_STATES.has(code) || code.startsWith('08') || OUTAGE_ERRNOS.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return false; // any other SQLSTATE is the statement's own error
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && OUTAGE_MESSAGES.some((re) => re.test(message))) return true;
  // AggregateError (connect to several addresses) and wrapped causes.
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.some(isPgOutage)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isPgOutage(cause);
}

function translate(error: unknown): unknown {
  if (error instanceof AppError || !isPgOutage(error)) return error;
  return unavailable('the database is unavailable, try again shortly', { retryAfterSeconds: 1, cause: error });
}

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translate(error);
  }
}

class GuardedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}
  executeQuery: DatabaseConnection['executeQuery'] = (query) => guard(() => this.inner.executeQuery(query));
  async *streamQuery<R>(...args: Parameters<DatabaseConnection['streamQuery']>): AsyncIterableIterator<import('kysely').QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(...args);
    } catch (error) {
      throw translate(error);
    }
  }
}

const innerOf = (connection: DatabaseConnection) => (connection instanceof GuardedConnection ? connection.inner : connection);

class GuardedDriver implements Driver {
  constructor(private readonly inner: Driver) {}
  init = () => guard(() => this.inner.init());
  acquireConnection = () => guard(async () => new GuardedConnection(await this.inner.acquireConnection()));
  beginTransaction: Driver['beginTransaction'] = (c, settings) => guard(() => this.inner.beginTransaction(innerOf(c), settings));
  commitTransaction: Driver['commitTransaction'] = (c) => guard(() => this.inner.commitTransaction(innerOf(c)));
  rollbackTransaction: Driver['rollbackTransaction'] = (c) => guard(() => this.inner.rollbackTransaction(innerOf(c)));
  savepoint: NonNullable<Driver['savepoint']> = (c, name, compile) => guard(() => this.inner.savepoint!(innerOf(c), name, compile));
  rollbackToSavepoint: NonNullable<Driver['rollbackToSavepoint']> = (c, name, compile) => guard(() => this.inner.rollbackToSavepoint!(innerOf(c), name, compile));
  releaseSavepoint: NonNullable<Driver['releaseSavepoint']> = (c, name, compile) => guard(() => this.inner.releaseSavepoint!(innerOf(c), name, compile));
  releaseConnection: Driver['releaseConnection'] = (c) => this.inner.releaseConnection(innerOf(c));
  destroy = () => this.inner.destroy();
}

/** PostgresDialect whose driver reports outages as `unavailable` (see the header). */
export class OutageAwarePostgresDialect extends PostgresDialect {
  constructor(config: PostgresDialectConfig & { pool: pg.Pool }) {
    config.pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    config.pool.on('error', () => {});
    super(config);
  }
  override createDriver(): Driver {
    return new GuardedDriver(super.createDriver());
  }
}
