// Builds the Coordinator over a Store and a TraceStore: wires the use cases, the queue (parked
// long polls, cross-node wake-ups), the runner cache, events, trace-watch state and the sweeper.
import { EventEmitter } from 'node:events';
import { createJobQueue } from '../queue/port.js';
import type { Store } from '../store/ports.js';
import { notFound } from '../util/errors.js';
import { systemClock, type Clock } from '../util/clock.js';
import { hashToken } from '../util/tokens.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './config.js';
import type { EngineContext } from './context.js';
import { ReadCache } from './read-cache.js';
import type { Coordinator, CoordinatorEvent } from './coordinator.js';
import type { ProcessMode } from '../store/ports.js';
import type { TraceStore } from './trace-store.js';
import { cancelJob, cancelPipeline } from './use-cases/cancel.js';
import { releaseJob } from './use-cases/release-job.js';
import { createPipeline } from './use-cases/create-pipeline.js';
import { createFailedPipeline } from './use-cases/create-failed-pipeline.js';
import { jobDependencies } from './use-cases/dependencies.js';
import { sweepOnce } from './use-cases/expire-stale.js';
import { stuckPendingJobs } from './use-cases/stuck-jobs.js';
import { requestJob } from './use-cases/request-job.js';
import * as protectedRefs from './use-cases/protected-refs.js';
import { playJob, retryJob, retryPipeline } from './use-cases/retry-play.js';
import * as runners from './use-cases/runners.js';
import * as users from './use-cases/users.js';
import { appendTrace, updateJob } from './use-cases/update-job.js';
import type { PipelineVariable } from './model.js';

export interface CoordinatorOptions {
  store: Store;
  traces: TraceStore;
  clock?: Clock;
  config?: Partial<EngineConfig>;
}

/** The Coordinator plus engine-only extras (additive; see README.md). */
export interface EngineCoordinator extends Coordinator {
  /** Stores the dotenv report variables of a job (runner-api parses the uploaded report). */
  setJobDotenv(jobId: number, variables: PipelineVariable[]): Promise<void>;
  /** Process mode of a resource group (GitLab sets it through its API). */
  setResourceGroupMode(projectId: number, key: string, mode: ProcessMode): Promise<void>;
  /** One sweeper pass now (tests, CLI); returns the number of jobs changed. */
  sweep(): Promise<number>;
  /** Parked long polls on this node. */
  parkedPolls(): number;
  /** Ids of pending jobs that no online runner can take (GitLab's "stuck" flag). */
  stuckPendingJobs(): Promise<number[]>;
}

const LIVE = ['running', 'canceling'];

