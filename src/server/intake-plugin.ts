// POST /api/ui/pipelines — create a pipeline from a tarball of the source (the CLI's
// `pipeline create --dir|--tar`). The body is the archive (tar or tar.gz), streamed to a temp
// file, committed into the project's repository, compiled and turned into a pipeline.
// Query: project (path, created on first use), ref (default main), tag=1, source (default api),
// variable=K=V (repeatable), message (the commit message to record, e.g. the work tree's HEAD
// commit's with `--dir`; default "Import of tarball"). Needs an API token (Authorization: Bearer, or PRIVATE-TOKEN).
// Answers 201 {pipeline, jobs}, 200 {pipeline: null, reason} when rules create nothing,
// 400 {error, message, diagnostics} for an invalid .gitlab-ci.yml.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { Coordinator } from '../engine/coordinator.js';
import type { RepoStore } from '../git/repo-store.js';
import { importTarball } from '../git/import-tarball.js';
import { badRequest, httpStatusOf, knownAppError, retryHeadersOf, unauthorized } from '../util/errors.js';
import { rejectNul } from '../util/input.js';
import { ConfigInvalidError, type CreatePipelineFor } from './pipeline-from-commit.js';

export interface IntakePluginOptions {
  coordinator: Coordinator;
  repos: RepoStore;
  createPipelineFor: CreatePipelineFor;
}

const ARCHIVE_TYPES = ['application/gzip', 'application/x-gzip', 'application/x-tar', 'application/octet-stream', 'application/x-compressed-tar'];

function tokenOf(request: FastifyRequest): string | null {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const pat = request.headers['private-token'];
  return typeof pat === 'string' ? pat : null;
}

function parseVariables(raw: unknown): { key: string; value: string }[] {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((kv) => {
    const text = String(kv);
    const i = text.indexOf('=');
    if (i <= 0) throw badRequest(`variable must be K=V, got ${JSON.stringify(text)}`);
    return { key: text.slice(0, i), value: text.slice(i + 1) };
  });
}

export async function intakePlugin(app: FastifyInstance, opts: IntakePluginOptions): Promise<void> {
  app.addContentTypeParser(ARCHIVE_TYPES, (_request, payload, done) => done(null, payload));

  app.setErrorHandler((error, request, reply) => {
    const status = httpStatusOf(error);
    if (!request.raw.complete) reply.header('connection', 'close'); // the unread upload ends here
    if (error instanceof ConfigInvalidError) {
      return reply.code(400).send({ error: 'invalid_config', message: error.message, diagnostics: error.diagnostics });
    }
    const known = knownAppError(error);
    const code = known ? known.code : status === 413 ? 'payload_too_large' : status >= 500 ? 'internal' : 'bad_request';
    const message = status >= 500 && !known ? 'internal error' : (known ?? (error as Error)).message;
    return reply.code(status).headers(retryHeadersOf(error)).send({ error: code, message });
  });

  app.post('/api/ui/pipelines', { bodyLimit: 1024 * 1024 * 1024 }, async (request, reply) => {
    const token = tokenOf(request);
    const apiToken = token ? await opts.coordinator.authenticateApiToken(token) : null;
    if (!apiToken) throw unauthorized('an API token is required (Authorization: Bearer <token>)');
    const query = request.query as Record<string, unknown>;
    rejectNul(query, 'the query');
    const projectPath = typeof query.project === 'string' ? query.project : '';
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/.test(projectPath)) throw badRequest('project must be a path like group/name');
    const ref = typeof query.ref === 'string' && query.ref ? query.ref : 'main';
    const isTag = query.tag === '1' || query.tag === 'true';
    const source = typeof query.source === 'string' && query.source ? query.source : 'api';
    const variables = parseVariables(query.variable);
    const message = typeof query.message === 'string' && query.message.trim() !== '' ? query.message.slice(0, 8192) : undefined;
    const body = request.body as Readable | undefined;
    if (!body || typeof (body as Readable).pipe !== 'function') throw badRequest(`send the source as a tar or tar.gz body (Content-Type: ${ARCHIVE_TYPES[0]})`);

    const project = await opts.coordinator.ensureProject(projectPath);
    await opts.repos.ensure(project.path);
    const snapshot = await importTarball({ repos: opts.repos, projectPath: project.path, tarball: body, ref, message });
    const result = await opts.createPipelineFor({ project, ref, isTag, sha: snapshot.sha, beforeSha: snapshot.beforeSha, source, commitMessage: snapshot.message, variables, pusher: { tokenId: apiToken.id, login: apiToken.name } });
    if (!result.detail) return reply.code(200).send({ pipeline: null, reason: result.plan.workflow.created ? 'no jobs' : 'workflow:rules' });
    return reply.code(201).send({ pipeline: result.detail.pipeline, jobs: result.detail.jobs.map((j) => ({ id: j.id, name: j.name, stage: j.stage, status: j.status })) });
  });
}
