// `run --job NAME`: keep the named jobs and, transitively, the jobs they need (needs and
// dependencies). Jobs ordered by stage keep their stage order among what remains.
import type { PipelinePlan } from '../ci/plan.js';

export function selectJobs(plan: PipelinePlan, names: string[]): PipelinePlan {
  const byName = new Map(plan.jobs.map((j) => [j.name, j]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length > 0) throw new Error(`--job: no job named ${unknown.map((n) => JSON.stringify(n)).join(', ')} in this pipeline`);
  const keep = new Set<string>();
  const stack = [...names];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (keep.has(name)) continue;
    const job = byName.get(name);
    if (!job) continue;
    keep.add(name);
    for (const need of job.needs ?? []) stack.push(need.job);
    for (const dep of job.dependencies ?? []) stack.push(dep);
  }
  return { ...plan, jobs: plan.jobs.filter((j) => keep.has(j.name)) };
}