export function createCoordinator(opts: CoordinatorOptions): EngineCoordinator {
  const config: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, ...opts.config };
  const clock = opts.clock ?? systemClock;
  const store = opts.store;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const fallback = config.queueFallbackPollMs ?? (store.dialect === 'postgres' ? 2_000 : 0);
  const queue = createJobQueue({ signal: store.pendingSignal, pending: store.queue, fallbackPollMs: fallback });
  const ctx: EngineContext = { store, traces: opts.traces, clock, config, queue, events, cache: new ReadCache(store), now: () => clock.now().toISOString() };
  const cache = new runners.RunnerCache();
  const watched = new Map<number, number>();
  let sweeper: NodeJS.Timeout | null = null;
  let sweeping: Promise<unknown> | null = null;

  const sweep = async () => {
    if (sweeping) return 0;
    const run = sweepOnce(ctx);
    sweeping = run;
    try {
      return await run;
    } finally {
      sweeping = null;
    }
  };

  const jobByToken = (token: string) => (token ? store.jobs.byTokenHash(hashToken(token)) : Promise.resolve(null));

  const coordinator: EngineCoordinator = {
    registerRunner: (input) => runners.registerRunner(ctx, cache, input),
    createRunner: (input) => runners.createRunner(ctx, input),
    authenticateRunner: (token) => runners.authenticateRunner(ctx, cache, token),
    recordRunnerContact: (runner, info) => runners.recordContact(ctx, cache, runner, info),
    unregisterRunner: (runner) => runners.deleteRunner(ctx, cache, runner.id),
    async unregisterRunnerManager(runner, systemId) {
      return store.runners.deleteManager(runner.id, systemId);
    },
    resetRunnerToken: (runner) => runners.resetRunnerToken(ctx, cache, runner),
    updateRunner: (id, patch) => runners.updateRunner(ctx, cache, id, patch),
    deleteRunner: (id) => runners.deleteRunner(ctx, cache, id),
    resetRegistrationToken: (value?: string) => runners.resetRegistrationToken(ctx, value),
    hasRegistrationToken: () => runners.hasRegistrationToken(ctx),

    createApiToken: (name, scope) => runners.createApiToken(ctx, name, scope),
    async authenticateApiToken(token) {
      const t = token ? await store.tokens.apiTokenByHash(hashToken(token)) : null;
      return t && users.isTokenActive(ctx, t) ? t : null;
    },
    hasAdminToken: () => store.tokens.hasApiToken('admin'),
    authenticateUser: (token) => users.authenticateUser(ctx, token),
    jobForToken: (token) => users.jobForToken(ctx, token),
    createUser: (input) => users.createUser(ctx, input),
    createAccessToken: (input) => users.createAccessToken(ctx, input),
    createProjectAccessToken: (input) => users.createProjectAccessToken(ctx, input),
    async revokeAccessToken(id) {
      if (!(await store.tokens.revokeApiToken(id))) throw notFound('404 Not Found');
    },

    requestJob: (input) => requestJob(ctx, input),
    releaseJob: (claimed) => releaseJob(ctx, claimed),
    async authenticateJob(jobId, token) {
      const job = await jobByToken(token);
      return job && job.id === jobId ? job : null;
    },
    async mayReadArtifacts(token, targetJobId) {
      const job = await jobByToken(token);
      // A job token is valid only while its job runs, for its own artifacts too (GitLab: the
      // runner downloads dependencies' artifacts with the running job's token).
      if (!job || !LIVE.includes(job.status)) return false;
      if (job.id === targetJobId) return true;
      const deps = await jobDependencies(store, job);
      return deps.some((d) => d.id === targetJobId);
    },
    async mayFetchSource(token, projectId) {
      const job = await jobByToken(token);
      return !!job && job.projectId === projectId && LIVE.includes(job.status);
    },
    updateJob: (job, input) => updateJob(ctx, job, input),
    appendTrace: (job, offset, data) => appendTrace(ctx, job, offset, data),
    addArtifact: (input) => store.artifacts.insert({ ...input, createdAt: ctx.now() }),

    ensureProject: (path, defaultBranch = 'main') => protectedRefs.ensureProject(ctx, path, defaultBranch),
    createPipeline: (input) => createPipeline(ctx, input),
    createFailedPipeline: (input) => createFailedPipeline(ctx, input),
    cancelPipeline: (id) => cancelPipeline(ctx, id),
    retryPipeline: (id) => retryPipeline(ctx, id),
    cancelJob: (id) => cancelJob(ctx, id),
    retryJob: (id) => retryJob(ctx, id),
    playJob: (id, variables) => playJob(ctx, id, variables),
    async setVariable(input) {
      const v = await store.variables.upsert(input);
      ctx.cache.invalidateVariables();
      return v;
    },
    async deleteVariable(id) {
      await store.variables.delete(id);
      ctx.cache.invalidateVariables();
    },
    protectRef: (input) => protectedRefs.protectRef(ctx, input),
    unprotectRef: (input) => protectedRefs.unprotectRef(ctx, input),

    read: {
      project: (id) => store.projects.byId(id),
      projectByPath: (path) => store.projects.byPath(path),
      projects: () => store.projects.list(),
      async pipeline(id) {
        const pipeline = await store.pipelines.byId(id);
        if (!pipeline) return null;
        const project = await store.projects.byId(pipeline.projectId);
        if (!project) return null;
        const [jobs, edges] = await Promise.all([store.jobs.byPipeline(id), store.edges.byPipeline(id)]);
        return { pipeline, project, jobs, edges };
      },
      pipelines: (q) => store.pipelines.list(q),
      childPipelines: (parentId, name) => store.pipelines.children(parentId, name === undefined ? {} : { name }),
      runningTriggerJobs: () => store.jobs.runningTriggers(),
      pipelineAncestors: (id) => store.pipelines.ancestors(id),
      job: (id) => store.jobs.byId(id),
      artifacts: (jobId) => store.artifacts.byJob(jobId),
      async runners() {
        const [list, managers] = await Promise.all([store.runners.list(), store.runners.managers()]);
        return list.map((runner) => ({ runner, managers: managers.filter((m) => m.runnerId === runner.id) }));
      },
      variables: (projectId) => store.variables.list(projectId),
      protectedRefs: (projectId) => store.protectedRefs.list(projectId),
      user: (id) => store.users.byId(id),
      users: (q) => store.users.list(q),
      accessToken: (id) => store.tokens.apiTokenById(id),
      accessTokens: (filter) => store.tokens.listApiTokens(filter),
    },

    subscribe(listener: (event: CoordinatorEvent) => void) {
      events.on('event', listener);
      return () => events.off('event', listener);
    },
    watchTrace(jobId) {
      watched.set(jobId, Date.now() + config.traceWatchMs);
      if (watched.size > 10_000) for (const [k, until] of watched) if (until < Date.now()) watched.delete(k);
    },
    traceUpdateInterval(jobId) {
      const until = watched.get(jobId);
      return until !== undefined && until > Date.now() ? config.traceIntervalWatched : config.traceIntervalIdle;
    },

    async setJobDotenv(jobId, variables) {
      if (!(await store.jobs.byId(jobId))) throw notFound(`Job ${jobId} not found`);
      await store.artifacts.setDotenv(jobId, variables);
    },
    setResourceGroupMode: (projectId, key, mode) => store.resourceGroups.setMode(projectId, key, mode),
    sweep,
    parkedPolls: () => queue.parkedCount(),
    stuckPendingJobs: () => stuckPendingJobs(ctx),

    start() {
      if (sweeper) return;
      sweeper = setInterval(() => void sweep().catch(() => {}), config.sweepIntervalMs);
      sweeper.unref();
    },
    async close() {
      if (sweeper) clearInterval(sweeper);
      sweeper = null;
      queue.close();
      if (sweeping) await sweeping.catch(() => {});
    },
  };
  return coordinator;
}
