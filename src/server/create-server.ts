// The composition root: picks the store (SQLite or PostgreSQL), builds the coordinator, mounts the
// HTTP plugins (runner API v4, git smart HTTP, UI API, static UI) and starts/stops cleanly.
// The only place that knows the concrete adapters.
//
// Lifecycle: created -> listening (start) -> closing (close: stop accepting, release long polls,
// let in-flight requests finish, stop sweepers, close the store) -> closed.
import { mkdirSync, existsSync, writeFileSync } from 'node:fs';
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
import { apiPlugin } from '../api/plugin.js';
import { webStaticPlugin } from '../api/static.js';
import { snapshotDirectory } from '../git/snapshot.js';
import type { ServerConfig } from './config.js';
import { pipelineFromCommit, type CreatePipelineFor } from './pipeline-from-commit.js';
import { intakePlugin } from './intake-plugin.js';
import { startBridgeWorker } from './bridge-jobs.js';

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
  mkdirSync(config.dataDir, { recursive: true });
  // Keep the data dir out of snapshots of the project it may live in.
  const ignore = path.join(config.dataDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');

  const store = await openStore(
    config.database ? { kind: 'postgres', url: config.database } : { kind: 'sqlite', path: path.join(config.dataDir, 'dispatcher.db') },
  );
  const traces = createFsTraceStore({ dir: path.join(config.dataDir, 'traces') });
  const blobs = createFsBlobStore({ dir: path.join(config.dataDir, 'artifacts') });
  const repos = createRepoStore({ dir: path.join(config.dataDir, 'repos') });
  const coordinator = createCoordinator({ store, traces, config: { longPollMs: config.longPollSeconds * 1000, staleJobSeconds: config.staleJobSeconds, ...options.engine } });

  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    bodyLimit: 32 * 1024 * 1024,
    // On close: drop idle keep-alive sockets, let in-flight requests finish (long polls are
    // released with 204 by coordinator.close() first).
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  if (options.onRoute) {
    const onRoute = options.onRoute;
    app.addHook('onRoute', (route) => onRoute(route));
  }

  let baseUrl = config.externalUrl ?? '';
  const externalUrl = () => baseUrl;

  const createPipelineFor: CreatePipelineFor = async (input) => {
    const repoPath = repos.pathFor(input.project.path);
    return pipelineFromCommit({
      coordinator,
      files: projectFilesAt(repoPath, input.sha),
      changedFiles: await changedFiles(repoPath, input.beforeSha, input.sha),
      createPipelineRef: (pipelineId, sha) => repos.createPipelineRef(input.project.path, pipelineId, sha),
      ...input,
    });
  };

  await app.register(runnerApiPlugin, {
    prefix: '/api/v4',
    coordinator,
    blobs,
    externalUrl,
    repoUrlFor: (project: Project) => `${externalUrl()}/${project.path}.git`,
    maxArtifactBytes: config.maxArtifactBytes,
    longPollMs: config.longPollSeconds * 1000,
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
  await app.register(gitHttpPlugin, {
    coordinator,
    repos,
    onPush: async (push) => {
      try {
        await createPipelineFor({ ...push, source: 'push' });
      } catch (error) {
        app.log.warn({ err: error, project: push.project.path, ref: push.ref }, 'push did not create a pipeline');
      }
    },
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
        createPipelineRef: (project, pipelineId, sha) => repos.createPipelineRef(project.path, pipelineId, sha),
        log: (message, error) => app.log.warn({ err: error }, message),
      });
      // `expire_in` is honoured: expired artifacts lose their blob, then their record.
      sweeper = startArtifactExpirySweeper({
        blobs,
        listExpired: (now, limit) => store.artifacts.expired(now, limit),
        removeRecords: async (ids) => {
          for (const id of ids) await store.artifacts.delete(id);
        },
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
      await store.close();
    },
  };
}
