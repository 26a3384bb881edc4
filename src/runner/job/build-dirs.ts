// Where a job runs, named as gitlab-runner names it:
// <builds_dir>/<short runner token>/<concurrent project id>/<namespace>/<project> (the path of
// repo_url), with `<project dir>.tmp` beside it for file variables and step scripts.
import path from 'node:path';
import type { DecodedJob } from '../network/job-payload.js';
import type { JobDirs } from './job-context.js';

export function shortToken(token: string): string {
  const t = token.replace(/^(glrt-|glrtr-|GR1348941)/, '');
  return t.slice(0, 8);
}

export function projectPathFromRepoUrl(job: DecodedJob): string {
  let p: string;
  try {
    p = decodeURIComponent(new URL(job.git_info.repo_url).pathname);
  } catch {
    p = job.git_info.repo_url;
  }
  const segs = p
    .replace(/\.git\/?$/, '')
    .split('/')
    .filter((s) => s && s !== '.' && s !== '..')
    .map((s) => s.replace(/[^A-Za-z0-9._-]/g, '_'));
  return segs.length ? segs.join('/') : `project-${job.job_info.project_id}`;
}

/** `dirName` replaces the short token (the built-in runner of `run`, whose token changes every run). */
export function jobDirs(opts: { job: DecodedJob; buildsDir: string; cacheDir: string; runnerToken: string; projectSlot: number; dirName?: string }): JobDirs {
  const buildsDir = path.resolve(opts.buildsDir);
  const projectDir = path.join(buildsDir, opts.dirName ?? shortToken(opts.runnerToken), String(opts.projectSlot), projectPathFromRepoUrl(opts.job));
  return { buildsDir, projectDir, tmpDir: `${projectDir}.tmp`, cacheDir: path.resolve(opts.cacheDir) };
}
