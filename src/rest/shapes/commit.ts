// GitLab's commit, branch and tag shapes (repository API).
import { Type, type Static } from '@sinclair/typebox';
import type { RepoCommit, RepoRef } from '../../engine/repository.js';

export const CommitSchema = Type.Object({
  id: Type.String(),
  short_id: Type.String(),
  title: Type.String(),
  message: Type.String(),
  author_name: Type.String(),
  author_email: Type.String(),
  authored_date: Type.String(),
  committer_name: Type.String(),
  committer_email: Type.String(),
  committed_date: Type.String(),
  created_at: Type.String(),
  parent_ids: Type.Array(Type.String()),
  trailers: Type.Record(Type.String(), Type.String()),
  extended_trailers: Type.Record(Type.String(), Type.Array(Type.String())),
  web_url: Type.String(),
});
export type CommitShape = Static<typeof CommitSchema>;

export const BranchSchema = Type.Object({
  name: Type.String(),
  merged: Type.Boolean(),
  protected: Type.Boolean(),
  default: Type.Boolean(),
  developers_can_push: Type.Boolean(),
  developers_can_merge: Type.Boolean(),
  can_push: Type.Boolean(),
  web_url: Type.String(),
  commit: CommitSchema,
});

export const TagSchema = Type.Object({
  name: Type.String(),
  message: Type.String(),
  target: Type.String(),
  protected: Type.Boolean(),
  created_at: Type.Union([Type.String(), Type.Null()]),
  release: Type.Null(),
  commit: CommitSchema,
});

export function commitShape(c: RepoCommit, projectWebUrl: string): CommitShape {
  return {
    id: c.id,
    short_id: c.shortId,
    title: c.title,
    message: c.message,
    author_name: c.authorName,
    author_email: c.authorEmail,
    authored_date: c.authoredDate,
    committer_name: c.committerName,
    committer_email: c.committerEmail,
    committed_date: c.committedDate,
    created_at: c.committedDate,
    parent_ids: c.parentIds,
    trailers: {},
    extended_trailers: {},
    web_url: `${projectWebUrl}/-/commit/${c.id}`,
  };
}

export function branchShape(r: RepoRef, options: { protected: boolean; default: boolean; projectWebUrl: string }) {
  return {
    name: r.name,
    merged: false,
    protected: options.protected,
    default: options.default,
    developers_can_push: false,
    developers_can_merge: false,
    can_push: true,
    web_url: `${options.projectWebUrl}/-/tree/${r.name}`,
    commit: commitShape(r.commit, options.projectWebUrl),
  };
}

export function tagShape(r: RepoRef, options: { protected: boolean; projectWebUrl: string }) {
  return { name: r.name, message: r.message, target: r.commit.id, protected: options.protected, created_at: null, release: null, commit: commitShape(r.commit, options.projectWebUrl) };
}
