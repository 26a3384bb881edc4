// /-/health, /-/liveness, /-/readiness and /metrics over real sockets against a real server
// (SQLite; PostgreSQL for a database that goes away), and the monitoring allowlist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type DispatcherServer } from './create-server.js';
import { loadServerConfig } from './config.js';
import { createPgDatabase, requirePostgres } from '../store/test-support/pg-database.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-monitoring-'));
const servers: DispatcherServer[] = [];

async function start(flags: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): Promise<DispatcherServer> {
  const dataDir = path.join(work, `data-${servers.length}`);
  const server = await createServer(loadServerConfig({ flags: { dataDir, logLevel: 'silent', webRoot: null, ...flags }, env }));
  servers.push(server);
  await server.start();
  return server;
}

function tarball(files: Record<string, string>): Buffer {
  const dir = path.join(work, `src-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  execFileSync('tar', ['-czf', `${dir}.tar.gz`, '-C', dir, '.']);
  return readFileSync(`${dir}.tar.gz`);
}

/** The value of one sample line (`name{labels} value`) of a Prometheus text exposition. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(work, { recursive: true, force: true });
});

describe('on loopback (the default allowlist)', () => {
  let server: DispatcherServer;
  beforeAll(async () => {
    server = await start();
  });

  it('/-/health answers GitLab OK in plain text', async () => {
    const res = await fetch(`${server.url}/-/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('GitLab OK');
  });

  it('/-/liveness and /-/readiness answer JSON, readiness with the database check', async () => {
    const live = await fetch(`${server.url}/-/liveness`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/-/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', master_check: [{ status: 'ok' }], db_check: [{ status: 'ok' }] });
  });

  it('/metrics: process metrics, requests by route and status, jobs, queue depth, runners', async () => {
    const { token } = await server.coordinator.createApiToken('t', 'user');
    const created = await fetch(`${server.url}/api/ui/pipelines?project=metrics/demo&ref=main`, {
      method: 'POST',
      headers: { 'content-type': 'application/gzip', authorization: `Bearer ${token}` },
      body: tarball({ '.gitlab-ci.yml': 'a:\n  script: [echo a]\nb:\n  script: [echo b]\nlater:\n  stage: deploy\n  script: [echo c]\n' }),
    });
    expect(created.status).toBe(201);
    await server.coordinator.createRunner({ description: 'm', runUntagged: true });
    for (let i = 0; i < 3; i++) await fetch(`${server.url}/api/ui/pipelines/999999`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${server.url}/no/such/route`);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
    expect(sample(text, 'gcd_jobs{status="pending"}')).toBe(2);
    expect(sample(text, 'gcd_jobs{status="created"}')).toBe(1);
    expect(sample(text, 'gcd_jobs{status="success"}')).toBe(0);
    expect(sample(text, 'gcd_pending_jobs')).toBe(2);
    expect(sample(text, 'gcd_runners{state="offline"}')).toBe(1);
    expect(sample(text, 'gcd_runners{state="online"}')).toBe(0);
    expect(sample(text, 'gcd_parked_job_requests')).toBe(0);
    // Route patterns, not raw URLs; unknown routes share one label.
    expect(sample(text, 'gcd_http_requests_total{method="POST",route="/api/ui/pipelines",status="201"}')).toBe(1);
    expect(sample(text, 'gcd_http_requests_total{method="GET",route="/api/ui/pipelines/:id",status="404"}')).toBe(3);
    expect(sample(text, 'gcd_http_requests_total{method="GET",route="(unmatched)",status="404"}')).toBe(1);
    expect(text).not.toContain('/api/ui/pipelines/999999');
    expect(sample(text, 'gcd_http_request_duration_seconds_count{method="GET",route="/api/ui/pipelines/:id",status="404"}')).toBe(3);
    // GitLab's path serves the same.
    expect((await fetch(`${server.url}/-/metrics`)).status).toBe(200);
  });
});

describe('the monitoring allowlist', () => {
  it('a client outside metricsAllowedCidrs gets 404 on every monitoring endpoint, the rest works', async () => {
    const server = await start({ metricsAllowedCidrs: ['10.0.0.0/8', '192.168.0.0/16'] });
    for (const route of ['/metrics', '/-/metrics', '/-/health', '/-/readiness', '/-/liveness']) {
      const res = await fetch(`${server.url}${route}`);
      expect(res.status, route).toBe(404);
      expect(await res.text()).not.toContain('process_cpu');
    }
    expect((await fetch(`${server.url}/api/v4/runners/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":"x"}' })).status).toBe(403);
  });

  it('GCD_METRICS_ALLOWED lets the listed clients in', async () => {
    const server = await start({}, { GCD_METRICS_ALLOWED: '10.1.2.3, 127.0.0.1/32' });
    expect(server.config.metricsAllowedCidrs).toEqual(['10.1.2.3/32', '127.0.0.1/32']);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
  });

  it('a malformed CIDR is a config error that names it', () => {
    for (const bad of ['10.0.0.0/33', 'localhost', '::1/129', '10.0.0.0/8/1', '10.0.0.0/x']) {
      expect(() => loadServerConfig({ flags: { dataDir: work }, env: { GCD_METRICS_ALLOWED: bad } }), bad).toThrow(/metricsAllowedCidrs .*is not an IP address or CIDR/);
    }
    expect(() => loadServerConfig({ flags: { dataDir: work, metricsAllowedCidrs: [7] as never } })).toThrow(/must list CIDRs as strings/);
  });
});

const pg = await requirePostgres('readiness with a database that goes away');
describe.skipIf(!pg)('readiness on PostgreSQL', () => {
  it('answers 503 with the reason once the database is gone, liveness and health stay 200', async () => {
    const db = await createPgDatabase('gcd_ready');
    const server = await start({ database: db.url });
    expect((await fetch(`${server.url}/-/readiness`)).status).toBe(200);
    await db.drop(); // WITH (FORCE): the pool's connections are terminated
    const res = await fetch(`${server.url}/-/readiness`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; db_check: { status: string; message?: string }[] };
    expect(body.status).toBe('failed');
    expect(body.db_check[0].status).toBe('failed');
    expect(body.db_check[0].message).toBeTruthy();
    expect((await fetch(`${server.url}/-/liveness`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/-/health`)).text()).toBe('GitLab OK');
  });
});
