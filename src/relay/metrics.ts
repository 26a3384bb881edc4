// Prometheus metrics of the relay, in its own registry (served on the listen address at /metrics).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface RelayMetrics {
  registry: Registry;
  jobs: Counter<'outcome'>;
  running: Gauge;
  requests: Counter<'result'>;
  launchSeconds: Histogram;
  pickupSeconds: Histogram;
  jobSeconds: Histogram;
  proxiedBytes: Counter<'kind'>;
  upstreamErrors: Counter<'kind'>;
}

export function relayMetrics(): RelayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gcd_relay_process_' });
  const registers = [registry];
  return {
    registry,
    jobs: new Counter({ name: 'gcd_relay_jobs_total', help: 'Jobs the relay is done with, by outcome', labelNames: ['outcome'], registers }),
    running: new Gauge({ name: 'gcd_relay_jobs_running', help: 'Jobs with an environment now', registers }),
    requests: new Counter({ name: 'gcd_relay_upstream_job_requests_total', help: 'Upstream POST /jobs/request answers', labelNames: ['result'], registers }),
    launchSeconds: new Histogram({ name: 'gcd_relay_launch_seconds', help: 'Launcher start time', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers }),
    pickupSeconds: new Histogram({
      name: 'gcd_relay_pickup_seconds',
      help: 'Upstream pickup to the inner runner taking the job',
      buckets: [0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    jobSeconds: new Histogram({ name: 'gcd_relay_job_seconds', help: 'Upstream pickup to teardown', buckets: [1, 5, 15, 30, 60, 300, 900, 3600, 7200], registers }),
    proxiedBytes: new Counter({ name: 'gcd_relay_proxied_bytes_total', help: 'Artifact bytes streamed through the relay', labelNames: ['kind'], registers }),
    upstreamErrors: new Counter({ name: 'gcd_relay_upstream_errors_total', help: 'Proxied requests that found the upstream unreachable', labelNames: ['kind'], registers }),
  };
}
