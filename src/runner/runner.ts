// createRunner: a pool of N job slots fed by pollers, as gitlab-runner's multi-runner does: one
// poller by default (request_concurrency = 1), up to one per slot with `requestConcurrency`. A
// poller holds a free slot while its request is open, so a runner never asks for more jobs than it
// has room for.
//
// Poller state machine:
//   polling ── 201 ─► start the job in the slot it held, poll again at once (drains a busy queue)
//           ── 204 ─► wait the rest of pollIntervalMs (a long poll the server held has already
//                     waited, so it re-polls at once), or until a slot frees up
//           ── 403 ─► stop; state "forbidden", reason emitted and kept in `stoppedReason`
//           ── other/transport (after the client's retries) ─► wait pollIntervalMs, poll again
//   full    (every slot busy or held by another poller) ─► wait for a slot
//   refusing (load/free memory past the limits) ─► look again every checkIntervalMs
//   stopping (stop()) ─► abort the open polls, no new jobs; running jobs finish (or are aborted
//            with stop({ abort: true }): killed, reported runner_system_failure); then stopped.
// Heartbeat: whenever the poller has not reached the coordinator for heartbeatIntervalMs
// (slots full, refusing), POST /runners/verify says the runner is alive.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { FeaturesInfo, RunnerInfo } from '../runner-api/protocol.js';
import { CoordinatorClient } from './network/coordinator-client.js';
import type { RetryPolicy } from './network/retry-policy.js';
import type { DecodedJob } from './network/job-payload.js';
import { runnerInfo } from './network/runner-info.js';
import { runJob, type JobOutcome, type TraceTuning } from './job/run-job.js';
import type { JobExecutor } from './job/executor.js';
import { shellExecutor, type ShellExecutorOptions } from './shell/shell-executor.js';
import { sdkExecutor } from './sdk/sdk-executor.js';
import { dockerExecutor, type DockerExecutorOptions } from './docker/docker-executor.js';
import type { JobHandler } from './sdk/handler.js';
import type { Route, RouteMap } from './sdk/route.js';
import { overloaded, type LoadLimits } from './system-load.js';
import { systemId as defaultSystemId } from './system-id.js';
import { silentLogger, type RunnerLogger } from './logger.js';
import { ProtocolError } from './errors.js';
import { closeIdleDrivers } from '../util/step-driver.js';
import type { LocalRepos } from './job/job-context.js';
import { inheritedEnv } from '../util/step-env.js';

export interface RunnerOptions {
  /** Coordinator URL (e.g. http://127.0.0.1:8080); "/api/v4/" is appended. */
  url: string;
  /** Runner authentication token (glrt-… or legacy). */
  token: string;
  /** Jobs run at the same time. Default 1. */
  concurrency?: number;
  /**
   * Requests for jobs open at once (gitlab-runner's request_concurrency): with 1, a runner whose
   * slots free up together fills them one round trip after another. Default 1, at most
   * `concurrency`.
   */
  requestConcurrency?: number;
  /** Named job handlers; with `route` omitted, routed by job name. */
  handlers?: Record<string, JobHandler>;
  /** How jobs reach handlers (see sdk/route.ts). Setting handlers or route selects the SDK executor. */
  route?: Route;
  /** A custom executor (overrides handlers/route and the shell executor). */
  executor?: JobExecutor;
  shell?: ShellExecutorOptions;
  /** Run jobs in containers (the docker executor) rather than on the host shell. */
  docker?: Omit<DockerExecutorOptions, 'runnerToken'>;
  /** Default <cwd>/builds. */
  buildsDir?: string;
  /**
   * The folder under buildsDir that holds this runner's build directories. Default: the short
   * token, as gitlab-runner names it; `run` gives a name that outlives its per-run runner, so a
   * later run fetches into the same clone (the fetch strategy) instead of cloning afresh.
   */
  buildsDirName?: string;
  /** Default <cwd>/cache. */
  cacheDir?: string;
  /**
   * The coordinator's bare repositories, when they are on this machine and this user may read
   * them (`run`): get_sources fetches a job's project from `dir` rather than over HTTP from `url`
   * (see shell/git-sources.ts). Never set for a remote coordinator.
   */
  localRepos?: LocalRepos;
  systemId?: string;
  description?: string;
  /** Pause after an empty poll (gitlab-runner's check_interval). Default 3000. */
  pollIntervalMs?: number;
  /** Default 60000. */
  heartbeatIntervalMs?: number;
  limits?: LoadLimits;
  /** KEY=VALUE entries every job gets (before its own variables). */
  environment?: string[];
  retry?: Partial<RetryPolicy>;
  trace?: TraceTuning;
  /** After stop({ abort: true }), give up reporting final states after this long. Default 30000. */
  abortTimeoutMs?: number;
  logger?: RunnerLogger;
  /** Extra info.features to advertise. */
  features?: FeaturesInfo;
}

