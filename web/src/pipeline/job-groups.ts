// Parallel and matrix jobs grouped as GitLab does: `test 1/3` … `test 3/3` and `unit-tests: [18, mac]`
// … are one group ("test 3", "unit-tests 4") whose status is the most telling of its jobs. Jobs keep
// a stable order: the order their first attempt was created in (the .gitlab-ci.yml order), so a
// retry (a new attempt, a higher id) never moves a job.
import type { Job, Status } from '../types.js';

/** The group a job belongs to: its name without ` i/N` (parallel) or `: [a, b]` (matrix). */
export function groupName(name: string): string {
  const parallel = /^(.+) \d+\/\d+$/.exec(name);
  if (parallel) return parallel[1];
  const matrix = /^(.+?): \[.*\]$/.exec(name);
  return matrix ? matrix[1] : name;
}

export interface JobGroup {
  /** Group name ("unit-tests"); the job's own name for a group of one. */
  name: string;
  jobs: Job[];
  /** Status to show for the group (the job's own for a group of one). */
  status: Status;
  /** Every job of the group that did not pass is allowed to fail (GitLab's warning). */
  allowFailure: boolean;
}

// Most telling first: a failure, then what is still moving, then what waits for a person.
const RANK: Status[] = ['failed', 'running', 'canceling', 'pending', 'waiting_for_resource', 'scheduled', 'created', 'manual', 'canceled', 'success', 'skipped'];

/** The status of a group: GitLab's composite (a failure allowed to fail counts as a pass). */
export function groupStatus(jobs: readonly Job[]): { status: Status; allowFailure: boolean } {
  if (jobs.length === 1) return { status: jobs[0].status, allowFailure: jobs[0].allowFailure };
  const hard = jobs.filter((j) => !(j.status === 'failed' && j.allowFailure));
  const pick = (list: readonly Job[]) => RANK.find((s) => list.some((j) => j.status === s)) ?? list[0].status;
  if (hard.length === 0) return { status: 'failed', allowFailure: true };
  const status = pick(hard);
  // All passed but some were allowed to fail: GitLab shows "passed with warnings".
  const warned = status === 'success' && hard.length < jobs.length;
  return warned ? { status: 'failed', allowFailure: true } : { status, allowFailure: false };
}

/** The latest attempt of every job, in stable order (first attempt's creation). */
export function latestJobs(all: readonly Job[]): Job[] {
  const firstId = new Map<string, number>();
  for (const j of all) firstId.set(j.name, Math.min(firstId.get(j.name) ?? Infinity, j.id));
  return all.filter((j) => !j.retried).sort((a, b) => a.stageIndex - b.stageIndex || firstId.get(a.name)! - firstId.get(b.name)! || a.id - b.id);
}

/** Jobs (already in order) grouped by groupName, groups in the order of their first job. */
export function groupJobs(jobs: readonly Job[]): JobGroup[] {
  const byName = new Map<string, Job[]>();
  for (const j of jobs) {
    const g = groupName(j.name);
    const list = byName.get(g);
    if (list) list.push(j);
    else byName.set(g, [j]);
  }
  return [...byName].map(([name, list]) => ({ name: list.length === 1 ? list[0].name : name, jobs: list, ...groupStatus(list) }));
}
