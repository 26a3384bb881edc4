// jobs/request: the long poll.
//   v := queue version for the runner's class
//   if lastUpdate != v: claim (one SQL statement); job -> answer 201
//   loop: park until the version changes (no DB query), the hold ends, or the request aborts;
//         on a change claim again (a woken poll that got a job wakes the next one of its class);
//         at the end answer {none, lastUpdate: current version}. An aborted request never claims.
// The version is read BEFORE each claim, so a job made pending during a claim wakes the next park.
import type { ClaimAssign, RunnerMatch } from '../../store/ports.js';
import { FEATURE_BITS } from '../../store/ports.js';
import { matchKey } from '../../queue/port.js';
import { forbidden } from '../../util/errors.js';
import { sameTick } from '../../util/same-tick.js';
import { hashToken, randomToken, TOKEN_PREFIX } from '../../util/tokens.js';
import { emit, inTx, type EngineContext } from '../context.js';
import type { ClaimedJob, RequestJobInput, RequestJobResult, RunnerInfoInput } from '../coordinator.js';
import { lockScope, refreshPipeline, type PipelineScope } from '../flow.js';
import type { Job, Pipeline, Runner } from '../model.js';
import { resolveDependencies } from './dependencies.js';
import { finishJob } from './finish-job.js';
import { releaseUnanswered } from './release-job.js';
import { systemIdOf } from './runners.js';
import { variablesForJob } from '../variables.js';

/** Never matches a job: what a paused runner waits on. */
const NOTHING: RunnerMatch = { runnerId: 0, tags: [], runUntagged: false, protectedOnly: true, projectId: -1, features: 0 };

export function matchOf(runner: Runner, info: RunnerInfoInput | undefined): RunnerMatch {
  let features = 0;
  const announced = info?.features;
  for (const [name, bit] of Object.entries(FEATURE_BITS)) if (!announced || announced[name]) features |= bit;
  return {
    runnerId: runner.id,
    tags: runner.tags,
    runUntagged: runner.runUntagged,
    protectedOnly: runner.accessLevel === 'ref_protected',
    projectId: runner.projectId,
    features,
  };
}

// The first claims of a pipeline find it `pending` and must make it `running`, under its row lock.
// Any running job makes the derived status `running` (graph.ts pipelineStatus), so once a refresh
// that began after our claim committed has left the pipeline `running`, ours would change nothing.
// Claims of one pipeline on this node therefore share one such transaction instead of queueing on
// the row lock, each holding a pool connection (a burst of 200 claimers hits a new pipeline at once).
interface Start {
  /** `ticks` when it began: it saw every claim numbered below. */
  began: number;
  done: Promise<PipelineScope | null>;
}
let ticks = 0;
const starts = new WeakMap<EngineContext, Map<number, Start>>();
const readers = new WeakMap<EngineContext, (id: number) => Promise<Pipeline | null>>();

function pipelineReader(ctx: EngineContext): (id: number) => Promise<Pipeline | null> {
  let read = readers.get(ctx);
  if (!read) readers.set(ctx, (read = sameTick((id: number) => ctx.store.pipelines.byId(id))));
  return read;
}

async function startPipeline(ctx: EngineContext, job: Job, claimedAt: number): Promise<PipelineScope | null> {
  let flights = starts.get(ctx);
  if (!flights) starts.set(ctx, (flights = new Map()));
  let f = flights.get(job.pipelineId);
  if (f && f.began < claimedAt) {
    await f.done.catch(() => null);
    f = flights.get(job.pipelineId);
  }
  if (f && f.began > claimedAt) {
    const s = await f.done.catch(() => null);
    if (s && s.pipeline.status === 'running') {
      emit(ctx, { type: 'job', job });
      return { pipeline: s.pipeline, project: s.project };
    }
  }
  const own: Start = {
    began: ++ticks,
    done: inTx(ctx, async (tx, fx) => {
      fx.job(job);
      const s = await lockScope(tx, job.pipelineId, ctx.cache);
      // already `running` (another claim's refresh): our running job cannot change that
      if (s && s.pipeline.status !== 'running') await refreshPipeline(ctx, tx, fx, s);
      return s;
    }),
  };
  flights.set(job.pipelineId, own);
  try {
    return await own.done;
  } finally {
    if (flights.get(job.pipelineId) === own) flights.delete(job.pipelineId);
  }
}

