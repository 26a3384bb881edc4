// Pending jobs no online runner can take ("This job is stuck…" in GitLab): a runner counts when it
// is not paused and contacted us within runnerOnlineSeconds; matching is the claim's own rule,
// with the features its managers announced.
import { matches } from '../../queue/port.js';
import type { EngineContext } from '../context.js';
import type { RunnerInfoInput } from '../coordinator.js';
import { matchOf } from './request-job.js';

export async function stuckPendingJobs(ctx: EngineContext, limit = 1000): Promise<number[]> {
  const onlineSince = ctx.clock.now().getTime() - ctx.config.runnerOnlineSeconds * 1000;
  const [entries, runners, managers] = await Promise.all([ctx.store.queue.list(limit), ctx.store.runners.list(), ctx.store.runners.managers()]);
  const online = runners.filter((r) => !r.paused && r.contactedAt !== null && Date.parse(r.contactedAt) >= onlineSince);
  const matchers = online.flatMap((r) => {
    const own = managers.filter((m) => m.runnerId === r.id);
    const infos: (RunnerInfoInput | undefined)[] = own.length ? own.map((m) => ({ features: m.features })) : [undefined];
    return infos.map((info) => matchOf(r, info));
  });
  return entries.filter((e) => !matchers.some((m) => matches(m, e))).map((e) => e.jobId);
}
