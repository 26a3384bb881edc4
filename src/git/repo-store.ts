// Bare repositories, one per project, under a data directory: `<dir>/<group>/<project>.git`.
// Pipelines pin their commit with a persistent ref `refs/pipelines/<id>` (as GitLab does), which
// the runner fetches through the refspecs of the job payload.
import { existsSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { notFound } from '../util/errors.js';
import { assertProjectPath } from './project-path.js';
import { gitText, runGit, ZERO_SHA } from './run-git.js';

export interface RepoStore {
  readonly dir: string;
  /** Absolute path of the project's bare repository (whether it exists or not). */
  pathFor(projectPath: string): string;
  exists(projectPath: string): boolean;
  /** Creates the bare repository when missing; returns its path. */
  ensure(projectPath: string, signal?: AbortSignal): Promise<string>;
  /** Points `refs/pipelines/<id>` at `sha`. */
  createPipelineRef(projectPath: string, pipelineId: number, sha: string, signal?: AbortSignal): Promise<void>;
  deletePipelineRef(projectPath: string, pipelineId: number, signal?: AbortSignal): Promise<void>;
  /** Full sha of a ref or revision, or null when it does not resolve. */
  resolve(projectPath: string, rev: string, signal?: AbortSignal): Promise<string | null>;
}

export interface RepoStoreOptions {
  dir: string;
  /** Branch name HEAD points at in new repositories (default "main"). */
  defaultBranch?: string;
}

const REPO_CONFIG: [string, string][] = [
  // Push over smart HTTP without REMOTE_USER; authentication is done by git-http-plugin.
  ['http.receivepack', 'true'],
  // The runner (and gitlab-runner-rs style clients) may fetch a raw sha.
  ['uploadpack.allowAnySHA1InWant', 'true'],
  ['uploadpack.allowReachableSHA1InWant', 'true'],
  ['uploadpack.allowFilter', 'true'],
  ['receive.advertisePushOptions', 'true'],
  // A snapshot of a shallow clone pushes a shallow history.
  ['receive.shallowUpdate', 'true'],
  ['gc.auto', '0'],
  ['core.logAllRefUpdates', 'false'],
  // objects and refs owner-only (files 0600, directories 0700), whatever the process umask
  ['core.sharedRepository', '0600'],
];

/** `key = value` lines under their sections, as git writes its config file. */
function configText(entries: [string, string][]): string {
  return entries
    .map(([key, value]) => {
      const dot = key.lastIndexOf('.');
      return `[${key.slice(0, dot)}]\n\t${key.slice(dot + 1)} = ${value}\n`;
    })
    .join('');
}

export function createRepoStore(options: RepoStoreOptions): RepoStore {
  const dir = path.resolve(options.dir);
  const defaultBranch = options.defaultBranch ?? 'main';
  const pending = new Map<string, Promise<string>>();

  const pathFor = (projectPath: string) => path.join(dir, `${assertProjectPath(projectPath)}.git`);
  const exists = (projectPath: string) => existsSync(path.join(pathFor(projectPath), 'HEAD'));

  async function init(projectPath: string, signal?: AbortSignal): Promise<string> {
    const repo = pathFor(projectPath);
    if (exists(projectPath)) return repo;
    await mkdir(repo, { recursive: true, mode: 0o700 });
    // Keep the repositories out of snapshots of a tree they may live in (see snapshot.ts).
    await writeFile(path.join(dir, '.gitignore'), '*\n', { flag: 'wx' }).catch(() => undefined);
    await runGit(['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`, repo], { signal });
    // One append instead of one `git config` process per key (a spawn costs a large server
    // process tens of ms); a repeated section header is valid git config syntax.
    await appendFile(path.join(repo, 'config'), configText(REPO_CONFIG));
    return repo;
  }

  function ensure(projectPath: string, signal?: AbortSignal): Promise<string> {
    const key = assertProjectPath(projectPath);
    let p = pending.get(key);
    if (!p) {
      p = init(key, signal).finally(() => pending.delete(key));
      pending.set(key, p);
    }
    return p;
  }

  async function createPipelineRef(projectPath: string, pipelineId: number, sha: string, signal?: AbortSignal) {
    if (!exists(projectPath)) throw notFound(`no repository for project ${projectPath}`);
    await runGit(['update-ref', `refs/pipelines/${Math.trunc(pipelineId)}`, sha], { cwd: pathFor(projectPath), signal });
  }

  async function deletePipelineRef(projectPath: string, pipelineId: number, signal?: AbortSignal) {
    if (!exists(projectPath)) return;
    await runGit(['update-ref', '-d', `refs/pipelines/${Math.trunc(pipelineId)}`], { cwd: pathFor(projectPath), signal, okCodes: [1] });
  }

  async function resolve(projectPath: string, rev: string, signal?: AbortSignal): Promise<string | null> {
    if (!exists(projectPath) || rev.startsWith('-')) return null;
    try {
      const sha = await gitText(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: pathFor(projectPath), signal });
      return sha && sha !== ZERO_SHA ? sha : null;
    } catch {
      return null;
    }
  }

  return { dir, pathFor, exists, ensure, createPipelineRef, deletePipelineRef, resolve };
}

/** Standalone form used by the composition root: `createPipelineRef(repos, path, id, sha)`. */
export function createPipelineRef(repos: RepoStore, projectPath: string, pipelineId: number, sha: string): Promise<void> {
  return repos.createPipelineRef(projectPath, pipelineId, sha);
}
