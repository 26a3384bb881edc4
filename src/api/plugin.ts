// The JSON API for the web UI and the CLI, mounted by server/ under /api/ui (routes here are
// relative). Read routes are open when `auth.anonymousRead`, otherwise need a token; actions need
// a token; admin routes an admin token (see auth.ts). Errors from util/errors.ts become
// `{error: code, message}` with their 4xx status; only a real bug is a 500. The routes are listed
// in README.md beside this file.
//
// Input: every route declares TypeBox schemas (schemas/inputs.ts) for its params, query string
// and body, checked by validation.ts before the handler (a failure is a 400 worded there);
// before that, empty query values are dropped (they count as absent) and NUL characters anywhere
// are a 400 (PostgreSQL text cannot hold them). Output: response schemas (schemas/views.ts) type
// and serialize the answers. The OpenAPI document of all of it: GET /api/ui/openapi.json.
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { BlobStore } from '../artifacts/blob-store.js';
import type { Coordinator } from '../engine/coordinator.js';
import type { TraceStore } from '../engine/trace-store.js';
import { AppError, httpStatusOf, isOutageStatus, knownAppError, retryHeadersOf } from '../util/errors.js';
import { rejectNul } from '../util/input.js';
import type { AuthOptions } from './auth.js';
import { makeContext, type ApiApp, type ApiContext } from './context.js';
import { adminRoutes } from './routes/admin.js';
import { artifactRoutes } from './routes/artifacts.js';
import { eventRoutes } from './routes/events.js';
import { jobRoutes } from './routes/jobs.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { projectRoutes } from './routes/projects.js';
import { protectedRefRoutes } from './routes/protected-refs.js';
import { runPipelineRoutes, type StartPipeline } from './routes/run-pipeline.js';
import { runnerRoutes } from './routes/runners.js';
import { sessionRoutes } from './routes/session.js';
import { testReportRoutes } from './routes/test-reports.js';
import { traceRoutes } from './routes/trace.js';
import { SseHub } from './sse.js';
import { apiValidatorCompiler } from './validation.js';

export interface ApiPluginOptions {
  coordinator: Coordinator;
  traces: TraceStore;
  blobs: BlobStore;
  auth: AuthOptions;
  /** Passed by server/ for a pipeline-creation route of its own; not used by these routes. */
  createPipelineFor?: unknown;
  repos?: unknown;
  /** Starts a pipeline for a ref (the UI's "Run pipeline"); without it that route is a 404. */
  startPipeline?: StartPipeline;
  /** Called with the plugin's instance after the built-in routes, to add more (e.g. create pipeline). */
  extraRoutes?: (app: ApiApp, helpers: { require: ApiContext['require'] }) => void;
}

const CODE_BY_STATUS: Record<number, string> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'bad_request', 409: 'conflict', 413: 'payload_too_large', 415: 'bad_request', 416: 'range_not_satisfiable' };

export const apiPlugin: FastifyPluginAsync<ApiPluginOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const hub = new SseHub();
  const ctx = makeContext({ coordinator: options.coordinator, traces: options.traces, blobs: options.blobs, auth: options.auth, hub });

  // JSON bodies up to 1 MiB; an empty body counts as none (a CLI may send the header anyway).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_request, text, done) => {
    const raw = String(text);
    if (raw.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(raw));
    } catch {
      done(new AppError('bad_request', 'the body is not valid JSON'), undefined);
    }
  });

  app.setValidatorCompiler(apiValidatorCompiler);
  app.addHook('preValidation', async (request) => {
    const query = request.query as Record<string, unknown> | undefined;
    if (query && typeof query === 'object') {
      for (const [key, value] of Object.entries(query)) if (value === '') delete query[key];
    }
    rejectNul(request.params, 'the path');
    rejectNul(query, 'the query string');
    rejectNul(request.body, 'the body');
  });

  app.addHook('preClose', async () => {
    hub.closeAll();
  });

  app.setErrorHandler((error, request, reply) => {
    const status = httpStatusOf(error);
    const known = knownAppError(error);
    if (isOutageStatus(status)) request.log.warn({ err: error }, 'api: service unavailable');
    else if (status >= 500) request.log.error({ err: error }, 'api request failed');
    const code = known ? known.code : (CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'bad_request'));
    const message = status >= 500 && !known ? 'internal error' : (known ?? (error as Error)).message;
    if (reply.sent || reply.raw.headersSent) return;
    // A file stream that failed before its first byte (e.g. a corrupt zip entry) leaves its
    // headers behind: the error is JSON, not a download.
    reply.removeHeader('content-disposition');
    reply.raw.removeHeader('content-disposition');
    reply.code(status).type('application/json; charset=utf-8').headers(retryHeadersOf(error)).header('cache-control', 'no-store').send({ error: code, message });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` });
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'gitlab-ci-dispatcher: UI API', version: '1' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          privateToken: { type: 'apiKey', in: 'header', name: 'PRIVATE-TOKEN' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'gcd_token' },
        },
      },
      security: [{ bearer: [] }, { privateToken: [] }, { cookie: [] }],
    },
  });

  sessionRoutes(app, ctx);
  projectRoutes(app, ctx);
  pipelineRoutes(app, ctx);
  runPipelineRoutes(app, ctx, options.startPipeline);
  jobRoutes(app, ctx);
  traceRoutes(app, ctx);
  artifactRoutes(app, ctx);
  runnerRoutes(app, ctx);
  adminRoutes(app, ctx);
  protectedRefRoutes(app, ctx);
  eventRoutes(app, ctx);
  testReportRoutes(app, ctx);
  // Routes the composition root adds (server/hooks-ui-routes.ts): the same instance, so the same
  // schema rules, error mapping and OpenAPI document.
  options.extraRoutes?.(app, { require: ctx.require });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
