// Prometheus metrics and a health endpoint for `runner run --listen ADDR`: a plain node:http
// server with GET /metrics (prom-client text format) and GET /health (200 while every runner
// is running, 503 otherwise, with each runner's state in JSON).
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Runner } from './runner.js';

export interface MetricsServer {
  url: string;
  registry: Registry;
  close(): Promise<void>;
}

export function runnerMetrics(runners: { name: string; runner: Runner }[]): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gcd_runner_process_' });
  const running = new Gauge({ name: 'gcd_runner_jobs_running', help: 'Jobs running now', labelNames: ['runner'], registers: [registry] });
  const jobs = new Counter({ name: 'gcd_runner_jobs_total', help: 'Jobs finished, by final state', labelNames: ['runner', 'state', 'failure_reason'], registers: [registry] });
  const requests = new Counter({ name: 'gcd_runner_job_requests_total', help: 'POST /jobs/request answers', labelNames: ['runner', 'result'], registers: [registry] });
  const duration = new Histogram({
    name: 'gcd_runner_job_duration_seconds',
    help: 'Job duration from pickup to final update',
    labelNames: ['runner'],
    buckets: [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200],
    registers: [registry],
  });
  const up = new Gauge({ name: 'gcd_runner_up', help: '1 while the runner polls for jobs', labelNames: ['runner'], registers: [registry] });
  for (const { name, runner } of runners) {
    running.set({ runner: name }, 0);
    up.set({ runner: name }, 1);
    runner.on('job-started', () => running.inc({ runner: name }));
    runner.on('job-finished', (o) => {
      running.dec({ runner: name });
      jobs.inc({ runner: name, state: o.state, failure_reason: o.reason ?? '' });
      duration.observe({ runner: name }, o.durationMs / 1000);
    });
    runner.on('request', (kind) => requests.inc({ runner: name, result: kind }));
    runner.on('stopped', () => up.set({ runner: name }, 0));
    runner.on('forbidden', () => up.set({ runner: name }, 0));
  }
  return registry;
}

export async function startMetricsServer(listen: string, runners: { name: string; runner: Runner }[]): Promise<MetricsServer> {
  const registry = runnerMetrics(runners);
  const m = /^(?:\[?([^\]]*)\]?:)?(\d+)$/.exec(listen.trim());
  if (!m) throw new Error(`--listen: expected [HOST:]PORT, got "${listen}"`);
  const host = m[1] || '127.0.0.1';
  const port = Number(m[2]);
  const server = http.createServer(async (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && url === '/metrics') {
      res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
    } else if (req.method === 'GET' && url === '/health') {
      const states = runners.map(({ name, runner }) => ({ name, state: runner.state, running: runner.running, reason: runner.stoppedReason }));
      const healthy = states.length > 0 && states.every((s) => s.state === 'running');
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', runners: states }));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as { address: string; port: number };
  return {
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    registry,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
