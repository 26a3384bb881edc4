// What git knows of a pipeline's commit: its message, author and commit date, and for a tag
// pipeline the annotated tag's message (GitLab's CI_COMMIT_MESSAGE, CI_COMMIT_AUTHOR,
// CI_COMMIT_TIMESTAMP, CI_COMMIT_TAG_MESSAGE). Read from the project's bare repository.
import { gitText } from './run-git.js';

export interface GitCommitInfo {
  message: string;
  authorName: string;
  authorEmail: string;
  /** Committer date, ISO 8601 with its offset (GitLab: Commit#timestamp, committed_date.xmlschema). */
  timestamp: string;
  /** Message of the annotated tag `tag` ("" for a branch or a lightweight tag). */
  tagMessage: string;
}

export async function readCommitInfo(options: { repoPath: string; sha: string; tag?: string; signal?: AbortSignal }): Promise<GitCommitInfo> {
  const { repoPath: cwd, sha, signal } = options;
  // NUL-separated: names and messages may hold anything but NUL.
  const out = await gitText(['log', '-1', '--no-show-signature', '--format=%an%x00%ae%x00%cI%x00%B', sha, '--'], { cwd, signal });
  const [authorName = '', authorEmail = '', timestamp = '', ...rest] = out.split('\0');
  let tagMessage = '';
  if (options.tag) {
    const ref = `refs/tags/${options.tag}`;
    const type = await gitText(['for-each-ref', '--format=%(objecttype)', ref], { cwd, signal });
    if (type === 'tag') tagMessage = await gitText(['for-each-ref', '--format=%(contents)', ref], { cwd, signal });
  }
  return { message: rest.join('\0').trim(), authorName, authorEmail, timestamp, tagMessage };
}
