// cancel: a job or a whole pipeline (with its child pipelines), and auto-cancel of redundant pipelines (interruptible).
// A running job whose runner manager announced `cancel_gracefully` goes to `canceling` (the runner
// learns it from Job-Status on its next PATCH/PUT and ends it as `canceled`); other running jobs and
// everything not yet running become `canceled` at once.
import type { StorePorts } from '../../store/ports.js';
import { notFound } from '../../util/errors.js';
import { inTx, type EngineContext, type Effects } from '../context.js';
import { lockJob, lockScope, refreshPipeline, type PipelineScope } from '../flow.js';
import { FINISHED_PIPELINE } from '../graph.js';
import type { Job, JobStatus, Pipeline } from '../model.js';
import { finishLocked, handOverResource } from './finish-job.js';

const NOT_STARTED: JobStatus[] = ['created', 'manual', 'scheduled', 'waiting_for_resource', 'pending'];

async function graceful(tx: StorePorts, job: Job): Promise<boolean> {
  if (job.runnerId === null) return false;
  const managers = await tx.runners.managers(job.runnerId);
  const m = managers.find((x) => x.systemId === job.systemId) ?? managers[0];
  return !!m?.features?.cancel_gracefully;
}

type Groups = { projectId: number; key: string }[];

async function cancelLocked(ctx: EngineContext, tx: StorePorts, fx: Effects, scope: PipelineScope, job: Job, groups: Groups, settleDependants: boolean): Promise<void> {
  if (job.status === 'running' && (await graceful(tx, job))) {
    const j = await tx.jobs.transition(job.id, ['running'], { status: 'canceling' });
    if (j) fx.job(j);
    return;
  }
  if (job.status === 'running' || job.status === 'canceling') {
    await finishLocked(ctx, tx, fx, scope, job, { status: 'canceled' }, groups);
    return;
  }
  if (!NOT_STARTED.includes(job.status)) return;
  if (settleDependants) {
    await finishLocked(ctx, tx, fx, scope, job, { status: 'canceled' }, groups);
    return;
  }
  const j = await tx.jobs.transition(job.id, [job.status], { status: 'canceled', finishedAt: ctx.now() });
  if (!j) return;
  fx.job(j);
  if (job.status === 'pending') await tx.queue.dequeue(job.id);
  if (job.spec.resourceGroup && (job.status === 'pending' || job.status === 'waiting_for_resource')) {
    await tx.resourceGroups.release(job.projectId, job.spec.resourceGroup, job.id);
    groups.push({ projectId: job.projectId, key: job.spec.resourceGroup });
  }
}

export async function cancelJob(ctx: EngineContext, jobId: number): Promise<void> {
  const groups: Groups = [];
  await inTx(ctx, async (tx, fx) => {
    const locked = await lockJob(tx, jobId, ctx.cache);
    if (!locked) {
      if (!(await tx.jobs.byId(jobId))) throw notFound(`Job ${jobId} not found`);
      return;
    }
    await cancelLocked(ctx, tx, fx, locked.scope, locked.job, groups, true);
    await refreshPipeline(ctx, tx, fx, locked.scope);
  });
  for (const g of groups) await handOverResource(ctx, g.projectId, g.key);
}

/**
 * Cancels the pipeline's unfinished jobs, then those of its child pipelines, recursively (GitLab's
 * cascade_to_children). `only` restricts to some jobs (interruptible mode) and does not cascade.
 *
 * Race-free against trigger jobs creating children meanwhile: a pipeline's children are listed only
 * after its own cancel committed, and a child is created only while its trigger job still runs,
 * checked under the parent's row lock (downstream-limits.ts), so no child can appear unseen.
 */
export async function cancelPipeline(ctx: EngineContext, pipelineId: number, only?: (job: Job) => boolean): Promise<void> {
  await cancelOne(ctx, pipelineId, only);
  if (only) return;
  const seen = new Set<number>([pipelineId]);
  let level = [pipelineId];
  while (level.length > 0) {
    const next: number[] = [];
    for (const parentId of level) {
      for (const child of await ctx.store.pipelines.children(parentId)) {
        if (seen.has(child.id)) continue;
        seen.add(child.id);
        if (!FINISHED_PIPELINE.includes(child.status)) await cancelOne(ctx, child.id);
        next.push(child.id);
      }
    }
    level = next;
  }
}

async function cancelOne(ctx: EngineContext, pipelineId: number, only?: (job: Job) => boolean): Promise<void> {
  const groups: Groups = [];
  await inTx(ctx, async (tx, fx) => {
    const scope = await lockScope(tx, pipelineId, ctx.cache);
    if (!scope) throw notFound(`Pipeline ${pipelineId} not found`);
    const jobs = (await tx.jobs.byPipeline(pipelineId)).filter((j) => !j.retried && (!only || only(j)));
    // Not-started jobs first, so nothing is started by the cancellation of another.
    const order = [...jobs.filter((j) => j.status !== 'running' && j.status !== 'canceling'), ...jobs.filter((j) => j.status === 'running' || j.status === 'canceling')];
    for (const j of order) {
      const fresh = (await tx.jobs.byId(j.id)) ?? j;
      await cancelLocked(ctx, tx, fx, scope, fresh, groups, !!only);
    }
    await refreshPipeline(ctx, tx, fx, scope);
  });
  for (const g of groups) await handOverResource(ctx, g.projectId, g.key);
}

/**
 * GitLab's auto-cancel of redundant pipelines when a new one starts on the same ref:
 * `conservative` cancels an older pipeline only while none of its non-interruptible jobs has
 * started; `interruptible` cancels only its interruptible jobs.
 */
export async function autoCancelRedundant(ctx: EngineContext, newer: Pipeline, mode: 'conservative' | 'interruptible'): Promise<void> {
  const older = await ctx.store.pipelines.activeOnRef(newer.projectId, newer.ref, newer.id);
  for (const p of older) {
    if (p.parentPipelineId !== null) continue;
    const jobs = (await ctx.store.jobs.byPipeline(p.id)).filter((j) => !j.retried);
    if (mode === 'conservative') {
      const startedUninterruptible = jobs.some((j) => !j.spec.interruptible && j.startedAt !== null);
      if (!startedUninterruptible) await cancelPipeline(ctx, p.id);
    } else {
      await cancelPipeline(ctx, p.id, (j) => j.spec.interruptible);
    }
  }
}

/** `workflow:auto_cancel:on_job_failure: all`: a blocking failure (not allowed, not retried) cancels the rest. */
export async function autoCancelOnFailure(ctx: EngineContext, finished: Job | null): Promise<void> {
  if (!finished || finished.status !== 'failed') return;
  const [lite] = await ctx.store.jobs.liteByIds([finished.id]);
  if (!lite || lite.retried || lite.allowFailure) return;
  if (await ctx.store.pipelines.autoCancelOnFailure(finished.pipelineId)) await cancelPipeline(ctx, finished.pipelineId);
}
