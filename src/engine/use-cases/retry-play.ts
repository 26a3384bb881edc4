// retry (a job, or a pipeline's failed and canceled jobs) and play (a manual or delayed job).
// Retrying one job: a new attempt with the same name that goes straight to the queue (GitLab's
// RetryJobService enqueues it at once). Retrying a pipeline (GitLab's RetryPipelineService): every
// failed or canceled job gets a new `created` attempt, skipped jobs go back to `created`, and the
// pipeline is processed again as on a first run: a retried job waits for its stage or `needs`.
import type { StorePorts } from '../../store/ports.js';
import { conflict, notFound } from '../../util/errors.js';
import { inTx, type EngineContext, type Effects } from '../context.js';
import { advance, enqueue, lockJob, lockScope, refreshPipeline, type PipelineScope } from '../flow.js';
import type { Job, JobStatus, PipelineVariable } from '../model.js';
import { newAttempt } from './finish-job.js';

const RETRYABLE: JobStatus[] = ['success', 'failed', 'canceled'];

async function resetSkipped(tx: StorePorts, fx: Effects, scope: PipelineScope): Promise<void> {
  for (const j of await tx.jobs.lite(scope.pipeline.id)) {
    if (j.retried || j.status !== 'skipped') continue;
    const r = await tx.jobs.transition(j.id, ['skipped'], { status: 'created' });
    if (r) fx.job(r);
  }
}

async function retryLocked(ctx: EngineContext, tx: StorePorts, fx: Effects, scope: PipelineScope, job: Job): Promise<Job> {
  const next = await newAttempt(ctx, tx, fx, scope, job);
  return (await enqueue(ctx, tx, fx, scope, next)) ?? next;
}

export async function retryJob(ctx: EngineContext, jobId: number): Promise<Job> {
  return inTx(ctx, async (tx, fx) => {
    const locked = await lockJob(tx, jobId, ctx.cache);
    if (!locked) throw notFound(`Job ${jobId} not found`);
    const { scope, job } = locked;
    if (job.retried) throw conflict('A newer attempt of this job exists.');
    if (!RETRYABLE.includes(job.status)) throw conflict(`Job ${jobId} is ${job.status} and cannot be retried.`);
    const next = await retryLocked(ctx, tx, fx, scope, job);
    await resetSkipped(tx, fx, scope);
    await advance(ctx, tx, fx, scope, 'all');
    return (await tx.jobs.byId(next.id)) ?? next;
  });
}

export async function retryPipeline(ctx: EngineContext, pipelineId: number): Promise<void> {
  await inTx(ctx, async (tx, fx) => {
    const scope = await lockScope(tx, pipelineId, ctx.cache);
    if (!scope) throw notFound(`Pipeline ${pipelineId} not found`);
    const jobs = (await tx.jobs.byPipeline(pipelineId)).filter((j) => !j.retried && (j.status === 'failed' || j.status === 'canceled'));
    if (!jobs.length) return;
    // new `created` attempts: advance() queues those whose stage or needs allow it, as on a first run
    for (const j of jobs) await newAttempt(ctx, tx, fx, scope, j);
    await resetSkipped(tx, fx, scope);
    await advance(ctx, tx, fx, scope, 'all');
  });
}

export async function playJob(ctx: EngineContext, jobId: number, variables: PipelineVariable[] = []): Promise<Job> {
  return inTx(ctx, async (tx, fx) => {
    const locked = await lockJob(tx, jobId, ctx.cache);
    if (!locked) throw notFound(`Job ${jobId} not found`);
    const { scope, job } = locked;
    if (job.status !== 'manual' && job.status !== 'scheduled') throw conflict(`Job ${jobId} is ${job.status}, not manual or scheduled.`);
    if (variables.length) await tx.jobs.update(job.id, { playVariables: variables });
    const played = await enqueue(ctx, tx, fx, scope, { ...job, playVariables: variables.length ? variables : job.playVariables });
    await refreshPipeline(ctx, tx, fx, scope);
    return played ?? job;
  });
}

/** Delayed jobs whose start_in elapsed (sweeper). */
export async function startDueScheduled(ctx: EngineContext, job: Job): Promise<void> {
  await inTx(ctx, async (tx, fx) => {
    const scope = await lockScope(tx, job.pipelineId, ctx.cache);
    const fresh = await tx.jobs.byId(job.id);
    if (!scope || !fresh || fresh.status !== 'scheduled') return;
    await enqueue(ctx, tx, fx, scope, fresh);
    await refreshPipeline(ctx, tx, fx, scope);
  });
}
