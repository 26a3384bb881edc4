// The engine's port for reading a project's git repository (GitLab's repository API: commits,
// branches, tags, raw files). server/ implements it over git/ (the system git); edges such as
// rest/ read through it and never run git themselves.
import type { Project } from './model.js';

export interface RepoCommit {
  id: string;
  shortId: string;
  title: string;
  message: string;
  authorName: string;
  authorEmail: string;
  authoredDate: string;
  committerName: string;
  committerEmail: string;
  committedDate: string;
  parentIds: string[];
}

export interface RepoRef {
  name: string;
  commit: RepoCommit;
  /** Annotated tag message ("" for a lightweight tag or a branch). */
  message: string;
}

export interface RepositoryReader {
  /** The commit a sha, branch or tag names; null when there is none (or no repository yet). */
  commit(project: Project, ref: string): Promise<RepoCommit | null>;
  branches(project: Project): Promise<RepoRef[]>;
  tags(project: Project): Promise<RepoRef[]>;
  /** A file's bytes at `ref`; null when the ref or the file does not exist. */
  file(project: Project, ref: string, path: string): Promise<Buffer | null>;
}

/** A reader for a server without repositories (every read finds nothing). */
export const EMPTY_REPOSITORY: RepositoryReader = {
  commit: async () => null,
  branches: async () => [],
  tags: async () => [],
  file: async () => null,
};
