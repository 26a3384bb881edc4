// Files changed between two commits, for `rules:changes` / `only:changes` on push pipelines.
// GitLab: a new branch (before = zeros) or an unknown `before` gives null, which the compiler
// treats as "everything changed".
import { gitText, ZERO_SHA } from './run-git.js';

export async function changedFiles(repoPath: string, beforeSha: string | undefined, sha: string, signal?: AbortSignal): Promise<string[] | null> {
  if (!beforeSha || beforeSha === ZERO_SHA || !/^[0-9a-f]{40,64}$/.test(beforeSha) || !/^[0-9a-f]{40,64}$/.test(sha)) return null;
  try {
    const out = await gitText(['diff', '--name-only', '--no-renames', '-z', beforeSha, sha], { cwd: repoPath, signal });
    return out.split('\0').filter(Boolean);
  } catch {
    return null;
  }
}
