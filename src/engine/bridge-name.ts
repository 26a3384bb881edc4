// The name of the child pipeline a trigger (bridge) job creates: it ties the child to its bridge,
// so a restart never creates it twice (server/bridge-jobs.ts) and the REST API finds a bridge's
// downstream pipeline (rest/routes/pipelines.ts).
import type { Job } from './model.js';

export function bridgeChildName(job: Pick<Job, 'id' | 'name'>): string {
  return `${job.name} (child of job #${job.id})`;
}
