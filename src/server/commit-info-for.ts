// The commit facts a pipeline carries, read with git from the project's repository, whatever
// brought the commit (git push, tarball, `run --dir`, API): the message (when the caller has
// none, e.g. a push), the author and the commit date, the annotated tag's message, and the
// pipeline's user for GITLAB_USER_*:
//   GITLAB_USER_ID     the API token's id (git push, tarball upload); 0 without one (`run --dir`)
//   GITLAB_USER_LOGIN  the user name git sent with the token (push), the token's name (tarball
//                      upload); else the author email's local part
//   GITLAB_USER_NAME   the commit author's name (API tokens carry no person)
//   GITLAB_USER_EMAIL  the commit author's email
import type { CommitInfo } from '../engine/model.js';
import { readCommitInfo } from '../git/commit-info.js';

export interface CommitFacts {
  message: string;
  commit: CommitInfo;
}

export async function commitInfoFor(options: {
  repoPath: string;
  sha: string;
  ref: string;
  isTag: boolean;
  pusher?: { tokenId: number; login: string };
}): Promise<CommitFacts | null> {
  let info;
  try {
    info = await readCommitInfo({ repoPath: options.repoPath, sha: options.sha, tag: options.isTag ? options.ref : undefined });
  } catch {
    return null; // an unknown commit fails later with its own error (reading .gitlab-ci.yml)
  }
  const login = options.pusher?.login || info.authorEmail.split('@')[0] || info.authorName;
  return {
    message: info.message,
    commit: {
      authorName: info.authorName,
      authorEmail: info.authorEmail,
      timestamp: info.timestamp,
      tagMessage: info.tagMessage,
      user: { id: options.pusher?.tokenId ?? 0, login, name: info.authorName, email: info.authorEmail },
    },
  };
}
