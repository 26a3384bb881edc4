// git push -> "Push Hook" deliveries of the project's hooks with push_events, "Tag Push Hook" (a tag) of those with tag_push_events (webhook-worker.ts),
// with the pushed head commit's message, author and date read from git. Never blocks the push.
import type { GitPushEvent } from '../git/http-plugin.js';
import type { RepoStore } from '../git/repo-store.js';
import { commitInfoFor } from './commit-info-for.js';
import type { WebhookWorker } from './webhook-worker.js';

export async function pushHookFor(push: GitPushEvent, deps: { repos: RepoStore; webhooks: WebhookWorker | null }): Promise<void> {
  if (!deps.webhooks) return;
  const deleted = /^0+$/.test(push.sha);
  const facts = deleted ? null : await commitInfoFor({ repoPath: deps.repos.pathFor(push.project.path), sha: push.sha, ref: push.ref, isTag: push.isTag, pusher: { tokenId: push.pusher.tokenId, login: push.pusher.login } });
  await deps.webhooks.push({
    project: push.project,
    ref: push.ref,
    isTag: push.isTag,
    beforeSha: push.beforeSha,
    sha: push.sha,
    user: { id: push.pusher.tokenId, login: push.pusher.login || push.pusher.tokenName, name: push.pusher.tokenName, email: facts?.commit.authorEmail ?? '' },
    commit: facts ? { message: facts.message, timestamp: facts.commit.timestamp, authorName: facts.commit.authorName, authorEmail: facts.commit.authorEmail } : null,
  });
}
