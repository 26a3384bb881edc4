// GitLab's REST API v4 for CI, a Fastify plugin mounted by server/ under /api/v4 beside the runner
// API (which owns POST /runners, POST /runners/verify, DELETE /runners, POST /jobs/request,
// PUT /jobs/:id, PATCH /jobs/:id/trace and POST/GET /jobs/:id/artifacts: the same paths here are
// other methods, or not used). Encapsulated: its parsers, hooks and error handler stay inside.
//
// Per request: onRequest (nothing) → parse body (JSON; urlencoded and multipart forms as Rack
// nested params) → preValidation (the query string re-read as Rack nested params) → TypeBox/Ajv
// validation (400 {"error": "x is missing"}) → handler (auth via auth.ts) → GitLab shape.
// The OpenAPI document of every route here is at GET /api/v4/openapi.json.
import type { FastifyPluginAsync } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifyMultipart from '@fastify/multipart';
import type { BlobStore } from '../artifacts/blob-store.js';
import type { Coordinator } from '../engine/coordinator.js';
import { EMPTY_REPOSITORY, type RepositoryReader } from '../engine/repository.js';
import type { TraceStore } from '../engine/trace-store.js';
import { AppError } from '../util/errors.js';
import type { RestApp, RestContext } from './context.js';
import { installRestErrors } from './errors.js';
import { nestParams, parseNested } from './params.js';
import { ROUTES } from './routes/index.js';

export interface RestPluginOptions {
  coordinator: Coordinator;
  blobs: BlobStore;
  traces: TraceStore;
  repository?: RepositoryReader;
  externalUrl: () => string;
  /** The GitLab version to answer as (clients switch features on it). Default 17.11.0. */
  gitlabVersion?: string;
  serverVersion?: string;
  /** Named dependencies for route modules (see context.ts `extra`). */
  extras?: Record<string, unknown>;
}

export const DEFAULT_GITLAB_VERSION = '17.11.0';
const FORM_LIMIT = 1024 * 1024;

export const restPlugin: FastifyPluginAsync<RestPluginOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider() as unknown as RestApp;
  const ctx: RestContext = {
    coordinator: options.coordinator,
    blobs: options.blobs,
    traces: options.traces,
    repository: options.repository ?? EMPTY_REPOSITORY,
    externalUrl: options.externalUrl,
    gitlabVersion: options.gitlabVersion ?? DEFAULT_GITLAB_VERSION,
    serverVersion: options.serverVersion ?? '0.1.0',
    extras: options.extras ?? {},
  };

  installRestErrors(app);

  // Bodies: JSON (an empty body is none), urlencoded and multipart forms as Rack nested params.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_request, text, done) => {
    const raw = String(text);
    if (raw.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(raw));
    } catch {
      done(new AppError('bad_request', 'the body is not valid JSON'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_request, text, done) => {
    try {
      done(null, parseNested(String(text)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  await app.register(fastifyMultipart, { limits: { fileSize: FORM_LIMIT, fields: 2000, files: 10 } });
  app.addHook('preValidation', async (request) => {
    const q = request.url.indexOf('?');
    request.query = q < 0 ? {} : parseNested(request.url.slice(q + 1));
    if (request.isMultipart()) {
      const pairs: [string, string][] = [];
      for await (const part of request.parts()) {
        if (part.type === 'field') pairs.push([part.fieldname, String(part.value)]);
        else pairs.push([part.fieldname, (await part.toBuffer()).toString('utf8')]);
      }
      request.body = nestParams(pairs);
    }
  });

  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'gitlab-ci-dispatcher: GitLab REST API v4 (CI)', version: ctx.serverVersion },
      components: {
        securitySchemes: {
          privateToken: { type: 'apiKey', in: 'header', name: 'PRIVATE-TOKEN' },
          bearer: { type: 'http', scheme: 'bearer' },
          jobToken: { type: 'apiKey', in: 'header', name: 'JOB-TOKEN' },
        },
      },
      security: [{ privateToken: [] }, { bearer: [] }, { jobToken: [] }],
    },
  });

  for (const routes of ROUTES) routes(app, ctx);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
