// Benchmark: GET /api/v4/projects/:id/pipelines?per_page=100 on a project with 100,000 pipelines
// (issue 17), over HTTP against a real server, on SQLite and on PostgreSQL: p50/p99 of the first
// page, of a deep page (page=500), and of a filtered list (status=success&ref=main). The rows are
// seeded with one INSERT … SELECT (recursive CTE / generate_series), not through the API.
//   npx tsx bench/rest-pipelines.ts [pipelines=100000] [requests=200]
//   BENCH_DIALECTS=sqlite,postgres (default both; PostgreSQL skipped when not reachable)
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { startRestServer, type RestServer } from '../src/rest/test-support/rest-server.js';
import { createPgDatabase, pgReachable } from '../src/store/test-support/pg-database.js';

const total = Number(process.argv[2] ?? 100_000);
const requests = Number(process.argv[3] ?? 200);
const dialects = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',');

// status: 1 in 4 failed, else success; refs: main and 9 branches; created 1 minute apart
const SELECT_ROWS = (n: string, projectId: number) => `
  ${projectId}, ${n}, CASE WHEN ${n} % 10 = 0 THEN 'main' ELSE 'feature-' || (${n} % 10) END, 0,
  'f00d' || ${n}, '0000000000000000000000000000000000000000', CASE WHEN ${n} % 3 = 0 THEN 'api' ELSE 'push' END,
  CASE WHEN ${n} % 4 = 0 THEN 'failed' ELSE 'success' END, NULL, '["build","test"]', '[]', 'commit ' || ${n}`;

async function seed(s: RestServer, dialect: string, pgUrl: string | null): Promise<number> {
  const project = await s.server.coordinator.ensureProject('bench/pipelines');
  const cols = `project_id, iid, ref, is_tag, sha, before_sha, source, status, name, stages, variables, commit_message, created_at, started_at, finished_at`;
  if (dialect === 'sqlite') {
    const db = new Sqlite(path.join(s.server.config.dataDir, 'dispatcher.db'));
    db.pragma('busy_timeout = 10000');
    const ts = `strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01', '+' || i || ' minutes')`;
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${total})
      INSERT INTO pipelines (${cols}) SELECT ${SELECT_ROWS('i', project.id)}, ${ts}, ${ts}, ${ts} FROM n`);
    db.exec(`UPDATE projects SET pipeline_seq = ${total} WHERE id = ${project.id}; ANALYZE;`);
    db.close();
  } else {
    const c = new pg.Client({ connectionString: pgUrl! });
    await c.connect();
    const ts = `to_char(timestamp '2025-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    await c.query(`INSERT INTO pipelines (${cols}) SELECT ${SELECT_ROWS('i', project.id)}, ${ts}, ${ts}, ${ts} FROM generate_series(1, ${total}) AS i`);
    await c.query(`UPDATE projects SET pipeline_seq = ${total} WHERE id = ${project.id}`);
    await c.query('ANALYZE');
    await c.end();
  }
  return project.id;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(s: RestServer, label: string, url: string) {
  for (let i = 0; i < 10; i++) await (await s.api(url)).arrayBuffer();
  const times: number[] = [];
  let count = 0;
  let totalHeader: string | null = null;
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    const res = await s.api(url);
    const body = (await res.json()) as unknown[];
    times.push(performance.now() - t0);
    count = body.length;
    totalHeader = res.headers.get('x-total');
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  }
  times.sort((a, b) => a - b);
  console.log(`  ${label.padEnd(34)} p50 ${pct(times, 50).toFixed(1).padStart(6)} ms  p99 ${pct(times, 99).toFixed(1).padStart(6)} ms  (${count} rows, X-Total ${totalHeader ?? 'omitted (> 10,000)'})`);
}

for (const dialect of dialects) {
  let pgDb: Awaited<ReturnType<typeof createPgDatabase>> | null = null;
  if (dialect === 'postgres') {
    if (!(await pgReachable())) {
      console.log('postgres: not reachable, skipped');
      continue;
    }
    pgDb = await createPgDatabase('gcdbench');
  }
  const s = await startRestServer(pgDb ? { database: pgDb.url } : {});
  try {
    const t0 = performance.now();
    const projectId = await seed(s, dialect, pgDb?.url ?? null);
    console.log(`${dialect}: ${total.toLocaleString('en')} pipelines seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${requests} sequential requests each`);
    await measure(s, 'per_page=100 (first page)', `/projects/${projectId}/pipelines?per_page=100`);
    await measure(s, 'per_page=100&page=500', `/projects/${projectId}/pipelines?per_page=100&page=500`);
    await measure(s, 'status=success&ref=main&per_page=100', `/projects/${projectId}/pipelines?status=success&ref=main&per_page=100`);
    await measure(s, 'order_by=updated_at&per_page=100', `/projects/${projectId}/pipelines?order_by=updated_at&per_page=100`);
  } finally {
    await s.close();
    await pgDb?.drop();
  }
}
