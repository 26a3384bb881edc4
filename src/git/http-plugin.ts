// Fastify plugin serving the projects' bare repositories over git smart HTTP at GitLab's URLs:
// `/<group>/<project>.git/info/refs`, `/git-upload-pack`, `/git-receive-pack`.
//
// Authentication (HTTP Basic, as git sends it after a 401 challenge):
//   fetch: user "gitlab-ci-token" + a job token of a running job of that project
//          (coordinator.mayFetchSource), or any user + an API token (user/admin).
//   push:  any user + an API token; the first push creates the project (coordinator.ensureProject)
//          and its bare repository. After receive-pack succeeds, `onPush` is called once per
//          created/updated branch or tag (deletions are skipped), before the response ends; the
//          lines it returns reach the pusher as `remote: ` messages (git's side band), after
//          git's own output. Server-managed refs (refs/pipelines/…) are refused per ref.
// No credentials -> 401 + WWW-Authenticate; refused credentials -> 403; unknown project -> 404.
import { createGunzip, gunzipSync } from 'node:zlib';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Coordinator } from '../engine/coordinator.js';
import type { Project } from '../engine/model.js';
import { AppError, errorMessage, httpStatusOf, isOutageStatus, knownAppError, retryHeadersOf } from '../util/errors.js';
import { parseBasicAuth } from './basic-auth.js';
import { isValidProjectPath, MAX_PROJECT_DEPTH } from './project-path.js';
import { ReceivePackCommandReader, type RefUpdateCommand } from './receive-pack-commands.js';
import { ReceivePackOutput } from './receive-pack-output.js';
import type { RepoStore } from './repo-store.js';
import { gitText, ZERO_SHA } from './run-git.js';
import {
  gitProtocolOf,
  isGitService,
  isServerManagedRef,
  NO_CACHE_HEADERS,
  serviceAnnouncement,
  spawnGitService,
  runGitService,
  AdvertisementCache,
  isV2Advertisement,
  type GitService,
} from './smart-http.js';

/** Fetch requests up to this size go whole to upload-pack (runGitService); larger ones, and pushes, are streamed to a spawned one. */
const MAX_WHOLE_REQUEST = 4 * 1024 * 1024;

export interface GitPushEvent {
  project: Project;
  /** Branch or tag name (without refs/heads/ or refs/tags/). */
  ref: string;
  isTag: boolean;
  /** Commit id (an annotated tag is peeled). */
  sha: string;
  /** Previous commit of the ref; zeros when the ref is new. */
  beforeSha: string;
  /** Who pushed: the API token's id and name, and the user name git sent with it. */
  pusher: { tokenId: number; tokenName: string; login: string };
}

export interface GitHttpPluginOptions {
  coordinator: Coordinator;
  repos: RepoStore;
  /** Returns lines to show the pusher (`remote: …`), e.g. the pipeline's URL or its errors. */
  onPush?: (event: GitPushEvent) => void | string[] | Promise<void | string[]>;
  /** Realm of the Basic challenge. */
  realm?: string;
}

type Params = Record<string, string>;

const withoutRepeatedBlanks = (lines: string[]) => lines.filter((line, i) => line !== '' || lines[i - 1] !== '');

class GitHttpError extends AppError {}

const fail = (code: 'unauthorized' | 'forbidden' | 'not_found' | 'bad_request', message: string) => new GitHttpError(code, message);

