// A short-lived map job token -> job for the runner's hot paths (trace PATCH, state PUT): a job
// token is bound to one job for its whole life (random, issued at claim), so after one successful
// database check, or the claim that issued it, the next requests of that job skip the lookup. Only
// the job's identity is reused: the engine re-reads the job's current status on every update and
// append, so a cancel or finish is still seen at once. A token enters at its claim only once its
// answer is on its way (a released claim's token never reached a runner).
import type { Coordinator } from '../engine/coordinator.js';
import type { Job } from '../engine/model.js';

export interface JobTokenCache {
  authenticate(jobId: number, token: string): Promise<Job | null>;
  /** The token a claim just issued for `job`. */
  remember(token: string, job: Job): void;
}

export function createJobTokenCache(coordinator: Coordinator, options: { ttlMs?: number; max?: number } = {}): JobTokenCache {
  const ttlMs = options.ttlMs ?? 60_000;
  const max = options.max ?? 20_000;
  const entries = new Map<string, { job: Job; at: number }>();
  const put = (token: string, job: Job, at: number) => {
    if (entries.size >= max) entries.clear();
    entries.set(token, { job, at });
  };
  return {
    remember(token, job) {
      put(token, job, Date.now());
    },
    async authenticate(jobId, token) {
      const hit = entries.get(token);
      const now = Date.now();
      if (hit && now - hit.at < ttlMs) return hit.job.id === jobId ? hit.job : null;
      const job = await coordinator.authenticateJob(jobId, token);
      if (job) {
        put(token, job, now);
      } else {
        entries.delete(token);
      }
      return job;
    },
  };
}
