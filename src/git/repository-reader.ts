// engine/repository.ts's RepositoryReader over the projects' bare repositories: commits, branches,
// tags and raw files, read with the system git (for-each-ref, log, cat-file). A ref or path that
// could be taken for an option, or that does not resolve, reads as nothing (null / []).
import type { Project } from '../engine/model.js';
import type { RepoCommit, RepoRef, RepositoryReader } from '../engine/repository.js';
import type { RepoStore } from './repo-store.js';
import { GitCommandError, gitText, runGit } from './run-git.js';

const FIELDS = ['%(objectname)', '%(parent)', '%(authorname)', '%(authoremail)', '%(authordate:iso-strict)', '%(committername)', '%(committeremail)', '%(committerdate:iso-strict)', '%(contents)'];
const DEREF = FIELDS.map((f) => f.replace('%(', '%(*'));
const LOG = '%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B';

const safeRef = (ref: string) => ref.length > 0 && ref.length <= 1024 && !ref.startsWith('-') && !/[\0\n\r]/.test(ref);
const stripEmail = (e: string) => e.replace(/^<|>$/g, '');

function commitOf(fields: string[]): RepoCommit {
  const [id = '', parents = '', authorName = '', authorEmail = '', authoredDate = '', committerName = '', committerEmail = '', committedDate = '', ...rest] = fields;
  const message = rest.join('\0');
  return {
    id,
    shortId: id.slice(0, 8),
    title: message.split('\n')[0] ?? '',
    message,
    authorName,
    authorEmail: stripEmail(authorEmail),
    authoredDate,
    committerName,
    committerEmail: stripEmail(committerEmail),
    committedDate,
    parentIds: parents.split(' ').filter(Boolean),
  };
}

async function orNull<T>(run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof GitCommandError && error.code !== 'insufficient_storage') return null;
    throw error;
  }
}

export function createRepositoryReader(repos: RepoStore): RepositoryReader {
  const cwdOf = (project: Project) => (repos.exists(project.path) ? repos.pathFor(project.path) : null);

  async function refs(project: Project, prefix: 'refs/heads' | 'refs/tags'): Promise<RepoRef[]> {
    const cwd = cwdOf(project);
    if (!cwd) return [];
    // one record per ref: name, own fields, dereferenced fields (annotated tags), separated by NUL, ended by RS
    const format = ['%(refname:strip=2)', '%(objecttype)', ...FIELDS, ...DEREF].join('%00') + '%1e';
    const out = (await runGit(['for-each-ref', `--format=${format}`, '--sort=refname', prefix], { cwd })).stdout.toString('utf8');
    const list: RepoRef[] = [];
    for (const record of out.split('\x1e')) {
      const fields = record.replace(/^\n/, '').split('\0');
      if (fields.length < 2 + FIELDS.length * 2) continue;
      const [name, type] = fields;
      const own = fields.slice(2, 2 + FIELDS.length);
      const deref = fields.slice(2 + FIELDS.length);
      if (type === 'commit') list.push({ name, commit: commitOf(own), message: '' });
      else if (type === 'tag') list.push({ name, commit: commitOf(deref), message: own[FIELDS.length - 1].trim() });
    }
    return list;
  }

  return {
    async commit(project, ref) {
      const cwd = cwdOf(project);
      if (!cwd || !safeRef(ref)) return null;
      return orNull(async () => {
        const sha = await gitText(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd });
        // the message as git stores it (GitLab keeps its final newline); log adds one more
        const out = (await runGit(['log', '-1', '--no-show-signature', `--format=${LOG}`, sha, '--'], { cwd })).stdout.toString('utf8');
        return commitOf(out.replace(/\n$/, '').split('\0'));
      });
    },
    branches: (project) => refs(project, 'refs/heads'),
    tags: (project) => refs(project, 'refs/tags'),
    async file(project, ref, filePath) {
      const cwd = cwdOf(project);
      const clean = filePath.replace(/^\/+/, '');
      if (!cwd || !safeRef(ref) || !clean || clean.split('/').includes('..') || /[\0\n]/.test(clean)) return null;
      return orNull(async () => {
        const sha = await gitText(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd });
        const type = await gitText(['cat-file', '-t', `${sha}:${clean}`], { cwd });
        if (type !== 'blob') return null;
        return (await runGit(['cat-file', 'blob', `${sha}:${clean}`], { cwd })).stdout;
      });
    },
  };
}