export async function gitHttpPlugin(app: FastifyInstance, options: GitHttpPluginOptions): Promise<void> {
  const { coordinator, repos } = options;
  const realm = options.realm ?? 'GitLab';
  const advertisements = new AdvertisementCache();

  app.addContentTypeParser(
    ['application/x-git-upload-pack-request', 'application/x-git-receive-pack-request'],
    (_request, payload, done) => done(null, payload),
  );

  app.setErrorHandler((error, request, reply) => {
    const status = httpStatusOf(error);
    const known = knownAppError(error);
    if (isOutageStatus(status)) request.log.warn({ err: error }, 'git http: service unavailable');
    else if (status >= 500) request.log.error({ err: error }, 'git http error');
    if (status === 401) reply.header('www-authenticate', `Basic realm="${realm}"`);
    if (reply.sent || reply.raw.headersSent) return;
    if (!request.raw.complete) reply.header('connection', 'close'); // the unread pack ends here
    const message = status >= 500 ? (known?.message ?? 'Internal error') : errorMessage(error);
    reply.code(status).headers(retryHeadersOf(error)).type('text/plain; charset=utf-8').send(`${message}\n`);
  });

  function projectPathOf(params: Params): string {
    const segments: string[] = [];
    for (let i = 0; i < MAX_PROJECT_DEPTH && params[`p${i}`] !== undefined; i++) segments.push(params[`p${i}`]);
    const projectPath = segments.join('/');
    if (!isValidProjectPath(projectPath)) throw fail('not_found', 'The project could not be found');
    return projectPath;
  }

  /** Checks the credentials for `service` on `projectPath`; returns the project and its repo. */
  async function authorize(request: FastifyRequest, service: GitService, projectPath: string): Promise<{ project: Project; repo: string; pusher?: GitPushEvent['pusher'] }> {
    const credentials = parseBasicAuth(request.headers.authorization);
    if (!credentials) throw fail('unauthorized', 'HTTP Basic: Access denied');
    if (service === 'git-receive-pack') {
      const apiToken = await coordinator.authenticateApiToken(credentials.password);
      if (!apiToken) throw fail('forbidden', 'HTTP Basic: Access denied (pushing needs an API token)');
      const project = await coordinator.ensureProject(projectPath);
      const pusher = { tokenId: apiToken.id, tokenName: apiToken.name, login: credentials.username };
      return { project, repo: await repos.ensure(project.path), pusher };
    }
    const project = await coordinator.read.projectByPath(projectPath);
    let allowed = false;
    if (project && credentials.username === 'gitlab-ci-token') {
      allowed = await coordinator.mayFetchSource(credentials.password, project.id);
    }
    if (!allowed) allowed = (await coordinator.authenticateApiToken(credentials.password)) !== null;
    if (!allowed) throw fail('forbidden', 'HTTP Basic: Access denied');
    if (!project || !repos.exists(project.path)) throw fail('not_found', 'The project could not be found');
    return { project, repo: repos.pathFor(project.path) };
  }

  async function infoRefs(request: FastifyRequest<{ Params: Params; Querystring: { service?: string } }>, reply: FastifyReply) {
    const service = request.query.service;
    if (!isGitService(service)) throw fail('bad_request', 'only the smart HTTP protocol is supported (service=git-upload-pack|git-receive-pack)');
    const { repo } = await authorize(request, service, projectPathOf(request.params));
    const protocol = gitProtocolOf(request.headers['git-protocol']);
    const v2 = service === 'git-upload-pack' && /(^|:)version=2(:|$)/.test(protocol ?? '');
    const known = v2 ? advertisements.get(repo, protocol!) : undefined;
    reply.headers(NO_CACHE_HEADERS).type(`application/x-${service}-advertisement`);
    if (known) return reply.send(known);
    // an advertisement is small: read whole, then sent (and kept when it can be reused)
    const bytes: Buffer[] = [];
    const run = runGitService({ service, repo, advertise: true, protocol }, new Writable({ write: (c: Buffer, _e, cb) => (bytes.push(c), cb()) }));
    reply.raw.on('close', () => run.kill());
    const { code, stderr } = await run.done;
    if (code !== 0) request.log.warn({ service, code, stderr }, 'git service failed');
    const body = Buffer.concat(bytes);
    if (v2 && code === 0 && isV2Advertisement(body)) advertisements.set(repo, protocol!, body);
    return reply.send(v2 ? body : Buffer.concat([serviceAnnouncement(service), body]));
  }

  function rpc(service: GitService) {
    return async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
      const { project, repo, pusher } = await authorize(request, service, projectPathOf(request.params));
      const expected = `application/x-${service}-request`;
      if (request.headers['content-type']?.split(';')[0].trim().toLowerCase() !== expected) {
        throw fail('bad_request', `expected Content-Type ${expected}`);
      }
      const body = request.body as Readable;
      const protocol = gitProtocolOf(request.headers['git-protocol']);
      const gzipped = /gzip/i.test(String(request.headers['content-encoding'] ?? ''));
      const length = Number(request.headers['content-length'] ?? NaN);
      if (service === 'git-upload-pack' && length <= MAX_WHOLE_REQUEST) {
        // a fetch negotiation of known, small size: whole, to upload-pack (from a step driver)
        let input: Buffer;
        try {
          const raw = Buffer.concat(await body.toArray());
          input = gzipped ? gunzipSync(raw, { maxOutputLength: MAX_WHOLE_REQUEST * 8 }) : raw;
        } catch {
          throw fail('bad_request', 'the request body could not be read (bad gzip, or too large)');
        }
        const out = new PassThrough();
        const run = runGitService({ service, repo, advertise: false, protocol, input }, out);
        reply.raw.on('close', () => run.kill());
        void run.done.then(({ code, stderr }) => {
          if (code !== 0) request.log.warn({ service, project: project.path, code, stderr }, 'git service failed');
          out.end();
        });
        reply.headers(NO_CACHE_HEADERS).type(`application/x-${service}-result`);
        return reply.send(out);
      }
      const child = spawnGitService({ service, repo, advertise: false, protocol });
      const reader = service === 'git-receive-pack' ? new ReceivePackCommandReader() : null;
      const stages: NodeJS.ReadWriteStream[] = [];
      if (gzipped) stages.push(createGunzip());
      if (reader) stages.push(reader);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 4096) stderr += chunk.toString('utf8');
      });
      pipeline(body, ...(stages as [NodeJS.ReadWriteStream]), child.stdin).catch(() => child.kill());
      let finished = false;
      let out: PassThrough | ReceivePackOutput;
      if (reader) {
        const output = new ReceivePackOutput(() => reader.capabilities.some((c) => c === 'side-band-64k' || c === 'side-band'));
        child.stdout.pipe(output);
        out = output;
        child.on('close', (code) => {
          finished = true;
          if (code !== 0) request.log.warn({ service, project: project.path, code, stderr }, 'git service failed');
          const refused = refusedRefMessages(reader.commands);
          const after = code === 0 && options.onPush ? dispatchPushes(request, { project, repo, pusher: pusher! }, reader.commands) : Promise.resolve([]);
          void after.then((lines) => output.finish(withoutRepeatedBlanks([...refused, ...lines])));
        });
      } else {
        out = new PassThrough();
        child.stdout.pipe(out);
        child.on('close', (code) => {
          finished = true;
          if (code !== 0) request.log.warn({ service, project: project.path, code, stderr }, 'git service failed');
        });
      }
      reply.raw.on('close', () => {
        if (!finished) child.kill();
      });
      reply.headers(NO_CACHE_HEADERS).type(`application/x-${service}-result`);
      return reply.send(out);
    };
  }

  /** Why a push to a server-managed ref was refused (git itself only says "deny updating a hidden ref"). */
  function refusedRefMessages(commands: RefUpdateCommand[]): string[] {
    const refused = commands.filter((c) => isServerManagedRef(c.ref)).map((c) => c.ref);
    if (!refused.length) return [];
    return [
      '',
      `${refused.join(', ')}: refused, ${refused.length === 1 ? 'this ref is' : 'these refs are'} managed by the server (pipelines pin their commit there).`,
      'Push branches (refs/heads/*) and tags (refs/tags/*); the rest of the push is processed as usual.',
      '',
    ];
  }

  async function dispatchPushes(
    request: FastifyRequest,
    { project, repo, pusher }: { project: Project; repo: string; pusher: GitPushEvent['pusher'] },
    commands: RefUpdateCommand[],
  ): Promise<string[]> {
    const lines: string[] = [];
    for (const command of commands) {
      const m = /^refs\/(heads|tags)\/(.+)$/.exec(command.ref);
      if (!m || /^0+$/.test(command.newSha)) continue;
      try {
        // Confirm the update landed (receive-pack reports per-ref failures only in its output).
        const current = await gitText(['for-each-ref', '--format=%(objectname) %(*objectname)', command.ref], { cwd: repo });
        const [object, peeled] = current.split(' ');
        if (object !== command.newSha) continue;
        const said = await options.onPush!({
          project,
          ref: m[2],
          isTag: m[1] === 'tags',
          sha: peeled || object,
          beforeSha: /^0+$/.test(command.oldSha) ? ZERO_SHA : command.oldSha,
          pusher,
        });
        if (said) lines.push(...said);
      } catch (error) {
        request.log.error({ err: error, ref: command.ref, project: project.path }, 'onPush failed');
      }
    }
    return lines;
  }

  for (let depth = 1; depth <= 8; depth++) {
    const segments = Array.from({ length: depth }, (_, i) => `:p${i}`);
    const base = `/${segments.join('/')}.git`;
    app.get(base + '/info/refs', infoRefs);
    app.post(base + '/git-upload-pack', rpc('git-upload-pack'));
    app.post(base + '/git-receive-pack', rpc('git-receive-pack'));
  }
}
