// GitLab runner API v4 as a fastify plugin (register with prefix "/api/v4"). Everything the
// official gitlab-runner (v14..v19) calls; see ../shared/reference/runner-protocol.md and the
// route modules: runners-routes, jobs-request-route, job-update-route, trace-route,
// artifacts-routes. Encapsulated: its content-type parsers, multipart support and error handler
// do not leak into the rest of the server.
import type { FastifyInstance } from 'fastify';
import { registerArtifactRoutes } from './artifacts-routes.js';
import { installErrorHandling } from './http-errors.js';
import { createJobTokenCache } from './job-token-cache.js';
import { registerJobUpdateRoute } from './job-update-route.js';
import { registerJobsRequestRoute } from './jobs-request-route.js';
import { resolveOptions, type RunnerApiOptions } from './options.js';
import { HEADER } from './protocol.js';
import { registerRunnerRoutes } from './runners-routes.js';
import { registerTraceRoute } from './trace-route.js';

export type { RunnerApiOptions } from './options.js';

export async function runnerApiPlugin(app: FastifyInstance, rawOptions: RunnerApiOptions): Promise<void> {
  const options = resolveOptions(rawOptions);

  // Trace bodies (text/plain, octet-stream, anything) and multipart uploads reach the routes as raw
  // streams: traces are read with a hard cap, multipart is parsed while streaming
  // (multipart-stream.ts). JSON keeps fastify's parser.
  app.removeContentTypeParser(['text/plain']);
  app.addContentTypeParser(['text/plain', 'application/octet-stream'], (_request, payload, done) => done(null, payload));
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  // The runner logs the X-Request-Id of answers (runner >= 18.1): echo it.
  app.addHook('onRequest', async (request, reply) => {
    const id = request.headers['x-request-id'];
    reply.header(HEADER.requestId, typeof id === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(id) ? id : request.id);
  });

  installErrorHandling(app);
  registerRunnerRoutes(app, options);
  // job token -> job, shared: a claim enters its token, PUT and PATCH find it without a query
  const jobTokens = createJobTokenCache(options.coordinator);
  registerJobsRequestRoute(app, options, jobTokens);
  registerJobUpdateRoute(app, options, jobTokens);
  registerTraceRoute(app, options, jobTokens);
  registerArtifactRoutes(app, options);
}
