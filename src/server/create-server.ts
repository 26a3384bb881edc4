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
import { projectFilesAt } from '../git/project-files.js';
import { changedFiles } from '../git/changed-files.js';
import { lastCommitFor } from '../git/last-commit.js';
import { apiPlugin } from '../api/plugin.js';
import { restPlugin } from '../rest/plugin.js';
import { webStaticPlugin } from '../api/static.js';
import { snapshotDirectory } from '../git/snapshot.js';
import type { ServerConfig } from './config.js';
import { pipelineFromCommit, type CreatePipelineFor } from './pipeline-from-commit.js';
import { intakePlugin } from './intake-plugin.js';
import { pipelineForPush } from './push-pipeline.js';
import { startBridgeWorker } from './bridge-jobs.js';
import { loadSecretKey, SECRET_KEY_FILE } from './secret-key.js';
import { redactingLogger } from './log-redaction.js';
import { SecretKeyError } from '../store/sql/secret-box.js';
import { AppError } from '../util/errors.js';
import { createCompilePool } from './compile-pool.js';
import { commitInfoFor } from './commit-info-for.js';
import { lintPlugin } from './lint-plugin.js';
import { createMetrics } from './metrics.js';
import { monitoringPlugin } from './monitoring-plugin.js';
import { createMonitoringAllowlist } from './monitoring-allowlist.js';

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
  /** Commits DIR's working tree (or HEAD with committedOnly) into the project's repository. */
  importDirectory(input: { project: Project; dir: string; committedOnly: boolean; ref: string }): Promise<{ sha: string; message: string }>;
  /** Bytes of a job's trace from `start`. */
  readTrace(jobId: number, start?: number): Promise<Buffer>;
}

export interface CreateServerOptions {
  /** Engine tuning beyond ServerConfig (e.g. `run` wants a short trace update interval). */
  engine?: Partial<EngineConfig>;
  /** Called for every route as it is added (tests enumerate the route table this way). */
  onRoute?: (route: RouteOptions) => void;
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
  // Keep the data dir out of snapshots of the project it may live in.
  const ignore = path.join(config.dataDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');

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

  // Every compile runs in a worker thread with a time and memory budget (warm from here on).
  const compiler = createCompilePool({ timeoutMs: config.compileTimeoutSeconds * 1000, maxMemoryMb: config.compileMemoryMb, limits: { jobsPerPipeline: config.maxPipelineJobs } });

  const createPipelineFor: CreatePipelineFor = async (input) => {
    const repoPath = repos.pathFor(input.project.path);
    const facts = await commitInfoFor({ repoPath, sha: input.sha, ref: input.ref, isTag: input.isTag, pusher: input.pusher });
    return pipelineFromCommit({
      coordinator,
      commit: facts?.commit ?? null,
      serverUrl: externalUrl() || undefined,
      files: projectFilesAt(repoPath, input.sha),
      changedFiles: await changedFiles(repoPath, input.beforeSha, input.sha),
      createPipelineRef: (pipelineId, sha) => repos.createPipelineRef(input.project.path, pipelineId, sha),
      lastCommitFor: (file) => lastCommitFor(repoPath, input.sha, file),
      ...input,
      // a push brings no message: git has it (the same commit via `--dir` or a tarball does too)
      commitMessage: input.commitMessage ?? facts?.message,
      compile: compiler.compile,
    });
  };

  // Every response is counted for /metrics (the hook is on the root, so it sees every plugin).
  const metrics = createMetrics({ store, parkedPolls: () => coordinator.parkedPolls() });
  metrics.instrument(app);
  await app.register(monitoringPlugin, { store, metrics, allowlist: createMonitoringAllowlist(config.metricsAllowedCidrs) });
  await app.register(runnerApiPlugin, {
    prefix: '/api/v4',
    coordinator,
    blobs,
    externalUrl,
    repoUrlFor: (project: Project) => `${externalUrl()}/${project.path}.git`,
    maxArtifactBytes: config.maxArtifactBytes,
    longPollMs: config.longPollSeconds * 1000,
  });
  // GitLab's REST API v4 for CI (python-gitlab, gitbeaker, curl): same prefix, other routes.
  await app.register(restPlugin, {
    prefix: '/api/v4',
    coordinator,
    blobs,
    traces,
    externalUrl,
  });
  await app.register(apiPlugin, {
    prefix: '/api/ui',
    coordinator,
    traces,
    blobs,
    auth: { anonymousRead: config.anonymousRead },
    createPipelineFor,
    repos,
  });
  await app.register(intakePlugin, { coordinator, repos, createPipelineFor });
  await app.register(lintPlugin, { coordinator, compile: compiler.compile });
  await app.register(gitHttpPlugin, {
    coordinator,
    repos,
    onPush: (push) =>
      pipelineForPush(push, {
        createPipelineFor,
        pipelineUrl: (id) => `${externalUrl()}/pipelines/${id}`,
        log: (message, error) => app.log.warn({ err: error, project: push.project.path, ref: push.ref }, message),
      }),
  });
  if (config.webRoot && existsSync(config.webRoot)) await app.register(webStaticPlugin, { root: config.webRoot });

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
    async importDirectory({ project, dir, committedOnly, ref }) {
      const snap = await snapshotDirectory({ repos, projectPath: project.path, dir, committedOnly, ref });
      return { sha: snap.sha, message: snap.message };
    },
    readTrace: (jobId, start = 0) => traces.read(jobId, start),
    sweepExpiredArtifacts: () => sweeper?.sweepNow() ?? Promise.resolve(0),
    async start() {
      await app.listen({ host: config.host, port: config.port });
      const actual = app.server.address();
      const port = typeof actual === 'object' && actual ? actual.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      baseUrl = config.externalUrl ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
      coordinator.start();
      // Trigger jobs: child pipelines (trigger: include).
      bridges = startBridgeWorker({
        coordinator,
        filesAt: (project, sha) => projectFilesAt(repos.pathFor(project.path), sha),
        lastCommitFor: (project, sha, file) => lastCommitFor(repos.pathFor(project.path), sha, file),
        createPipelineRef: (project, pipelineId, sha) => repos.createPipelineRef(project.path, pipelineId, sha),
        log: (message, error) => app.log.warn({ err: error }, message),
        compile: compiler.compile,
      });
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
      // close() on the coordinator releases parked long polls (they answer 204) first.
      await coordinator.close();
      await app.close();
      await compiler.close();
      await store.close();
    },
  };
}
