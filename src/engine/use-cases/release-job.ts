// release: a claimed job whose answer never reached its runner goes back to the queue. The
// jobs/request route calls it when the runner's connection closed before the 201 was written, so
// the runner cannot have the job; without this the job would sit `running` until the stale sweep
// failed it (an hour by default). Only a job exactly as its claim left it is released: still
// `running` for the same runner, started at the claim's time and with no update since. Its
// runner-side fields are cleared and the timeout the runner's maximum_timeout capped is restored.
import { inTx, type EngineContext } from '../context.js';
import { lockScope, makePending, refreshPipeline } from '../flow.js';
import type { Job } from '../model.js';

export async function releaseJob(ctx: EngineContext, claimed: Job): Promise<Job | null> {
  return inTx(ctx, async (tx, fx) => {
    const scope = await lockScope(tx, claimed.pipelineId, ctx.cache);
    if (!scope) return null;
    const job = await tx.jobs.byId(claimed.id);
    const untouched =
      job !== null &&
      job.status === 'running' &&
      job.runnerId === claimed.runnerId &&
      job.startedAt === claimed.startedAt &&
      job.lastActivityAt === claimed.startedAt &&
      job.traceSize === 0;
    if (!untouched) return null;
    const back = await makePending(ctx, tx, fx, scope, job, ['running'], {
      queuedAt: job.queuedAt ?? ctx.now(),
      runnerId: null,
      systemId: null,
      tokenHash: null,
      startedAt: null,
      lastActivityAt: null,
      deadlineAt: null,
      timeout: job.spec.timeout ?? ctx.config.defaultJobTimeout,
    });
    if (back) await refreshPipeline(ctx, tx, fx, scope);
    return back;
  });
}

/** Backoff of releaseUnanswered (ms): 0.5 s doubling to 10 s, about two minutes in all. */
const RELEASE_BACKOFF = [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000];

/**
 * A claim whose answer never left the server because the database failed at or after the claim
 * (PostgreSQL restarting; the claim may even have committed with its reply lost): the job is
 * looked up by the claim's token hash and released as soon as the database answers again, in the
 * background. Nothing is done when the claim never committed or the job moved on meanwhile.
 */
export function releaseUnanswered(ctx: EngineContext, tokenHash: string, onGiveUp?: (error: unknown) => void): void {
  const attempt = async (i: number): Promise<void> => {
    try {
      const job = await ctx.store.jobs.byTokenHash(tokenHash);
      if (job) await releaseJob(ctx, job);
    } catch (error) {
      if (i >= RELEASE_BACKOFF.length) return onGiveUp?.(error);
      const t = setTimeout(() => void attempt(i + 1), RELEASE_BACKOFF[i]);
      t.unref();
    }
  };
  void attempt(0);
}
