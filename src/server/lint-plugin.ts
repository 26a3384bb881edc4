// POST /api/ui/lint — checks a .gitlab-ci.yml without creating anything (GitLab's CI Lint API),
// through the server's compile pool (a worker thread with a time and memory budget).
// Body: JSON {content: "<yaml>"} as GitLab's API takes it, or the raw file (Content-Type
// application/x-yaml, text/yaml or text/plain; read as bytes, so invalid UTF-8 is reported with
// its position). Only the posted file is seen: a local include is "does not exist".
// Query: ref (default main), tag=1, source (default push), project (CI_PROJECT_PATH).
// Needs an API token. Answers 200 with the `lint --json` object ({valid, errors, warnings,
// stages, jobs}); `valid: false` for an invalid configuration, as GitLab answers.
import type { FastifyInstance } from 'fastify';
import { planToLintJson, type CompileOptions, type PipelinePlan, type ProjectFiles } from '../ci/index.js';
import type { Coordinator } from '../engine/coordinator.js';
import { AppError, badRequest, httpStatusOf, unauthorized } from '../util/errors.js';

export interface LintPluginOptions {
  coordinator: Coordinator;
  compile: (options: CompileOptions) => Promise<PipelinePlan>;
}

const YAML_TYPES = ['application/x-yaml', 'application/yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];
const CONFIG = '.gitlab-ci.yml';

function oneFile(content: string | Buffer): ProjectFiles {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return {
    read: (p) => (p === CONFIG ? bytes.toString('utf8') : undefined),
    readBytes: (p) => (p === CONFIG ? bytes : undefined),
    list: () => [CONFIG],
  };
}

export async function lintPlugin(app: FastifyInstance, opts: LintPluginOptions): Promise<void> {
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'buffer', bodyLimit: 8 * 1024 * 1024 }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error, _request, reply) => {
    const status = httpStatusOf(error);
    const code = error instanceof AppError ? error.code : status === 413 ? 'payload_too_large' : status >= 500 ? 'internal' : 'bad_request';
    return reply.code(status).send({ error: code, message: status >= 500 ? 'internal error' : (error as Error).message });
  });

  app.post('/api/ui/lint', { bodyLimit: 8 * 1024 * 1024 }, async (request) => {
    const auth = request.headers.authorization;
    const pat = request.headers['private-token'];
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : typeof pat === 'string' ? pat : null;
    if (!token || !(await opts.coordinator.authenticateApiToken(token))) throw unauthorized('an API token is required (Authorization: Bearer <token>)');
    const body = request.body as unknown;
    const content = Buffer.isBuffer(body) ? body : body && typeof body === 'object' && typeof (body as { content?: unknown }).content === 'string' ? (body as { content: string }).content : null;
    if (content === null) throw badRequest(`send {"content": "<yaml>"} as JSON, or the file itself (Content-Type: ${YAML_TYPES[0]})`);
    const query = request.query as Record<string, unknown>;
    const str = (v: unknown, fallback: string) => (typeof v === 'string' && v !== '' ? v : fallback);
    const ref = str(query.ref, 'main');
    const plan = await opts.compile({
      files: oneFile(content),
      context: {
        ref,
        isTag: query.tag === '1' || query.tag === 'true',
        sha: '0'.repeat(40),
        source: str(query.source, 'push'),
        defaultBranch: 'main',
        projectPath: str(query.project, 'lint/project'),
        changedFiles: null,
        variables: {},
      },
    });
    return planToLintJson(plan);
  });
}
