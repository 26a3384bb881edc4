// job-finished: a job reaches a final status (runner PUT, timeout, stale sweep, cancel). Releases
// its resource group, retries it when `retry` says so, and settles only its dependants.
import type { StorePorts } from '../../store/ports.js';
import { inTx, type EngineContext, type Effects } from '../context.js';
import type { JobLite } from '../../store/ports.js';
import { advance, enqueue, liteOf, lockScope, makePending, refreshPipeline, type PipelineScope } from '../flow.js';
import { shouldRetry } from '../graph.js';
import { newJobRow } from '../new-job.js';
import { allowsFailure, type FailureReason, type Job, type JobStatus } from '../model.js';

export interface FinishInput {
  status: 'success' | 'failed' | 'canceled';
  failureReason?: FailureReason | null;
  exitCode?: number | null;
}

/**
 * Finishes `job` if its status (re-read under the pipeline's lock) is one of `from`; returns the
 * finished job or null. The caller has the job row already (its id and pipeline are enough).
 * Finishes of one pipeline that arrive while another is in flight on this node wait and then share
 * ONE transaction (like a group commit): its row lock is taken once, and their dependants are
 * settled in one `advance`. Without this, 50 runners finishing jobs of one pipeline queue on its
 * row lock one transaction at a time (PostgreSQL: ~10 round trips each).
 */
export function finishJob(ctx: EngineContext, job: Pick<Job, 'id' | 'pipelineId'>, input: FinishInput, from: readonly JobStatus[]): Promise<Job | null> {
  return new Promise<Job | null>((resolve, reject) => queueFinish(ctx, job.pipelineId, { jobId: job.id, input, from, resolve, reject }));
}

interface FinishRequest {
  jobId: number;
  input: FinishInput;
  from: readonly JobStatus[];
  resolve(job: Job | null): void;
  reject(error: unknown): void;
}

/** Finishes per transaction at most (bounds the time the row lock is held). */
const MAX_GROUP = 100;
const queues = new WeakMap<EngineContext, Map<number, FinishRequest[]>>();

function queueFinish(ctx: EngineContext, pipelineId: number, request: FinishRequest): void {
  let byPipeline = queues.get(ctx);
  if (!byPipeline) queues.set(ctx, (byPipeline = new Map()));
  const waiting = byPipeline.get(pipelineId);
  if (waiting) {
    waiting.push(request);
    return;
  }
  const queue = [request];
  byPipeline.set(pipelineId, queue);
  void drainFinishes(ctx, pipelineId, queue, byPipeline);
}

async function drainFinishes(ctx: EngineContext, pipelineId: number, queue: FinishRequest[], byPipeline: Map<number, FinishRequest[]>): Promise<void> {
  while (queue.length) {
    const group = queue.splice(0, MAX_GROUP);
    try {
      const results = await finishGroup(ctx, pipelineId, group);
      group.forEach((request, i) => request.resolve(results[i] ?? null));
    } catch (error) {
      if (group.length === 1) {
        group[0].reject(error);
        continue;
      }
      // One bad finish must not fail the others of its group: each runs alone now.
      for (const request of group) {
        await finishGroup(ctx, pipelineId, [request]).then(([job]) => request.resolve(job ?? null), (e: unknown) => request.reject(e));
      }
    }
  }
  byPipeline.delete(pipelineId);
}

/** One transaction for `group`: result i is the finished job of request i, or null. */
async function finishGroup(ctx: EngineContext, pipelineId: number, group: FinishRequest[]): Promise<(Job | null)[]> {
  const handOver: { projectId: number; key: string }[] = [];
  const results = await inTx(ctx, async (tx, fx) => {
    handOver.length = 0;
    const scope = await lockScope(tx, pipelineId, ctx.cache);
    if (!scope) return group.map(() => null);
    const out: (Job | null)[] = [];
    const settled: JobLite[] = [];
    let retried = false;
    for (const request of group) {
      const job = await tx.jobs.byId(request.jobId);
      if (!job || !request.from.includes(job.status)) {
        out.push(null);
        continue;
      }
      const f = await finishOne(ctx, tx, fx, scope, job, request.input, handOver);
      out.push(f.done);
      if (f.done && f.retried) retried = true;
      else if (f.done && f.lite) settled.push(f.lite);
    }
    if (settled.length) await advance(ctx, tx, fx, scope, settled);
    else if (retried) await refreshPipeline(ctx, tx, fx, scope);
    return out;
  });
  for (const g of handOver) await handOverResource(ctx, g.projectId, g.key);
  return results;
}

