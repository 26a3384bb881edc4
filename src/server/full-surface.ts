// Everything the server serves beyond what a runner talks to (the runner API v4 and git over
// HTTP, mounted by create-server.ts): monitoring and /metrics, GitLab's REST API v4, pipeline
// badges, the UI API and the UI, tarball/dir intake, and lint. create-server.ts loads this module
// only when it is wanted, so `run` without --keep or --external-runners never loads these plugins
// (about a third of its start-up).
import type { FastifyInstance } from 'fastify';
import type { EngineCoordinator } from '../engine/create-coordinator.js';
import type { Project } from '../engine/model.js';
import type { TraceStore } from '../engine/trace-store.js';
import type { BlobStore } from '../artifacts/blob-store.js';
import type { Store } from '../store/ports.js';
import type { RepoStore } from '../git/repo-store.js';
import { createRepositoryReader } from '../git/repository-reader.js';
import { apiPlugin } from '../api/plugin.js';
import { webStaticPlugin } from '../api/static.js';
import type { LocalSessions } from '../api/local-sessions.js';
import { restPlugin } from '../rest/plugin.js';
import { pipelineBadgeRoutes } from '../rest/pipeline-badge.js';
import type { ServerConfig } from './config.js';
import type { CreatePipelineFor } from './pipeline-from-commit.js';
import type { CreatePipelineFromRef } from './pipeline-from-ref.js';
import type { AutomationRuntime } from './automation-wiring.js';
import type { Compiler } from './compile-pool.js';
import { intakePlugin } from './intake-plugin.js';
import { lintPlugin } from './lint-plugin.js';
import { startPipelineForRef } from './start-pipeline.js';
import { badgeReader } from './badge-reader.js';
import { hooksUiRoutes } from './hooks-ui-routes.js';
import { createMetrics } from './metrics.js';
import { monitoringPlugin } from './monitoring-plugin.js';
import { createMonitoringAllowlist } from './monitoring-allowlist.js';

export interface FullSurfaceDeps {
  config: ServerConfig;
  store: Store;
  coordinator: EngineCoordinator;
  traces: TraceStore;
  blobs: BlobStore;
  repos: RepoStore;
  externalUrl: () => string;
  createPipelineFor: CreatePipelineFor;
  createPipelineFromRef: CreatePipelineFromRef;
  automation: AutomationRuntime;
  compile: Compiler;
  localSessions: LocalSessions | null;
}

/** Every response is counted for /metrics: call first (the hook is on the root, so it sees every plugin). */
export async function registerMonitoring(app: FastifyInstance, d: Pick<FullSurfaceDeps, 'config' | 'store' | 'coordinator'>): Promise<void> {
  const metrics = createMetrics({ store: d.store, parkedPolls: () => d.coordinator.parkedPolls() });
  metrics.instrument(app);
  await app.register(monitoringPlugin, { store: d.store, metrics, allowlist: createMonitoringAllowlist(d.config.metricsAllowedCidrs) });
}

/** The REST API, badges, UI API, intake, lint and the UI: call after the runner API is mounted. */
export async function registerFullSurface(app: FastifyInstance, d: FullSurfaceDeps): Promise<void> {
  const { config, coordinator, traces, blobs, repos, externalUrl, createPipelineFor, automation } = d;
  // GitLab's REST API v4 for CI (python-gitlab, gitbeaker, curl): same prefix, other routes.
  await app.register(restPlugin, {
    prefix: '/api/v4',
    coordinator,
    blobs,
    traces,
    externalUrl,
    repository: createRepositoryReader(repos),
    extras: {
      createPipelineFor,
      repos,
      createPipelineFromRef: d.createPipelineFromRef,
      deletePipelineRef: (project: Project, pipelineId: number) => repos.deletePipelineRef(project.path, pipelineId),
      automation: automation.automation,
      pipelineForRef: automation.pipelineForRef,
    },
  });
  // The pipeline badge (/:namespace/:project/badges/:ref/pipeline.svg), readable as the UI is.
  await app.register(async (scope) => pipelineBadgeRoutes(scope, { coordinator, mayRead: badgeReader(coordinator, config.anonymousRead) }));
  await app.register(apiPlugin, {
    prefix: '/api/ui',
    coordinator,
    traces,
    blobs,
    auth: { anonymousRead: config.anonymousRead, ...(d.localSessions ? { localSessions: d.localSessions } : {}) },
    createPipelineFor,
    repos,
    startPipeline: (input) => startPipelineForRef(input, { repos, createPipelineFor }),
    extraRoutes: hooksUiRoutes({ coordinator, automation: automation.automation }),
  });
  await app.register(intakePlugin, { coordinator, repos, createPipelineFor });
  await app.register(lintPlugin, { coordinator, compile: d.compile });
  // Also without a build: then "/" says how to build the UI.
  if (config.webRoot) await app.register(webStaticPlugin, { root: config.webRoot });
}
