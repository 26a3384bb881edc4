// The sweeper, one pass (run every sweepIntervalMs; a pass never overlaps the previous one):
//   scheduled jobs whose start_in elapsed        -> queued (pending / waiting_for_resource)
//   running jobs past their deadline             -> failed (job_execution_timeout)
//   running jobs without trace/update too long   -> failed (stuck_or_timeout_failure)
//   canceling jobs without update too long       -> canceled
// Every step reads a bounded batch; state changes go through finishJob / startDueScheduled.
import type { EngineContext } from '../context.js';
import { autoCancelOnFailure } from './cancel.js';
import { finishJob } from './finish-job.js';
import { startDueScheduled } from './retry-play.js';

const BATCH = 200;

export async function sweepOnce(ctx: EngineContext): Promise<number> {
  let changed = 0;
  const now = ctx.clock.now();
  const iso = now.toISOString();
  for (const job of await ctx.store.jobs.due('scheduled', 'scheduledAt', iso, BATCH)) {
    await startDueScheduled(ctx, job);
    changed++;
  }
  for (const job of await ctx.store.jobs.due('running', 'deadlineAt', iso, BATCH)) {
    const done = await finishJob(ctx, job, { status: 'failed', failureReason: 'job_execution_timeout' }, ['running']);
    if (done) changed++;
    await autoCancelOnFailure(ctx, done);
  }
  const staleBefore = new Date(now.getTime() - ctx.config.staleJobSeconds * 1000).toISOString();
  for (const job of await ctx.store.jobs.due('running', 'lastActivityAt', staleBefore, BATCH)) {
    const done = await finishJob(ctx, job, { status: 'failed', failureReason: 'stuck_or_timeout_failure' }, ['running']);
    if (done) changed++;
    await autoCancelOnFailure(ctx, done);
  }
  for (const job of await ctx.store.jobs.due('canceling', 'lastActivityAt', staleBefore, BATCH)) {
    if (await finishJob(ctx, job, { status: 'canceled' }, ['canceling'])) changed++;
  }
  return changed;
}