/** finishOne, then settles the job's dependants (or refreshes the pipeline after a retry). */
export async function finishLocked(
  ctx: EngineContext,
  tx: StorePorts,
  fx: Effects,
  scope: PipelineScope,
  job: Job,
  input: FinishInput,
  groupsToHandOver: { projectId: number; key: string }[],
): Promise<Job | null> {
  const f = await finishOne(ctx, tx, fx, scope, job, input, groupsToHandOver);
  if (!f.done) return null;
  if (f.retried) await refreshPipeline(ctx, tx, fx, scope);
  else await advance(ctx, tx, fx, scope, f.lite ? [f.lite] : [job.id]);
  return f.done;
}

/**
 * Moves a job (its pipeline locked) to its final status, releases its resource group and, when
 * `retry` says so, queues a new attempt (`retried`). Dependants are left to the caller.
 */
async function finishOne(
  ctx: EngineContext,
  tx: StorePorts,
  fx: Effects,
  scope: PipelineScope,
  job: Job,
  input: FinishInput,
  groupsToHandOver: { projectId: number; key: string }[],
): Promise<{ done: Job | null; retried: boolean; lite?: JobLite }> {
  const status = job.status === 'canceling' ? 'canceled' : input.status;
  const exitCode = input.exitCode ?? null;
  const failureReason = status === 'failed' ? (input.failureReason ?? 'script_failure') : null;
  const allowFailure = allowsFailure({ status, exitCode, spec: job.spec });
  const wasPending = job.status === 'pending';
  const done = await tx.jobs.transition(job.id, [job.status], {
    status,
    failureReason,
    exitCode,
    allowFailure,
    finishedAt: ctx.now(),
  });
  if (!done) return { done: null, retried: false };
  if (wasPending) await tx.queue.dequeue(job.id);
  fx.job(done);
  const group = job.spec.resourceGroup;
  if (group) {
    await tx.resourceGroups.release(job.projectId, group, job.id);
    groupsToHandOver.push({ projectId: job.projectId, key: group });
  }
  if (status === 'failed' && shouldRetry(job.spec.retry, job.attempt, failureReason ?? 'script_failure', exitCode)) {
    const next = await newAttempt(ctx, tx, fx, scope, done);
    await enqueue(ctx, tx, fx, scope, next);
    return { done, retried: true };
  }
  return { done, retried: false, lite: liteOf(done, allowFailure) };
}

/** A new attempt of `old` (status created); `old` is marked retried and its edges move to the new one. */
export async function newAttempt(ctx: EngineContext, tx: StorePorts, fx: Effects, _scope: PipelineScope, old: Job): Promise<Job> {
  const [next] = await tx.jobs.insertMany([
    newJobRow(ctx, { pipelineId: old.pipelineId, projectId: old.projectId, spec: old.spec, attempt: old.attempt + 1, playVariables: old.playVariables }),
  ]);
  await tx.jobs.update(old.id, { retried: true });
  await tx.edges.repoint(old.id, next.id);
  fx.job({ ...old, retried: true });
  fx.job(next);
  return next;
}

/** Gives a free resource group to the next waiting job (process mode order). */
export async function handOverResource(ctx: EngineContext, projectId: number, key: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const moved = await inTx(ctx, async (tx, fx) => {
      const waiting = await tx.jobs.waitingForResource(projectId, key);
      if (!waiting.length) return false;
      const mode = await tx.resourceGroups.mode(projectId, key);
      const pick = mode === 'newest_first' ? waiting[waiting.length - 1] : waiting[0];
      const scope = await lockScope(tx, pick.pipelineId, ctx.cache);
      if (!scope) return false;
      const fresh = await tx.jobs.byId(pick.id);
      if (!fresh || fresh.status !== 'waiting_for_resource') return true;
      if (!(await tx.resourceGroups.acquire(projectId, key, fresh.id))) return false;
      await makePending(ctx, tx, fx, scope, fresh, ['waiting_for_resource']);
      await refreshPipeline(ctx, tx, fx, scope);
      return false;
    });
    if (!moved) return;
  }
}