export async function requestJob(ctx: EngineContext, input: RequestJobInput): Promise<RequestJobResult> {
  const { signal } = input;
  let runner = input.runner;
  let match = runner.paused ? NOTHING : matchOf(runner, input.info);
  const until = Date.now() + Math.max(0, Math.min(input.holdMs, ctx.config.longPollMs));
  let version = ctx.queue.version(match);
  let shouldClaim = !runner.paused && input.lastUpdate !== version;
  let woken = false;
  for (;;) {
    if (shouldClaim) {
      const claimed = await claim(ctx, runner, match, input.info, signal);
      // a woken poll that got a job passes the baton: the burst may hold more jobs
      if (woken && claimed) ctx.queue.wakeOne(match);
      if (claimed) return { kind: 'job', claimed };
    }
    const remaining = until - Date.now();
    if (signal.aborted || remaining <= 0) return { kind: 'none', lastUpdate: ctx.queue.version(match) };
    const parkedOn = { ...match, runnerId: runner.id };
    const changed = await ctx.queue.waitForChange(parkedOn, version, remaining, signal);
    if (!changed) return { kind: 'none', lastUpdate: ctx.queue.version(match) };
    if (signal.aborted) {
      // never hand a job to a request nobody waits for; let another poll take the wake-up
      ctx.queue.wakeOne(match);
      return { kind: 'none', lastUpdate: ctx.queue.version(match) };
    }
    // The runner may have been paused, deleted or re-tagged while this poll was parked (on any
    // node): re-read it before claiming, as GitLab re-authenticates the request the runner's queue
    // tick released. Paused: 204 at once; deleted: 403.
    const fresh = await ctx.store.runners.byId(runner.id);
    if (!fresh) throw forbidden('403 Forbidden');
    if (fresh.paused) {
      if (!runner.paused) ctx.queue.wakeOne(match);
      return { kind: 'none', lastUpdate: ctx.queue.version(NOTHING) };
    }
    const next = matchOf(fresh, input.info);
    const reclassed = matchKey(next) !== matchKey(match);
    runner = fresh;
    match = next;
    const now = ctx.queue.version(match);
    // a new class may already hold jobs for it: claim at once
    woken = !reclassed;
    shouldClaim = reclassed || now !== version;
    version = now;
  }
}

async function claim(ctx: EngineContext, runner: Runner, match: RunnerMatch, info: RunnerInfoInput | undefined, signal: AbortSignal): Promise<ClaimedJob | null> {
  // a job whose dependency's artifacts are gone fails at pick-up; the runner gets the next one
  for (let i = 0; i < MAX_DROPPED; i++) {
    const got = await claimOne(ctx, runner, match, info, signal);
    if (got !== MISSING) return got;
    if (signal.aborted) return null;
  }
  return null;
}

async function claimOne(ctx: EngineContext, runner: Runner, match: RunnerMatch, info: RunnerInfoInput | undefined, signal: AbortSignal): Promise<ClaimedJob | null | typeof MISSING> {
  const token = randomToken(TOKEN_PREFIX.job);
  const now = ctx.clock.now();
  const assign: ClaimAssign = {
    runnerId: runner.id,
    systemId: systemIdOf(info),
    tokenHash: hashToken(token),
    startedAt: now.toISOString(),
    maximumTimeout: runner.maximumTimeout,
    defaultTimeout: ctx.config.defaultJobTimeout,
    signal,
  };
  let claimed: Job | null;
  try {
    claimed = await ctx.store.queue.claim(match, assign);
    if (!claimed) return null;
    return await describeClaim(ctx, claimed, runner, token, now);
  } catch (error) {
    // The runner gets an error, never this job: if the claim committed, put the job back.
    releaseUnanswered(ctx, assign.tokenHash);
    throw error;
  }
}

/** Jobs failed for missing dependencies in one request before it answers 204 (bounds the loop). */
const MAX_DROPPED = 20;
const MISSING = Symbol('missing dependency');

/**
 * What the runner needs of a claimed job (pipeline started, dependencies, variables). A dependency
 * whose artifacts expiry removed fails the job (missing_dependency_failure) before it runs, as
 * GitLab's RegisterJobService drops a build whose dependencies are invalid: MISSING.
 */
async function describeClaim(ctx: EngineContext, job: Job, runner: Runner, token: string, now: Date): Promise<ClaimedJob | null | typeof MISSING> {
  const claimedAt = ++ticks;
  let scope: PipelineScope | null;
  // the claims of one batch read their pipeline (usually the same) with one query
  const seen = await pipelineReader(ctx)(job.pipelineId);
  if (seen && seen.status === 'running') {
    // a claim cannot change a running pipeline's status: no pipeline transaction needed
    emit(ctx, { type: 'job', job });
    const project = await ctx.cache.project(seen.projectId);
    scope = project ? { pipeline: seen, project } : null;
  } else {
    scope = await startPipeline(ctx, job, claimedAt);
  }
  if (!scope) return null;
  const [resolved, instanceVars, projectVars] = await Promise.all([
    resolveDependencies(ctx.store, job),
    ctx.cache.variablesOf(null),
    ctx.cache.variablesOf(job.projectId),
  ]);
  if (resolved.missing.length) {
    await finishJob(ctx, job, { status: 'failed', failureReason: 'missing_dependency_failure' }, ['running']);
    return MISSING;
  }
  const { jobs: deps, artifacts: archives, dotenv } = resolved;
  // protected variables only for a pipeline created on a protected ref (the flag the claim matched
  // on); environment-scoped ones only for a job whose environment matches
  const vars = variablesForJob({ instance: instanceVars, project: projectVars, job, pipeline: scope.pipeline });
  return {
    job,
    pipeline: scope.pipeline,
    project: scope.project,
    runner,
    token,
    dependencies: deps.map((d) => ({ job: d, archive: archives.find((a) => a.jobId === d.id && a.fileType === 'archive') ?? null })),
    dotenvVariables: deps.flatMap((d) => dotenv.get(d.id) ?? []),
    ciVariables: vars,
    queuedSeconds: job.queuedAt ? Math.max(0, Math.round((now.getTime() - Date.parse(job.queuedAt)) / 1000)) : 0,
  };
}
