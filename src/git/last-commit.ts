// The most recent commit reachable from `sha` that changed `path` (GitLab's
// Repository#last_commit_id_for_path), for `cache:key:files`. The path is literal (no globbing);
// null when no commit touched it (the file does not exist there) or the sha is unknown.
import { gitText } from './run-git.js';

export async function lastCommitFor(repoPath: string, sha: string, path: string, signal?: AbortSignal): Promise<string | null> {
  if (!/^[0-9a-f]{40,64}$/.test(sha) || path === '') return null;
  try {
    const out = await gitText(['--literal-pathspecs', 'log', '-1', '--format=%H', sha, '--', path], { cwd: repoPath, signal });
    return /^[0-9a-f]{40,64}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}
