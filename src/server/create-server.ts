// The composition root: picks the store (SQLite or PostgreSQL), builds the coordinator, mounts the
// HTTP plugins (health checks and /metrics, runner API v4, git smart HTTP, UI API, intake and lint,
// static UI) and starts/stops cleanly. Every .gitlab-ci.yml compile goes through one compile pool (worker threads, compile-pool.ts).
// The only place that knows the concrete adapters.
//
// Lifecycle: created -> listening (start) -> closing (close: stop accepting, release long polls,
// let in-flight requests finish, stop sweepers, close the store) -> closed.
import { chmodSync, mkdirSync, existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import type { Coordinator } from '../engine/coordinator.js';
import type { Project } from '../engine/model.js';
import { createCoordinator } from '../engine/create-coordinator.js';
import type { EngineConfig } from '../engine/config.js';
import { openStore } from '../store/open-store.js';
import { createFsTraceStore } from '../artifacts/fs-trace-store.js';
import { createFsBlobStore } from '../artifacts/fs-blob-store.js';
import { startArtifactExpirySweeper, type ExpirySweeperHandle } from '../artifacts/expiry-sweeper.js';
import { runnerApiPlugin } from '../runner-api/plugin.js';
import { createRepoStore, type RepoStore } from '../git/repo-store.js';
import { gitHttpPlugin } from '../git/http-plugin.js';
import { loadProjectFiles, projectFilesAt } from '../git/project-files.js';
import { changedFiles } from '../git/changed-files.js';
import { lastCommitFor } from '../git/last-commit.js';
import { pipelineFromRefFactory, type CreatePipelineFromRef } from './pipeline-from-ref.js';
import { createLocalSessions } from '../api/local-sessions.js';
import { closeIdleDrivers } from '../util/step-driver.js';
import { landSnapshot, prepareSnapshot, type PreparedSnapshot } from '../git/snapshot.js';
import type { ServerConfig } from './config.js';
import { pipelineFromCommit, type CreatePipelineFor } from './pipeline-from-commit.js';
import { pipelineForPush } from './push-pipeline.js';
import { startBridgeWorker } from './bridge-jobs.js';
import { loadSecretKey, SECRET_KEY_FILE } from './secret-key.js';
import { redactingLogger } from './log-redaction.js';
import { SecretKeyError } from '../store/sql/secret-box.js';
import { AppError } from '../util/errors.js';
import { createCompilePool } from './compile-pool.js';
import { commitInfoFor } from './commit-info-for.js';
import { hostedProjects } from './hosted-projects.js';
import { pushHookFor } from './push-hook.js';
import { resolveProjectRef } from './ref-pipeline.js';
import { createAutomationRuntime, type AutomationOptions, type AutomationRuntime } from './automation-wiring.js';

export interface DispatcherServer {
  app: FastifyInstance;
  coordinator: Coordinator;
  repos: RepoStore;
  config: ServerConfig;
  /** Base URL, known after start(). */
  readonly url: string;
  start(): Promise<string>;
  close(): Promise<void>;
  /** Removes expired artifacts now (the server also does it every minute). */
  sweepExpiredArtifacts(): Promise<number>;
  /** Creates a pipeline for a commit already in the project's repository. */
  createPipelineFor: CreatePipelineFor;
  /** Creates a pipeline for a branch or tag of the project's repository (REST API, triggers, schedules). */
  createPipelineFromRef: CreatePipelineFromRef;
  /** Commits DIR's working tree (or HEAD with committedOnly) into the project's repository. */
  /**
   * `ref` absent: the branch checked out in DIR ("main" when detached or not in git). `prepared`:
   * the commit prepareDirectoryImport began for the same input.
   */
  importDirectory(input: { project: Project; dir: string; committedOnly: boolean; ref?: string; prepared?: Promise<PreparedSnapshot> }): Promise<{ sha: string; message: string; ref: string }>;
  /** Bytes of a job's trace from `start`. */
  readTrace(jobId: number, start?: number): Promise<Buffer>;
  /**
   * With `localSignIn`: a URL that signs its opener in as admin (once, from loopback) and goes to
   * `to` (a path); without it, the plain URL of `to`. Known after start().
   */
  signInLink(to: string): string;
  /** Triggers, schedules (and the scheduler), webhooks (and their deliveries), commit statuses. */
  automation: AutomationRuntime;
}

export interface CreateServerOptions {
  /** Engine tuning beyond ServerConfig (e.g. `run` wants a short trace update interval). */
  engine?: Partial<EngineConfig>;
  /** Called for every route as it is added (tests enumerate the route table this way). */
  onRoute?: (route: RouteOptions) => void;
  /** `run`: admin sessions for this process's own user, opened by links from signInLink(). */
  localSignIn?: boolean;
  /** Pipeline scheduler and webhook timings (tests shorten them). */
  automation?: AutomationOptions;
  /**
   * Only what a runner talks to: the runner API v4 and git over HTTP. No UI, REST, intake, lint
   * or monitoring routes, and their modules are not even loaded (`run` without --keep or
   * --external-runners, where nobody else is told the URL: about a third of its start-up).
   */
  runnerOnly?: boolean;
}

/** Keeps the data dir out of snapshots of the project it may live in. */
function keepOutOfSnapshots(dataDir: string): void {
  const ignore = path.join(dataDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
}

/**
 * Begins importDirectory's commit before there is a server (the half of the snapshot that needs no
 * bare repository, see git/snapshot.ts): `run` commits while createServer opens the store. The data
 * dir is made and kept out of the snapshot first, as createServer does, in case it lies in DIR.
 */
export function prepareDirectoryImport(dataDir: string, input: { dir: string; committedOnly: boolean; ref?: string }): Promise<PreparedSnapshot> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  keepOutOfSnapshots(dataDir);
  const prepared = prepareSnapshot(input);
  prepared.catch(() => undefined); // awaited by importDirectory; not an unhandled rejection meanwhile
  return prepared;
}

export async function createServer(config: ServerConfig, options: CreateServerOptions = {}): Promise<DispatcherServer> {
  // The data dir holds the secret key, the database, traces and artifacts: owner only (0700),
  // also when an older version created it readable by others.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  let openDataDir: string | null = null;
  if (statSync(config.dataDir).mode & 0o077) {
    try {
      chmodSync(config.dataDir, 0o700);
    } catch (error) {
      openDataDir = (error as Error).message; // not ours to change (another owner): say so, go on
    }
  }
  keepOutOfSnapshots(config.dataDir);

  const secret = loadSecretKey({ dataDir: config.dataDir, configured: config.secretKey });
  const store = await openStore(
    config.database
      ? { kind: 'postgres', url: config.database, secretKey: secret.key }
      : { kind: 'sqlite', path: path.join(config.dataDir, 'dispatcher.db'), secretKey: secret.key },
  ).catch((error: unknown) => {
    if (!(error instanceof SecretKeyError)) throw error;
    throw new AppError(
      'invalid_config',
      `${error.message} (the key given comes from ${secret.source}). Start with the key the data was encrypted with: GCD_SECRET_KEY, config secretKey, or the ${SECRET_KEY_FILE} file of the data directory that first used this database.`,
    );
  });
  const traces = createFsTraceStore({ dir: path.join(config.dataDir, 'traces') });
  const blobs = createFsBlobStore({ dir: path.join(config.dataDir, 'artifacts') });
  const repos = createRepoStore({ dir: path.join(config.dataDir, 'repos') });
  const coordinator = createCoordinator({ store, traces, config: { longPollMs: config.longPollSeconds * 1000, staleJobSeconds: config.staleJobSeconds, ...options.engine } });

  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : redactingLogger(config.logLevel),
    bodyLimit: 32 * 1024 * 1024,
    // On close: drop idle keep-alive sockets, let in-flight requests finish (long polls are
    // released with 204 by coordinator.close() first).
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  if (openDataDir) app.log.warn(`the data directory ${config.dataDir} is readable by others and could not be made 0700: ${openDataDir}`);
  if (options.onRoute) {
    const onRoute = options.onRoute;
    app.addHook('onRoute', (route) => onRoute(route));
  }

  let baseUrl = config.externalUrl ?? '';
  const externalUrl = () => baseUrl;

  const localSessions = options.localSignIn ? createLocalSessions() : null;

  // Every compile runs in a worker thread with a time and memory budget (warm from here on).
  const compiler = createCompilePool({ timeoutMs: config.compileTimeoutSeconds * 1000, maxMemoryMb: config.compileMemoryMb, limits: { jobsPerPipeline: config.maxPipelineJobs } });

  // Projects that use each other here: include: project, trigger: project.
  const hosted = hostedProjects({ repos });
  const createPipelineFor: CreatePipelineFor = async (input) => {
    const repoPath = repos.pathFor(input.project.path);
    // the commit's facts, its files (list and CI configuration) and what changed, side by side
    const [files, changed, facts] = await Promise.all([
      loadProjectFiles(repoPath, input.sha),
      changedFiles(repoPath, input.beforeSha, input.sha),
      commitInfoFor({ repoPath, sha: input.sha, ref: input.ref, isTag: input.isTag, pusher: input.pusher }),
    ]);
    return pipelineFromCommit({
      coordinator,
      commit: facts?.commit ?? null,
      serverUrl: externalUrl() || undefined,
      files,
      changedFiles: changed,
      createPipelineRef: (pipelineId, sha) => repos.createPipelineRef(input.project.path, pipelineId, sha),
      lastCommitFor: (file) => lastCommitFor(repoPath, input.sha, file),
      externalInclude: hosted.externalInclude,
      ...input,
      // a push brings no message: git has it (the same commit via `--dir` or a tarball does too)
      commitMessage: input.commitMessage ?? facts?.message,
      compile: compiler.compile,
    });
  };

  const createPipelineFromRef = pipelineFromRefFactory({ repos, createPipelineFor });
  const automation = createAutomationRuntime({ store, coordinator, repos, createPipelineFor, baseUrl: externalUrl, log: (message, error) => app.log.warn({ err: error }, message), options: options.automation });

  const full = options.runnerOnly ? null : await import('./full-surface.js');
  if (full) await full.registerMonitoring(app, { config, store, coordinator });
  await app.register(runnerApiPlugin, {
    prefix: '/api/v4',
    coordinator,
    blobs,
    externalUrl,
    repoUrlFor: (project: Project) => `${externalUrl()}/${project.path}.git`,
    maxArtifactBytes: config.maxArtifactBytes,
    longPollMs: config.longPollSeconds * 1000,
  });
  if (full) {
    const compile = compiler.compile;
    await full.registerFullSurface(app, { config, store, coordinator, traces, blobs, repos, externalUrl, createPipelineFor, createPipelineFromRef, automation, compile, localSessions });
  }
  await app.register(gitHttpPlugin, {
    coordinator,
    repos,
    onPush: (push) => {
      void pushHookFor(push, { repos, webhooks: automation.webhooks }).catch((error) => app.log.warn({ err: error, project: push.project.path }, 'push hook could not be queued'));
      return pipelineForPush(push, {
        createPipelineFor,
        pipelineUrl: (id) => `${externalUrl()}/pipelines/${id}`,
        log: (message, error) => app.log.warn({ err: error, project: push.project.path, ref: push.ref }, message),
      });
    },
  });

  let sweeper: ExpirySweeperHandle | null = null;
  let bridges: ReturnType<typeof startBridgeWorker> | null = null;
  let closed = false;
  return {
    app,
    coordinator,
    repos,
    config,
    get url() {
      return baseUrl;
    },
    createPipelineFor,
    createPipelineFromRef,
    automation,
    async importDirectory({ project, dir, committedOnly, ref, prepared }) {
      const options = { repos, projectPath: project.path, dir, committedOnly, ref };
      const snap = await landSnapshot(await (prepared ?? prepareSnapshot(options)), options);
      return { sha: snap.sha, message: snap.message, ref: snap.ref };
    },
    readTrace: (jobId, start = 0) => traces.read(jobId, start),
    signInLink: (to) => (localSessions ? `${baseUrl}/api/ui/session/local?code=${localSessions.issueCode()}&to=${encodeURIComponent(to).replace(/%2F/g, "/")}` : `${baseUrl}${to}`),
    sweepExpiredArtifacts: () => sweeper?.sweepNow() ?? Promise.resolve(0),
    async start() {
      await app.listen({ host: config.host, port: config.port });
      const actual = app.server.address();
      const port = typeof actual === 'object' && actual ? actual.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      baseUrl = config.externalUrl ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
      coordinator.start();
      // Trigger jobs: child pipelines (trigger: include) and multi-project pipelines (trigger: project).
      bridges = startBridgeWorker({
        coordinator,
        filesAt: (project, sha) => projectFilesAt(repos.pathFor(project.path), sha),
        lastCommitFor: (project, sha, file) => lastCommitFor(repos.pathFor(project.path), sha, file),
        createPipelineRef: (project, pipelineId, sha) => repos.createPipelineRef(project.path, pipelineId, sha),
        log: (message, error) => app.log.warn({ err: error }, message),
        compile: compiler.compile,
        externalInclude: hosted.externalInclude,
        downstream: {
          project: async (upstream, target) => {
            const found = await coordinator.read.projectByPath(target);
            return found && hosted.mayUse(upstream, found) ? found : null;
          },
          resolveRef: (project, ref) => resolveProjectRef(repos, project, ref),
        },
      });
      automation.start();
      // `expire_in` is honoured: expired artifacts of unlocked pipelines (finished, and not the
      // latest success of their ref) lose their blob, then their record.
      sweeper = startArtifactExpirySweeper({
        blobs,
        listExpired: (now, limit) => store.artifacts.expired(now, limit),
        removeRecords: (ids) => store.artifacts.removeExpired(ids, new Date().toISOString()),
        onError: (error) => app.log.warn({ err: error }, 'artifact expiry sweep failed'),
      });
      return baseUrl;
    },
    async close() {
      if (closed) return;
      closed = true;
      sweeper?.stop();
      bridges?.stop();
      await automation.stop();
      // close() on the coordinator releases parked long polls (they answer 204) first.
      await coordinator.close();
      await app.close();
      await compiler.close();
      await store.close();
      await closeIdleDrivers();
    },
  };
}
