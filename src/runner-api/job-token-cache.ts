// A short-lived map job token -> job for the hot trace PATCH path: a job token is bound to one
// job for its whole life (random, issued at claim), so after one successful database check the
// next PATCHes of that job skip it. Only the job's identity is reused: the engine re-reads the
// job's current status on every append, so a cancel or finish is still seen at once.
import type { Coordinator } from '../engine/coordinator.js';
import type { Job } from '../engine/model.js';

export interface JobTokenCache {
  authenticate(jobId: number, token: string): Promise<Job | null>;
}

export function createJobTokenCache(coordinator: Coordinator, options: { ttlMs?: number; max?: number } = {}): JobTokenCache {
  const ttlMs = options.ttlMs ?? 60_000;
  const max = options.max ?? 20_000;
  const entries = new Map<string, { job: Job; at: number }>();
  return {
    async authenticate(jobId, token) {
      const hit = entries.get(token);
      const now = Date.now();
      if (hit && now - hit.at < ttlMs) return hit.job.id === jobId ? hit.job : null;
      const job = await coordinator.authenticateJob(jobId, token);
      if (job) {
        if (entries.size >= max) entries.clear();
        entries.set(token, { job, at: now });
      } else {
        entries.delete(token);
      }
      return job;
    },
  };
}
