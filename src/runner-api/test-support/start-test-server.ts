// Test helper (others may reuse it): a fastify app on 127.0.0.1:0 with the runner API v4
// (/api/v4) and git smart HTTP mounted over a real coordinator on a temporary SQLite file, a
// filesystem blob store, trace store and bare repositories. Shortcuts create runners, projects
// with real source commits, and pipelines (with refs/pipelines/<id>, as the server does).
//
//   const t = await startRunnerApiTestServer();
//   const { token } = await t.createRunner();           // glrt- token
//   const p = await t.createPipeline(planOf([...], [...]), { files: { '.gitlab-ci.yml': '...' } });
//   ... fetch(`${t.url}/api/v4/jobs/request`, ...) ...
//   await t.close();
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { createFsBlobStore } from '../../artifacts/fs-blob-store.js';
import type { BlobStore } from '../../artifacts/blob-store.js';
import { createFsTraceStore } from '../../artifacts/fs-trace-store.js';
import type { PipelinePlan } from '../../ci/plan.js';
import type { CreateRunnerInput } from '../../engine/coordinator.js';
import { createCoordinator, type EngineCoordinator } from '../../engine/create-coordinator.js';
import type { EngineConfig } from '../../engine/config.js';
import type { Pipeline, Project, Runner } from '../../engine/model.js';
import type { TraceStore } from '../../engine/trace-store.js';
import { gitHttpPlugin, type GitPushEvent } from '../../git/http-plugin.js';
import { createRepoStore, type RepoStore } from '../../git/repo-store.js';
import { snapshotDirectory } from '../../git/snapshot.js';
import { openStore } from '../../store/open-store.js';
import type { Store } from '../../store/ports.js';
import { runnerApiPlugin } from '../plugin.js';

export interface RunnerApiTestServer {
  url: string;
  app: FastifyInstance;
  coordinator: EngineCoordinator;
  store: Store;
  blobs: BlobStore;
  traces: TraceStore;
  repos: RepoStore;
  dir: string;
  pushes: GitPushEvent[];
  createRunner(input?: CreateRunnerInput): Promise<{ runner: Runner; token: string }>;
  /** A project whose repository holds `files` as one commit on `ref`. */
  createProject(options?: { path?: string; files?: Record<string, string>; ref?: string }): Promise<{ project: Project; sha: string }>;
  /** A pipeline for `plan` on a new project (or `project`), with refs/pipelines/<id> created. */
  createPipeline(
    plan: PipelinePlan,
    options?: { project?: Project; sha?: string; ref?: string; files?: Record<string, string>; variables?: { key: string; value: string }[] },
  ): Promise<{ pipeline: Pipeline; project: Project }>;
  close(): Promise<void>;
}

export interface StartTestServerOptions {
  longPollMs?: number;
  maxArtifactBytes?: number;
  engine?: Partial<EngineConfig>;
  logger?: boolean;
  /** Wraps the store before the coordinator uses it (benchmarks count queries this way). */
  wrapStore?: (store: Store) => Store;
  /** PostgreSQL URL of a database to use instead of a temporary SQLite file. */
  postgresUrl?: string;
}

let counter = 0;

export async function startRunnerApiTestServer(options: StartTestServerOptions = {}): Promise<RunnerApiTestServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-runner-api-'));
  const store = options.postgresUrl
    ? await openStore({ kind: 'postgres', url: options.postgresUrl })
    : await openStore({ kind: 'sqlite', path: path.join(dir, 'db.sqlite') });
  const traces = createFsTraceStore({ dir: path.join(dir, 'traces') });
  const blobs = createFsBlobStore({ dir: path.join(dir, 'artifacts') });
  const repos = createRepoStore({ dir: path.join(dir, 'repos') });
  const longPollMs = options.longPollMs ?? 2_000;
  const coordinator = createCoordinator({ store: options.wrapStore ? options.wrapStore(store) : store, traces, config: { longPollMs, ...options.engine } });
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 32 * 1024 * 1024, forceCloseConnections: true });
  let url = '';
  const pushes: GitPushEvent[] = [];

  await app.register(runnerApiPlugin, {
    prefix: '/api/v4',
    coordinator,
    blobs,
    externalUrl: () => url,
    repoUrlFor: (project: Project) => `${url}/${project.path}.git`,
    maxArtifactBytes: options.maxArtifactBytes,
    longPollMs,
  });
  await app.register(gitHttpPlugin, { coordinator, repos, onPush: (event) => void pushes.push(event) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  coordinator.start();

  const createProject: RunnerApiTestServer['createProject'] = async (o = {}) => {
    const projectPath = o.path ?? `group/project-${++counter}-${Math.random().toString(36).slice(2, 7)}`;
    const project = await coordinator.ensureProject(projectPath, 'main');
    const src = await mkdtemp(path.join(dir, 'src-'));
    for (const [file, content] of Object.entries(o.files ?? { '.gitlab-ci.yml': 'job:\n  script: echo hi\n' })) {
      await mkdir(path.dirname(path.join(src, file)), { recursive: true });
      await writeFile(path.join(src, file), content);
    }
    const snap = await snapshotDirectory({ repos, projectPath, dir: src, ref: o.ref ?? 'main', message: 'Initial commit\n\nBody' });
    await rm(src, { recursive: true, force: true });
    return { project, sha: snap.sha };
  };

  return {
    get url() {
      return url;
    },
    app,
    coordinator,
    store,
    blobs,
    traces,
    repos,
    dir,
    pushes,
    createRunner: async (input = {}) => {
      const issued = await coordinator.createRunner({ runUntagged: true, description: 'test runner', ...input });
      return { runner: issued.runner, token: issued.token };
    },
    createProject,
    async createPipeline(plan, o = {}) {
      const ref = o.ref ?? 'main';
      let project = o.project;
      let sha = o.sha;
      if (!project || !sha) {
        const created = project
          ? { project, sha: (await repos.resolve(project.path, `refs/heads/${ref}`))! }
          : await createProject({ files: o.files, ref });
        project = created.project;
        sha = created.sha;
      }
      const detail = await coordinator.createPipeline({
        projectId: project.id,
        ref,
        isTag: false,
        sha,
        source: 'push',
        commitMessage: 'Initial commit\n\nBody',
        variables: o.variables,
        plan,
      });
      await repos.createPipelineRef(project.path, detail.pipeline.id, sha);
      return { pipeline: detail.pipeline, project };
    },
    async close() {
      await coordinator.close();
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
