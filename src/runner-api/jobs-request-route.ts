// POST /jobs/request (reference §2): the runner's poll for a job.
//
// State machine of one request: authenticate (403 only for an unknown token) -> requestJob with
// holdMs and an AbortSignal that fires when the client goes away -> either
//   job:  201 + JSON payload (Content-Type: application/json), or
//   none: 204 + X-GitLab-Last-Update (opaque queue version the runner echoes as last_update).
// The coordinator parks the request without any database query while nothing changes and answers
// the moment a job the runner can take becomes pending.
import type { FastifyInstance } from 'fastify';
import { forbidden } from '../util/errors.js';
import type { JobTokenCache } from './job-token-cache.js';
import type { ResolvedRunnerApiOptions } from './options.js';
import { buildJobPayload } from './payload.js';
import { HEADER } from './protocol.js';
import { bodyOf, runnerInfoOf, runnerTokenOf } from './request-input.js';

export function registerJobsRequestRoute(app: FastifyInstance, options: ResolvedRunnerApiOptions, jobTokens?: JobTokenCache): void {
  const { coordinator } = options;

  app.post('/jobs/request', { bodyLimit: 256 * 1024 }, async (request, reply) => {
    const body = bodyOf(request);
    const token = runnerTokenOf(request, body);
    const runner = token ? await coordinator.authenticateRunner(token) : null;
    if (!runner) throw forbidden('403 Forbidden');

    const info = runnerInfoOf(body);
    // Runner manager (system_id, version, executor, features) and last contact; throttled by the
    // engine, so an idle poll normally costs no write.
    await coordinator.recordRunnerContact(runner, info).catch((error) => request.log.warn({ err: error }, 'cannot record runner contact'));

    const controller = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableEnded) controller.abort();
    };
    reply.raw.once('close', onClose);
    let result;
    try {
      result = await coordinator.requestJob({
        runner,
        info,
        lastUpdate: typeof body.last_update === 'string' ? body.last_update : undefined,
        holdMs: options.longPollMs,
        signal: controller.signal,
      });
    } finally {
      reply.raw.off('close', onClose);
    }

    if (result.kind === 'none') {
      return reply.code(204).header(HEADER.lastUpdate, result.lastUpdate).send();
    }
    const claimed = result.claimed;
    let json: string;
    try {
      json = JSON.stringify(
        buildJobPayload(claimed, { externalUrl: options.externalUrl(), repoUrl: options.repoUrlFor(claimed.project) }),
      );
    } catch (error) {
      // The job is claimed but cannot be described: fail it rather than leave it hanging.
      request.log.error({ err: error, jobId: claimed.job.id }, 'cannot build job payload');
      await coordinator.updateJob(claimed.job, { state: 'failed', failureReason: 'api_failure' }).catch(() => undefined);
      throw error;
    }
    if (controller.signal.aborted) {
      // The connection is gone before the answer was written: the runner cannot have this job.
      const back = await coordinator.releaseJob(claimed.job).catch((error: unknown) => {
        request.log.error({ err: error, jobId: claimed.job.id }, 'cannot put back a job its runner never received');
        return null;
      });
      request.log.warn({ jobId: claimed.job.id, requeued: back !== null }, 'runner went away before the job reached it');
      if (back) return reply.code(204).send();
    }
    jobTokens?.remember(claimed.token, claimed.job);
    return reply.code(201).type('application/json').send(json);
  });
}