export type RunnerState = 'new' | 'running' | 'stopping' | 'stopped' | 'forbidden';

export interface RunnerEvents {
  'job-started': [job: DecodedJob, slot: number];
  'job-finished': [outcome: JobOutcome];
  /** Every answer to POST /jobs/request: 'job' | 'none' | 'failed' | 'forbidden'. */
  request: [kind: string, status?: number];
  refusing: [why: string];
  /** A heartbeat (POST /runners/verify) was sent while not polling; ok = 200. */
  heartbeat: [ok: boolean];
  forbidden: [message: string];
  stopped: [reason: string];
}

export interface Runner {
  start(): void;
  /** Stops requesting jobs and waits for running ones; `abort` kills them (runner_system_failure). */
  stop(opts?: { abort?: boolean }): Promise<void>;
  readonly running: number;
  readonly state: RunnerState;
  /** Why the runner stopped (e.g. the 403 message), once stopped. */
  readonly stoppedReason: string | null;
  /** Resolves once the runner has stopped, whatever the reason. */
  readonly done: Promise<void>;
  on<E extends keyof RunnerEvents>(event: E, listener: (...args: RunnerEvents[E]) => void): Runner;
  off<E extends keyof RunnerEvents>(event: E, listener: (...args: RunnerEvents[E]) => void): Runner;
}

function pickExecutor(o: RunnerOptions): JobExecutor {
  if (o.executor) return o.executor;
  if (o.route || o.handlers) {
    const route: Route = o.route ?? ({ byName: o.handlers } satisfies RouteMap);
    return sdkExecutor({ route });
  }
  if (o.docker) return dockerExecutor({ ...o.docker, runnerToken: o.token });
  return shellExecutor(o.shell);
}

