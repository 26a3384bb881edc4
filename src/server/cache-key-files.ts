// `cache:key:files` -> the cache key, at pipeline creation as GitLab's
// Gitlab::Ci::Pipeline::Seed::Build::Cache does: the ids of the last commits that changed each
// file (up to two), sorted and de-duplicated, joined with "-" and SHA-1 hashed; `prefix` goes in
// front as `prefix-<digest>`. When no listed file has a commit (none exists at the pipeline's
// sha) the digest is "default" (`prefix-default`). The protected/non_protected suffix is added
// later, in the job payload.
import { createHash } from 'node:crypto';
import type { PipelinePlan } from '../ci/plan.js';

export type LastCommitFor = (path: string) => Promise<string | null>;

export async function fileCacheKey(files: readonly string[], prefix: string | null, lastCommitFor: LastCommitFor): Promise<string> {
  const paths = [...new Set(files.filter((f) => f !== ''))];
  const ids = [...new Set((await Promise.all(paths.map(lastCommitFor))).filter((id): id is string => !!id))].sort();
  const digest = ids.length ? createHash('sha1').update(ids.join('-')).digest('hex') : 'default';
  return [prefix, digest].filter((p) => !!p).join('-');
}

/** Sets the key of every `key: files` cache of the plan (in place; returns the plan). */
export async function resolveFileCacheKeys(plan: PipelinePlan, lastCommitFor: LastCommitFor): Promise<PipelinePlan> {
  const memo = new Map<string, Promise<string | null>>();
  const cached: LastCommitFor = (p) => {
    let hit = memo.get(p);
    if (!hit) memo.set(p, (hit = lastCommitFor(p)));
    return hit;
  };
  for (const job of plan.jobs) {
    for (const c of job.cache ?? []) {
      if (c.keyFiles && c.keyFiles.length) c.key = await fileCacheKey(c.keyFiles, c.keyPrefix, cached);
    }
  }
  return plan;
}
