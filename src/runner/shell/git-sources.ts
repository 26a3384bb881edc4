// get_sources: the project's code with the system git, as gitlab-runner's shell writer fetches
// it (§9). GIT_STRATEGY clone | fetch | none | empty (default: fetch when allow_git_fetch);
// GIT_DEPTH (else the payload's depth), GIT_CHECKOUT, GIT_CLEAN_FLAGS, GIT_FETCH_EXTRA_FLAGS,
// GIT_SUBMODULE_STRATEGY none | normal | recursive (+ GIT_SUBMODULE_UPDATE_FLAGS,
// GIT_SUBMODULE_DEPTH). The remote stored in .git/config has no credentials: the job token
// reaches git through `url.<with token>.insteadOf <without>` and a Basic Authorization header for
// the server's base URL (`http.<base>.extraHeader`), both passed in the environment. With
// RunnerOptions.localRepos (`run`: the server's repositories on this machine) the project's own
// URL is rewritten to its bare repository's path instead, so the fetch is git's local transport
// (one upload-pack, no HTTP): the same commits and refs; FETCH_HEAD names the path.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DecodedJob } from '../network/job-payload.js';
import type { ResolvedVariables } from '../job/job-variables.js';
import type { LocalRepos } from '../job/job-context.js';
import { GitScript, infoLine } from './git-script.js';
import { isPristine, recordPristine } from './pristine-tree.js';
import type { JobTrace } from '../trace/job-trace.js';

export interface GitSourcesOptions {
  job: DecodedJob;
  vars: ResolvedVariables;
  projectDir: string;
  trace: JobTrace;
  signal: AbortSignal;
  baseEnv: Record<string, string | undefined>;
  localRepos?: LocalRepos;
}

export type GitStrategy = 'clone' | 'fetch' | 'none' | 'empty';

export function gitStrategy(job: DecodedJob, vars: ResolvedVariables): GitStrategy {
  const s = (vars.get('GIT_STRATEGY') ?? '').trim();
  if (s === 'clone' || s === 'fetch' || s === 'none' || s === 'empty') return s;
  return job.allow_git_fetch ? 'fetch' : 'clone';
}

/**
 * Splits a clone URL into the credential-free remote and an insteadOf rewrite of the server's
 * base URL (so that submodules on the same server get the credentials too), with the same
 * credentials as a Basic Authorization header for that base URL: libcurl otherwise sends the
 * first request of every fetch without them and repeats it after the 401.
 */
export function remoteUrls(repoUrl: string): { remote: string; rewrite?: { from: string; to: string; authorization: string } } {
  try {
    const u = new URL(repoUrl);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && (u.username || u.password)) {
      const auth = `${u.username}${u.password ? `:${u.password}` : ''}@`;
      const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
      const clean = new URL(repoUrl);
      clean.username = '';
      clean.password = '';
      return {
        remote: clean.toString(),
        rewrite: { from: `${u.protocol}//${u.host}/`, to: `${u.protocol}//${auth}${u.host}/`, authorization: `Authorization: Basic ${basic}` },
      };
    }
  } catch {}
  return { remote: repoUrl };
}


/**
 * The bare repository behind `remote` (credential-free) when it is one of `local`'s: the URL is
 * `<local.url>/<project path>.git` and `<local.dir>/<project path>.git` is a repository.
 */
