// job-finished: a job reaches a final status (runner PUT, timeout, stale sweep, cancel). Releases
// its resource group, retries it when `retry` says so, and settles only its dependants.
import type { StorePorts } from '../../store/ports.js';
import { inTx, type EngineContext, type Effects } from '../context.js';
import { advance, enqueue, lockScope, makePending, refreshPipeline, type PipelineScope } from '../flow.js';
import { shouldRetry } from '../graph.js';
import { newJobRow } from '../new-job.js';
import type { FailureReason, Job, JobStatus } from '../model.js';

export interface FinishInput {
  status: 'success' | 'failed' | 'canceled';
  failureReason?: FailureReason | null;
  exitCode?: number | null;
}

/** Finishes `jobId` if its status is one of `from`; returns the finished job or null. */
export async function finishJob(ctx: EngineContext, jobId: number, input: FinishInput, from: readonly JobStatus[]): Promise<Job | null> {
  const groups: { projectId: number; key: string }[] = [];
  const result = await inTx(ctx, async (tx, fx) => {
    const job0 = await tx.jobs.byId(jobId);
    if (!job0) return null;
    const scope = await lockScope(tx, job0.pipelineId, ctx.cache);
    if (!scope) return null;
    const job = await tx.jobs.byId(jobId);
    if (!job || !from.includes(job.status)) return null;
    return finishLocked(ctx, tx, fx, scope, job, input, groups);
  });
  for (const g of groups) await handOverResource(ctx, g.projectId, g.key);
  return result;
}

export async function finishLocked(
  ctx: EngineContext,
  tx: StorePorts,
  fx: Effects,
  scope: PipelineScope,
  job: Job,
  input: FinishInput,
  groupsToHandOver: { projectId: number; key: string }[],
): Promise<Job | null> {
  const status = job.status === 'canceling' ? 'canceled' : input.status;
  const exitCode = input.exitCode ?? null;
  const failureReason = status === 'failed' ? (input.failureReason ?? 'script_failure') : null;
  let allowFailure = job.spec.allowFailure;
  if (status === 'failed' && job.spec.allowFailureExitCodes) allowFailure = exitCode !== null && job.spec.allowFailureExitCodes.includes(exitCode);
  const wasPending = job.status === 'pending';
  const done = await tx.jobs.transition(job.id, [job.status], {
    status,
    failureReason,
    exitCode,
    allowFailure,
    finishedAt: ctx.now(),
  });
  if (!done) return null;
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
    await refreshPipeline(ctx, tx, fx, scope);
    return done;
  }
  await advance(ctx, tx, fx, scope, [job.id]);
  return done;
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