export function createRunner(o: RunnerOptions): Runner {
  const logger = o.logger ?? silentLogger;
  const concurrency = Math.max(1, Math.floor(o.concurrency ?? 1));
  const requestConcurrency = Math.min(concurrency, Math.max(1, Math.floor(o.requestConcurrency ?? 1)));
  const executor = pickExecutor(o);
  const info: RunnerInfo = runnerInfo({ executor: executor.name, features: { ...executor.features, ...o.features } });
  const client = new CoordinatorClient({ url: o.url, retry: o.retry, logger });
  const sysId = o.systemId ?? defaultSystemId();
  const pollInterval = o.pollIntervalMs ?? 3000;
  const heartbeatInterval = o.heartbeatIntervalMs ?? 60_000;
  const buildsDir = path.resolve(o.buildsDir ?? 'builds');
  const cacheDir = path.resolve(o.cacheDir ?? 'cache');
  // what every job's steps inherit: the environment the runner starts with, read once
  const baseEnv = inheritedEnv();

  const events = new EventEmitter();
  const slots: (DecodedJob | null)[] = new Array(concurrency).fill(null);
  const jobs = new Set<Promise<void>>();
  const stopCtl = new AbortController();
  const abortCtl = new AbortController();
  const giveUpCtl = new AbortController();
  let state: RunnerState = 'new';
  let stoppedReason: string | null = null;
  let lastContact = Date.now();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let loop: Promise<void> = Promise.resolve();
  let heartbeat: NodeJS.Timeout | undefined;

  /** The pollers waiting (for a slot, or out the poll interval): a freed slot or stop() wakes them. */
  const sleepers = new Set<() => void>();
  const wake = () => {
    for (const w of [...sleepers]) w();
  };
  const waitFor = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(finish, ms);
      function finish() {
        clearTimeout(t);
        sleepers.delete(finish);
        resolve();
      }
      sleepers.add(finish);
      if (stopCtl.signal.aborted) finish();
    });

  const projectSlots: number[] = new Array(concurrency).fill(-1);
  /** CI_CONCURRENT_PROJECT_ID: the lowest index not used by a running job of the same project. */
  const projectSlot = (job: DecodedJob) => {
    const used = new Set(slots.flatMap((j, i) => (j && j.job_info.project_id === job.job_info.project_id ? [projectSlots[i]] : [])));
    let n = 0;
    while (used.has(n)) n++;
    return n;
  };

  const launch = (job: DecodedJob) => {
    const slot = slots.indexOf(null);
    const ps = projectSlot(job);
    slots[slot] = job;
    projectSlots[slot] = ps;
    events.emit('job-started', job, slot);
    logger.info('job received', { job: job.id, name: job.job_info.name, slot });
    const p = runJob({
      client,
      job,
      executor,
      info,
      logger,
      runnerToken: o.token,
      systemId: sysId,
      description: o.description,
      buildsDir,
      buildsDirName: o.buildsDirName,
      cacheDir,
      localRepos: o.localRepos,
      slot,
      projectSlot: ps,
      environment: o.environment,
      inheritedEnv: baseEnv,
      runnerAbort: abortCtl.signal,
      giveUp: giveUpCtl.signal,
      trace: o.trace,
    })
      .then(
        (outcome) => {
          logger.info('job finished', { job: job.id, state: outcome.state, reason: outcome.reason });
          events.emit('job-finished', outcome);
        },
        (e: Error) => {
          logger.error('job crashed', { job: job.id, error: e.message });
          events.emit('job-finished', { id: job.id, name: job.job_info.name, state: 'failed', reason: 'runner_system_failure', durationMs: 0 });
        },
      )
      .finally(() => {
        slots[slot] = null;
        jobs.delete(p);
        lastContact = Date.now();
        wake();
      });
    jobs.add(p);
  };

  const stopWith = (next: RunnerState, reason: string) => {
    if (state === 'stopped' || state === 'forbidden') return;
    if (next === 'forbidden') {
      state = 'forbidden';
      stoppedReason = reason;
      events.emit('forbidden', reason);
      logger.error(reason);
    }
    stopCtl.abort();
    wake();
  };

  /** Requests open now: each holds a free slot for the job it may bring. */
  let requesting = 0;
  let refusingSaid = false;
  const freeSlots = () => slots.reduce((n, j) => (j ? n : n + 1), 0) - requesting;

  /** One poller; `requestConcurrency` of them run side by side, each with a slot held while it asks. */
  async function pollLoop(): Promise<void> {
    while (!stopCtl.signal.aborted) {
      if (freeSlots() <= 0) {
        await waitFor(heartbeatInterval);
        continue;
      }
      const why = overloaded(o.limits);
      if (why) {
        if (!refusingSaid) {
          logger.warn(`refusing new jobs: ${why}`);
          events.emit('refusing', why);
          refusingSaid = true;
        }
        await waitFor(o.limits?.checkIntervalMs ?? 5000);
        continue;
      }
      refusingSaid = false;
      const hadLastUpdate = client.lastUpdate !== undefined;
      let result;
      requesting++;
      try {
        result = await client.requestJob({ token: o.token, systemId: sysId, info, signal: stopCtl.signal });
      } catch (e) {
        if (stopCtl.signal.aborted) break;
        result = { kind: 'failed' as const, status: -1, message: (e as Error).message };
      } finally {
        requesting--;
      }
      lastContact = Date.now();
      events.emit('request', result.kind, 'status' in result ? result.status : undefined);
      if (result.kind === 'job') {
        launch(result.job);
        continue;
      }
      if (result.kind === 'forbidden') {
        stopWith('forbidden', `the coordinator refused the runner token (403 Forbidden: ${result.message}); stopping`);
        break;
      }
      if (result.kind === 'failed') {
        logger.warn('checking for jobs... failed', { status: result.status, message: result.message });
        await waitFor(pollInterval);
        continue;
      }
      // 204: the first answer only hands out X-GitLab-Last-Update; a held long poll has waited.
      if (!hadLastUpdate && client.lastUpdate !== undefined) continue;
      await waitFor(Math.max(0, pollInterval - result.heldMs));
    }
  }

  async function beat(): Promise<void> {
    if (requesting > 0 || stopCtl.signal.aborted || Date.now() - lastContact < heartbeatInterval) return;
    lastContact = Date.now();
    try {
      await client.verifyRunner({ token: o.token, systemId: sysId, info, signal: stopCtl.signal });
      events.emit('heartbeat', true);
    } catch (e) {
      events.emit('heartbeat', false);
      if (e instanceof ProtocolError && (e.details as { status?: number })?.status === 403) {
        stopWith('forbidden', 'the coordinator refused the runner token (403 Forbidden on verify); stopping');
      } else logger.debug('heartbeat failed', { error: (e as Error).message });
    }
  }

  const runner: Runner = {
    start() {
      if (state !== 'new') return;
      state = 'running';
      heartbeat = setInterval(() => void beat(), Math.max(1000, Math.min(heartbeatInterval, 60_000)));
      heartbeat.unref();
      const prepared = executor.start
        ? executor.start((m) => logger.info(m)).catch((e: Error) => logger.warn(`the ${executor.name} executor could not prepare: ${e.message}`))
        : Promise.resolve();
      // a poller that crashes stops the others: the runner then stops as after stop()
      const poller = () =>
        pollLoop().catch((e: Error) => {
          logger.error('poll loop crashed', { error: e.message });
          stopCtl.abort();
          wake();
        });
      loop = prepared.then(() => Promise.all(Array.from({ length: requestConcurrency }, poller))).then(() => undefined);
      loop.then(async () => {
        await Promise.allSettled([...jobs]);
        clearInterval(heartbeat);
        await client.close();
        await closeIdleDrivers();
        if (state !== 'forbidden') {
          state = 'stopped';
          stoppedReason ??= 'stopped';
        }
        events.emit('stopped', stoppedReason!);
        resolveDone();
      });
    },
    async stop(opts = {}) {
      if (state === 'new') {
        state = 'stopped';
        stoppedReason = 'stopped';
        resolveDone();
        return;
      }
      if (state === 'running') state = 'stopping';
      stoppedReason ??= opts.abort ? 'aborted' : 'stopped';
      stopCtl.abort();
      wake();
      if (opts.abort) {
        abortCtl.abort();
        const t = setTimeout(() => giveUpCtl.abort(), o.abortTimeoutMs ?? 30_000);
        t.unref();
        await done;
        clearTimeout(t);
        return;
      }
      await done;
    },
    get running() {
      return jobs.size;
    },
    get state() {
      return state;
    },
    get stoppedReason() {
      return stoppedReason;
    },
    done,
    on(event, listener) {
      events.on(event, listener as (...a: unknown[]) => void);
      return runner;
    },
    off(event, listener) {
      events.off(event, listener as (...a: unknown[]) => void);
      return runner;
    },
  };
  return runner;
}
