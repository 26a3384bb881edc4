// GitLab's monitoring endpoints, for the clients of the monitoring allowlist (others: 404):
//   GET /-/health     200 "GitLab OK" (text): the process answers HTTP (Docker HEALTHCHECK)
//   GET /-/liveness   200 {"status":"ok"}
//   GET /-/readiness  200 {"status":"ok","master_check":[…],"db_check":[…]} when the database
//                     answers, 503 {"status":"failed",…} with the reason when it does not
//   GET /metrics      Prometheus text format (also at /-/metrics, GitLab's path)
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/ports.js';
import type { DispatcherMetrics } from './metrics.js';
import type { MonitoringAllowlist } from './monitoring-allowlist.js';

export interface MonitoringPluginOptions {
  store: Store;
  metrics: DispatcherMetrics;
  allowlist: MonitoringAllowlist;
  /** Budget of the readiness database check. */
  dbCheckTimeoutMs?: number;
}

async function dbCheck(store: Store, timeoutMs: number): Promise<{ status: 'ok' } | { status: 'failed'; message: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      store.tokens.getSetting('readiness_check'),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return { status: 'ok' };
  } catch (error) {
    return { status: 'failed', message: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export const monitoringPlugin: FastifyPluginAsync<MonitoringPluginOptions> = async (app, opts) => {
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!opts.allowlist.allows(request.socket.remoteAddress)) return reply.code(404).type('text/plain').send('Not Found');
  };
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  app.get('/-/health', { onRequest: guard }, async (_request, reply) => noStore(reply).type('text/plain; charset=utf-8').send('GitLab OK'));
  app.get('/-/liveness', { onRequest: guard }, async (_request, reply) => noStore(reply).send({ status: 'ok' }));
  app.get('/-/readiness', { onRequest: guard }, async (_request, reply) => {
    const db = await dbCheck(opts.store, opts.dbCheckTimeoutMs ?? 5000);
    const ok = db.status === 'ok';
    return noStore(reply)
      .code(ok ? 200 : 503)
      .send({ status: ok ? 'ok' : 'failed', master_check: [{ status: ok ? 'ok' : 'failed' }], db_check: [db] });
  });
  const metrics = async (_request: FastifyRequest, reply: FastifyReply) => {
    const text = await opts.metrics.registry.metrics();
    return noStore(reply).type(opts.metrics.registry.contentType).send(text);
  };
  app.get('/metrics', { onRequest: guard }, metrics);
  app.get('/-/metrics', { onRequest: guard }, metrics);
};
