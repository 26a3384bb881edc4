// A private PostgreSQL cluster for fault tests that stop and start the database under load: its
// own data directory (initdb) and its own free port, run as the `postgres` user (initdb refuses
// root) with `pg_ctl` from /usr/lib/postgresql/*/bin. The machine's shared PostgreSQL (5432) is
// never touched. `available()` tells whether initdb is there (the test skips visibly if not,
// unless GCD_REQUIRE_POSTGRES=1, then it fails).
//
// Lifecycle: init (initdb, start, CREATE DATABASE) -> started <-> stopped (stop fast|immediate,
// start) -> destroyed (stop immediate, remove the directory).
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './dispatcher-process.js';

const run = promisify(execFile);

/** Directory of initdb/pg_ctl (newest major first), or null. */
export function pgBinDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const majors = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  for (const m of majors) if (existsSync(path.join(base, m, 'bin', 'initdb'))) return path.join(base, m, 'bin');
  return null;
}

/** True when a private cluster can be made; false (with a visible message) or throws per GCD_REQUIRE_POSTGRES. */
export function privateClusterAvailable(what: string): boolean {
  const why = !pgBinDir() ? 'initdb not found under /usr/lib/postgresql/*/bin' : process.getuid?.() !== 0 ? 'not root (cannot run initdb as postgres)' : null;
  if (!why) return true;
  if (process.env.GCD_REQUIRE_POSTGRES === '1') throw new Error(`${what}: PostgreSQL is required (GCD_REQUIRE_POSTGRES=1) but ${why}`);
  console.warn(`[skip] ${what}: ${why}`);
  return false;
}

export interface PgCluster {
  port: number;
  /** postgres:// URL of the test database. */
  url: string;
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
  /** Runs a query on the test database (a fresh connection each time). */
  query<R extends pg.QueryResultRow>(text: string): Promise<R[]>;
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error('initdb not found');
  const dir = mkdtempSync(path.join(tmpdir(), 'gcd-pgc-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const port = await freePort();
  const asPostgres = (cmd: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { cwd: dir, timeout: 60_000 });
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100`;
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '30', 'start']);
  };
  const stop = async (mode: 'fast' | 'immediate') => {
    await asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
  };
  await start();
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query('CREATE DATABASE gcd');
  await admin.end();
  const url = `postgresql://postgres@127.0.0.1:${port}/gcd`;
  return {
    port,
    url,
    start,
    stop,
    async query<R extends pg.QueryResultRow>(text: string) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query<R>(text)).rows;
      } finally {
        await c.end();
      }
    },
    async destroy() {
      await stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function idOf(flag: '-u' | '-g', name: string): number {
  return Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
}
const uidOf = (name: string) => idOf('-u', name);
const gidOf = (name: string) => idOf('-g', name);
