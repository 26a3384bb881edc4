// Prometheus metrics of one dispatcher server (prom-client, a registry of its own, so that two
// servers in one process never share counters): process and Node.js metrics, HTTP requests by
// route and status, and gauges read from the store when scraped (jobs by status, queue depth,
// online runners) plus the long polls parked on this node. The store reads are one grouped index
// scan of jobs, one count of pending_jobs and the runners list.
import client from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { JobStatus } from '../engine/model.js';
import type { Store } from '../store/ports.js';
import { ONLINE_WINDOW_MS } from '../engine/runner-status.js';

/** A runner counts as online when it was in contact within this window (GitLab: 2 hours). */
const STATUSES: readonly JobStatus[] = ['created', 'waiting_for_resource', 'pending', 'running', 'success', 'failed', 'canceling', 'canceled', 'skipped', 'manual', 'scheduled'];

export interface DispatcherMetrics {
  registry: client.Registry;
  /** Counts every response of `app` (call before the routes are registered). */
  instrument(app: FastifyInstance): void;
}

export function createMetrics(input: { store: Store; parkedPolls: () => number; now?: () => number }): DispatcherMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new client.Counter({ name: 'gcd_http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames, registers: [registry] });
  const durations = new client.Histogram({
    name: 'gcd_http_request_duration_seconds',
    help: 'HTTP request durations (long polls included), by method, route and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const { store } = input;
  const now = input.now ?? Date.now;
  new client.Gauge({
    name: 'gcd_jobs',
    help: 'Jobs by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = new Map((await store.jobs.countByStatus()).map((r) => [r.status, r.count]));
      for (const status of STATUSES) this.set({ status }, counts.get(status) ?? 0);
    },
  });
  new client.Gauge({
    name: 'gcd_pending_jobs',
    help: 'Jobs queued for a runner (queue depth)',
    registers: [registry],
    async collect() {
      this.set(await store.queue.count());
    },
  });
  new client.Gauge({
    name: 'gcd_runners',
    help: 'Registered runners: online (in contact within 2 hours) or offline, paused ones apart',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const since = now() - ONLINE_WINDOW_MS;
      const counts = { online: 0, offline: 0, paused: 0 };
      for (const r of await store.runners.list()) {
        if (r.paused) counts.paused++;
        else if (r.contactedAt && Date.parse(r.contactedAt) >= since) counts.online++;
        else counts.offline++;
      }
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  new client.Gauge({
    name: 'gcd_parked_job_requests',
    help: 'Runner job requests (long polls) parked on this node: runners connected and waiting',
    registers: [registry],
    collect() {
      this.set(input.parkedPolls());
    },
  });

  return {
    registry,
    instrument(app) {
      app.addHook('onResponse', async (request, reply) => {
        // The route pattern, never the raw URL (ids and paths would make one series each).
        const labels = { method: request.method, route: request.routeOptions.url ?? '(unmatched)', status: String(reply.statusCode) };
        requests.inc(labels);
        durations.observe(labels, reply.elapsedTime / 1000);
      });
    },
  };
}