export async function localRepoFor(remote: string, local: LocalRepos | undefined): Promise<string | null> {
  if (!local) return null;
  const base = local.url.replace(/\/+$/, '') + '/';
  if (!remote.startsWith(base)) return null;
  const rel = remote.slice(base.length);
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.\-/]*\.git$/.test(rel) || rel.split('/').some((s) => s === '' || s === '.' || s === '..')) return null;
  const repo = path.join(local.dir, rel);
  return existsSync(path.join(repo, 'HEAD')) ? repo : null;
}
function readRef(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
const splitFlags = (s: string | undefined) => (s ?? '').trim().split(/\s+/).filter(Boolean);

export async function getSources(o: GitSourcesOptions): Promise<void> {
  const strategy = gitStrategy(o.job, o.vars);
  const { trace, projectDir } = o;
  if (strategy === 'none') {
    await mkdir(projectDir, { recursive: true });
    trace.info('Skipping Git repository setup');
    return;
  }
  if (strategy === 'empty') {
    await rm(projectDir, { recursive: true, force: true });
    await mkdir(projectDir, { recursive: true });
    trace.info('Skipping Git repository setup and creating an empty build directory');
    return;
  }
  const git = o.job.git_info;
  const { remote, rewrite } = remoteUrls(git.repo_url);
  const config: [string, string][] = [['http.userAgent', 'gitlab-runner gitlab-ci-dispatcher']];
  if (rewrite) config.push([`url.${rewrite.to}.insteadOf`, rewrite.from], [`http.${rewrite.from}.extraHeader`, rewrite.authorization]);
  const script = new GitScript(projectDir);

  const depthVar = o.vars.get('GIT_DEPTH');
  const depth = depthVar !== undefined && /^\d+$/.test(depthVar.trim()) ? Number(depthVar) : git.depth;
  if (depth > 0) trace.info(`Fetching changes with git depth set to ${depth}...`);
  else trace.info('Fetching changes...');

  // The small steps of a job's set-up are synchronous calls: a few microseconds each, where a
  // promise took a thread-pool round trip (only a whole tree's removal stays asynchronous).
  if (strategy === 'clone') await rm(projectDir, { recursive: true, force: true });
  mkdirSync(projectDir, { recursive: true });
  const existing = existsSync(path.join(projectDir, '.git'));
  const templateDir = `${projectDir}.tmp/git-template`;
  // only `git init` uses the (empty) template
  if (!existing) mkdirSync(templateDir, { recursive: true });
  const initArgs = ['init', projectDir, '--template', templateDir, '-q'];
  if (git.repo_object_format === 'sha256') initArgs.push('--object-format', 'sha256');
  // An existing repository needs no re-init (the template is empty); a new one does.
  if (!existing) script.git(initArgs);
  script.echo(existing ? `Reinitialized existing Git repository in ${projectDir}/.git/` : `Initialized empty Git repository in ${projectDir}/.git/`);
  if (!existing) script.echo('Created fresh repository.');
  // Stale locks from a killed job would block every later fetch in this dir.
  rmSync(path.join(projectDir, '.git', 'index.lock'), { force: true });
  rmSync(path.join(projectDir, '.git', 'shallow.lock'), { force: true });

  const fetchArgs = ['fetch', 'origin', '--no-recurse-submodules', ...git.refspecs];
  if (depth > 0) fetchArgs.push('--depth', String(depth));
  else if (existsSync(path.join(projectDir, '.git', 'shallow'))) fetchArgs.push('--unshallow');
  fetchArgs.push(...(o.vars.get('GIT_FETCH_EXTRA_FLAGS') !== undefined ? splitFlags(o.vars.get('GIT_FETCH_EXTRA_FLAGS')) : ['--prune', '--quiet']));
  // An earlier job of this pipeline already fetched into this build directory: its persistent
  // ref is at the commit, so the fetch would bring nothing (saves a round trip per job).
  const pipelineRef = git.refspecs.map((r) => /^\+?refs\/pipelines\/(\d+):refs\/pipelines\/\1$/.exec(r)).find((m) => m !== null);
  const fetched = pipelineRef && existing && depth > 0
    ? readRef(path.join(projectDir, '.git', 'refs', 'pipelines', pipelineRef[1])) === git.sha
    : false;
  const submodules = (o.vars.get('GIT_SUBMODULE_STRATEGY') ?? 'none').trim();
  // The remote URL is set whenever it will be used (fetch, submodules); it has no credentials.
  if (!fetched || submodules === 'normal' || submodules === 'recursive') {
    // A fresh repository has no origin yet: `add` it (a `set-url` first would log git's
    // "error: No such remote 'origin'" in every fresh checkout).
    if (existing) script.git(['remote', 'set-url', 'origin', remote], ['remote', 'add', 'origin', remote]);
    else script.git(['remote', 'add', 'origin', remote]);
  }
  if (fetched) script.echo(`Commit ${git.sha.slice(0, 8)} of pipeline ${pipelineRef![1]} is already fetched; skipping the fetch`);
  else {
    script.git(fetchArgs);
    // the longer match: it wins over the base URL's rewrite for the project itself
    const localRepo = await localRepoFor(remote, o.localRepos);
    if (localRepo) config.push([`url.${localRepo}.insteadOf`, remote]);
  }

  // With the default clean and no submodules, a tree known to be as the last checkout + clean
  // of this commit left it needs neither again (pristine-tree.ts): then no process starts.
  const cleanFlags = o.vars.get('GIT_CLEAN_FLAGS') ?? '-ffdx';
  const standard = strategy === 'fetch' && splitFlags(cleanFlags).join(' ') === '-ffdx' && submodules !== 'normal' && submodules !== 'recursive';
  let record = false;
  if ((o.vars.get('GIT_CHECKOUT') ?? 'true').trim() === 'false') {
    script.echo(infoLine('Skipping Git checkout'));
  } else {
    script.echo(infoLine(`Checking out ${git.sha.slice(0, 8)} as detached HEAD (ref is ${git.ref})...`));
    if (!(standard && fetched && isPristine(projectDir, git.sha))) {
      script.git(['-c', 'submodule.recurse=false', 'checkout', '-f', '-q', git.sha]);
      if (cleanFlags.trim() !== 'none') script.git(['clean', ...splitFlags(cleanFlags)]);
      record = standard;
    }
  }

  if (submodules === 'normal' || submodules === 'recursive') {
    const recursive = submodules === 'recursive' ? ['--recursive'] : [];
    script.echo(infoLine(submodules === 'recursive' ? 'Updating/initializing submodules recursively...' : 'Updating/initializing submodules...'));
    script.git(['submodule', 'init']);
    script.git(['submodule', 'sync', ...recursive]);
    const depthFlags = o.vars.get('GIT_SUBMODULE_DEPTH') ? ['--depth', o.vars.get('GIT_SUBMODULE_DEPTH')!.trim()] : [];
    script.git(['-c', 'protocol.file.allow=always', 'submodule', 'update', '--init', ...recursive, ...depthFlags, ...splitFlags(o.vars.get('GIT_SUBMODULE_UPDATE_FLAGS'))]);
    script.git(['submodule', 'foreach', ...recursive, 'git clean -ffdx']);
  } else {
    script.echo(infoLine('Skipping Git submodules setup'));
  }
  // Object.assign, not a spread (see stepEnv)
  const env: Record<string, string | undefined> = Object.assign({}, o.baseEnv, {
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_COUNT: String(config.length),
    ...Object.fromEntries(config.flatMap(([key, value], i) => [[`GIT_CONFIG_KEY_${i}`, key], [`GIT_CONFIG_VALUE_${i}`, value]])),
  });
  await script.run({ env, trace, signal: o.signal });
  if (record) recordPristine(projectDir, git.sha);
}
