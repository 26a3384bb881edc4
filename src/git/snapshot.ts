// Source intake from a local directory: commit DIR's working tree as it is (tracked files with
// their uncommitted changes, plus untracked files that are not ignored) as ONE commit in the
// project's bare repository, without touching the user's repository state (HEAD, index, refs).
//
// Inside a git work tree: copy the user's index to a temporary GIT_INDEX_FILE (keeps the stat
// cache), `git add -A` DIR into it, `write-tree` (with --prefix when DIR is a subdirectory), and
// `commit-tree` on top of HEAD; the objects land in the user's object store (loose objects, no ref
// points at them) and the commit is pushed (`--no-verify`) into the bare repo. When the tree equals
// HEAD's, HEAD itself is used. Outside git: the same with the bare repo as GIT_DIR and DIR as the
// work tree, parented on the branch's current tip; uploads (`untrusted`) always take this path.
// Either way `git add` stores a symlink as a symlink (mode 120000, its target as the blob) and
// never reads through it. prepareSnapshot makes the commit (work trees only: it needs no bare
// repository) and landSnapshot pushes it, so `run` can commit while its server starts.
import { copyFile, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { badRequest } from '../util/errors.js';
import type { RepoStore } from './repo-store.js';
import { gitText, runGit, runGitThen, ZERO_SHA } from './run-git.js';

export interface SnapshotDirectoryOptions {
  repos: RepoStore;
  projectPath: string;
  dir: string;
  /** Only what is committed at HEAD (ignores the working tree). */
  committedOnly?: boolean;
  /** Branch to update in the bare repo; default: the checked-out branch, else "main". */
  ref?: string;
  /** Commit message for a new snapshot commit. */
  message?: string;
  /**
   * DIR comes from an upload (an extracted tarball): always committed as a plain tree, never as
   * a git work tree (a `.git` there, or above it, must not configure the git that commits it),
   * and without the server user's global/system git config.
   */
  untrusted?: boolean;
  signal?: AbortSignal;
}

export interface SourceSnapshot {
  sha: string;
  /** Branch name (without refs/heads/). */
  ref: string;
  message: string;
  /** Previous tip of that branch in the bare repo (zeros when new). */
  beforeSha: string;
}

interface WorkTreeInfo {
  top: string;
  gitDir: string;
  /** "" at the top, else "sub/dir/" (with the trailing slash). */
  prefix: string;
  /**
   * HEAD's commit, the tree of DIR in it and the checked-out branch (null when detached), when
   * the commit and the tree exist (read by the same git process).
   */
  head?: { sha: string; tree: string; branch: string | null };
}

async function workTreeOf(dir: string, signal?: AbortSignal): Promise<WorkTreeInfo | null> {
  const what = ['--is-inside-work-tree', '--show-toplevel', '--absolute-git-dir', '--show-prefix'];
  const parse = (out: string): WorkTreeInfo | null => {
    const [inside, top, gitDir, prefix = '', sha, tree, symbolic] = out.split('\n');
    if (inside !== 'true') return null;
    const branch = symbolic?.startsWith('refs/heads/') ? symbolic.slice('refs/heads/'.length) : null;
    return { top, gitDir, prefix, head: sha && tree ? { sha, tree, branch } : undefined };
  };
  // Usually one process: HEAD and DIR's tree in it (`HEAD:./` is relative to DIR) come with the
  // rest; without a commit, or without DIR in it, rev-parse fails and asks again without them.
  try {
    return parse(await gitText(['rev-parse', ...what, 'HEAD^{commit}', 'HEAD:./', '--symbolic-full-name', 'HEAD'], { cwd: dir, signal }));
  } catch {
    // below
  }
  try {
    return parse(await gitText(['rev-parse', ...what], { cwd: dir, signal }));
  } catch {
    return null;
  }
}

async function identityEnv(cwd: string, signal?: AbortSignal): Promise<Record<string, string>> {
  const name = await gitText(['config', '--get', 'user.name'], { cwd, signal, okCodes: [1] });
  const email = await gitText(['config', '--get', 'user.email'], { cwd, signal, okCodes: [1] });
  const env: Record<string, string> = {};
  if (!name) env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = 'gitlab-ci-dispatcher';
  if (!email) env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = 'gitlab-ci-dispatcher@localhost';
  return env;
}

const messageOf = (cwd: string, sha: string, signal?: AbortSignal) =>
  gitText(['log', '-1', '--format=%B', sha], { cwd, signal });

async function revOrNull(cwd: string, rev: string, signal?: AbortSignal, env?: Record<string, string>): Promise<string | null> {
  const out = await gitText(['rev-parse', '--verify', '--quiet', rev], { cwd, signal, env, okCodes: [1, 128] });
  return out || null;
}

/**
 * The half of a snapshot that needs no bare repository: inside a git work tree, DIR's commit made
 * in the user's repository (so `run` makes it while its server starts); otherwise nothing yet.
 */
export type PreparedSnapshot =
  | { kind: 'git'; cwd: string; sha: string; branch: string; message: Promise<string> }
  | { kind: 'plain'; dir: string };

export type PrepareSnapshotOptions = Omit<SnapshotDirectoryOptions, 'repos' | 'projectPath'>;

export async function prepareSnapshot(options: PrepareSnapshotOptions): Promise<PreparedSnapshot> {
  const { signal } = options;
  const dir = await realpath(options.dir).catch(() => {
    throw badRequest(`not a directory: ${options.dir}`);
  });
  const info = options.untrusted ? null : await workTreeOf(dir, signal);
  if (!info) return { kind: 'plain', dir };
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gcd-snapshot-'));
  try {
    return await commitWorkTree(options, dir, info, path.join(tmp, 'index'));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Lands a prepared snapshot in the project's bare repository (created when missing). */
export async function landSnapshot(prepared: PreparedSnapshot, options: SnapshotDirectoryOptions): Promise<SourceSnapshot> {
  const { repos, projectPath, signal } = options;
  const bare = await repos.ensure(projectPath, signal);
  if (prepared.kind === 'plain') {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'gcd-snapshot-'));
    try {
      return await snapshotPlainTree(options, prepared.dir, bare, path.join(tmp, 'index'));
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const { cwd, sha, branch } = prepared;
  const previous = await revOrNull(bare, `refs/heads/${branch}`, signal);
  const beforeSha = previous && previous !== sha ? previous : ZERO_SHA;
  // The branch already at this commit (the same tree run again): nothing to push. The message is
  // read meanwhile.
  if (previous !== sha) await runGit(['-c', 'push.gpgSign=false', 'push', '--no-verify', '--quiet', '--force', bare, `${sha}:refs/heads/${branch}`], { cwd, signal });
  return { sha, ref: branch, message: await prepared.message, beforeSha };
}

export async function snapshotDirectory(options: SnapshotDirectoryOptions): Promise<SourceSnapshot> {
  return landSnapshot(await prepareSnapshot(options), options);
}

/** DIR's tree as one commit in the user's object store (HEAD itself when nothing differs). */
async function commitWorkTree(options: PrepareSnapshotOptions, dir: string, info: WorkTreeInfo, indexFile: string): Promise<PreparedSnapshot> {
  const { signal } = options;
  const cwd = info.top;
  const subdir = info.prefix.replace(/\/$/, '');
  // The independent reads run side by side (each is a git process). HEAD, DIR's tree in it and
  // the branch usually came with workTreeOf: without them there is no commit, or DIR is not in it.
  const known = options.ref ?? (info.head ? (info.head.branch ?? 'main') : undefined);
  const branching = known !== undefined ? Promise.resolve(known) : gitText(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd, signal, okCodes: [1, 128] }).then((b) => b || 'main');
  const [branch, head] = await Promise.all([branching, info.head ? info.head.sha : revOrNull(cwd, 'HEAD^{commit}', signal)]);
  const headTree = info.head?.tree ?? null;

  // HEAD's message is read beside `git add` (the usual case is a tree equal to HEAD's); when the
  // tree differs it goes unused.
  const headMessage = head && options.message === undefined ? messageOf(cwd, head, signal) : null;
  headMessage?.catch(() => undefined);
  let tree: string;
  if (options.committedOnly) {
    if (!head || !headTree) throw badRequest(`nothing committed in ${dir}`);
    tree = headTree;
  } else {
    await copyFile(path.join(info.gitDir, 'index'), indexFile).catch(() => undefined);
    const env = { GIT_INDEX_FILE: indexFile };
    // The repositories (and the whole data directory) may live inside the tree: each carries a
    // `.gitignore` of `*` (createRepoStore, createServer), so `add -A` leaves them out. No exclude
    // pathspec here or in snapshotPlainTree: git refuses one that names an ignored path.
    const add = ['add', '-A', '--ignore-errors', '--', subdir ? `:(top)${subdir}` : ':(top)'];
    const writeTree = ['write-tree', ...(info.prefix ? [`--prefix=${info.prefix}`] : [])];
    tree = (await runGitThen(add, writeTree, { cwd, env, signal })).stdout.toString('utf8').trim();
  }

  let sha: string;
  let message: Promise<string>;
  if (head && tree === headTree && !subdir) {
    sha = head;
    message = headMessage ?? messageOf(cwd, head, signal);
  } else {
    const text =
      options.message ??
      (head && tree === headTree
        ? await (headMessage ?? messageOf(cwd, head, signal))
        : `Snapshot of ${path.basename(dir)} (uncommitted changes${head ? ` on top of ${head.slice(0, 8)}` : ''})`);
    const parents = head && !subdir ? ['-p', head] : [];
    sha = await gitText(['commit-tree', tree, ...parents], { cwd, input: text, signal, env: await identityEnv(cwd, signal) });
    message = Promise.resolve(text);
  }
  message.catch(() => undefined); // awaited by landSnapshot; not an unhandled rejection meanwhile
  return { kind: 'git', cwd, sha, branch, message };
}

async function snapshotPlainTree(
  options: SnapshotDirectoryOptions,
  dir: string,
  bare: string,
  indexFile: string,
): Promise<SourceSnapshot> {
  const { signal } = options;
  if (options.committedOnly) throw badRequest(`${dir} is not a git repository (committedOnly)`);
  const branch = options.ref ?? 'main';
  const env: Record<string, string> = { GIT_DIR: bare, GIT_WORK_TREE: dir, GIT_INDEX_FILE: indexFile };
  if (options.untrusted) Object.assign(env, { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' });
  await runGit(['add', '-A', '--ignore-errors', '--', '.', ], { cwd: dir, env, signal });
  const tree = await gitText(['write-tree'], { cwd: dir, env, signal });
  const tip = await revOrNull(bare, `refs/heads/${branch}^{commit}`, signal);
  const tipTree = tip ? await revOrNull(bare, `${tip}^{tree}`, signal) : null;
  if (tip && tipTree === tree) {
    return { sha: tip, ref: branch, message: await messageOf(bare, tip, signal), beforeSha: ZERO_SHA };
  }
  const message = options.message ?? `Snapshot of ${path.basename(dir)}`;
  const sha = await gitText(['commit-tree', tree, ...(tip ? ['-p', tip] : [])], {
    cwd: bare,
    input: message,
    signal,
    env: await identityEnv(bare, signal),
  });
  await runGit(['update-ref', `refs/heads/${branch}`, sha, tip ?? ZERO_SHA], { cwd: bare, signal });
  return { sha, ref: branch, message, beforeSha: tip ?? ZERO_SHA };
}
