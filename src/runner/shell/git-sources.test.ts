// get_sources with the real git against file:// bare repositories: fetch into an existing
// worktree, clone from scratch, refspecs + depth, submodules.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJobPayload } from '../network/job-payload.js';
import { resolveVariables, v } from '../job/job-variables.js';
import { JobTrace } from '../trace/job-trace.js';
import { getSources, remoteUrls } from './git-sources.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'protocol.file.allow=always', ...args], { cwd, encoding: 'utf8' }).trim();

describe('getSources (real git, file:// remotes)', () => {
  let root: string;
  let bare: string;
  let sha1: string;
  let sha2: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gcd-git-'));
    const subWork = path.join(root, 'sub-work');
    git(root, 'init', '-q', '-b', 'main', subWork);
    await writeFile(path.join(subWork, 'lib.txt'), 'from submodule\n');
    git(subWork, 'add', '.');
    git(subWork, 'commit', '-qm', 'sub');
    git(root, 'clone', '-q', '--bare', subWork, path.join(root, 'sub.git'));
    const work = path.join(root, 'work');
    git(root, 'init', '-q', '-b', 'main', work);
    await writeFile(path.join(work, 'a.txt'), 'one\n');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'c1');
    sha1 = git(work, 'rev-parse', 'HEAD');
    git(work, 'submodule', 'add', '-q', `file://${root}/sub.git`, 'sub');
    await writeFile(path.join(work, 'a.txt'), 'two\n');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'c2');
    sha2 = git(work, 'rev-parse', 'HEAD');
    bare = path.join(root, 'repo.git');
    git(root, 'clone', '-q', '--bare', work, bare);
    git(bare, 'update-ref', 'refs/pipelines/7', sha2);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const run = async (projectDir: string, sha: string, vars: [string, string][], depth = 0) => {
    const job = decodeJobPayload(
      JSON.stringify({
        id: 1,
        token: 'jt',
        allow_git_fetch: true,
        git_info: { repo_url: `file://${bare}`, ref: 'main', sha, refspecs: ['+refs/pipelines/7:refs/pipelines/7', '+refs/heads/*:refs/remotes/origin/*'], depth },
      }),
    );
    const resolved = resolveVariables({ runnerBefore: [], job: vars.map(([k, val]) => v(k, val)), runnerAfter: [], jobToken: 'jt', tmpDir: `${projectDir}.tmp` });
    const trace = new JobTrace();
    await getSources({ job, vars: resolved, projectDir, trace, signal: new AbortController().signal, baseEnv: process.env });
    return trace.toString();
  };

  it('fetches, reuses the worktree on fetch, checks out the sha, cleans, and initialises submodules', async () => {
    const dir = path.join(root, 'builds', 'p');
    let log = await run(dir, sha1, []);
    expect(log).toContain('Created fresh repository.');
    // a fresh checkout adds origin: no "error: No such remote 'origin'" from a set-url first
    expect(log).not.toMatch(/No such remote|error:/i);
    expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('one\n');
    await writeFile(path.join(dir, 'junk'), 'x');
    log = await run(dir, sha2, [['GIT_SUBMODULE_STRATEGY', 'recursive']]);
    expect(log).toContain('Reinitialized existing Git repository');
    expect(log).not.toMatch(/No such remote/);
    expect(log).toContain('Updating/initializing submodules recursively');
    expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('two\n');
    expect(await readFile(path.join(dir, 'sub', 'lib.txt'), 'utf8')).toBe('from submodule\n');
    await expect(stat(path.join(dir, 'junk'))).rejects.toThrow();
  });

  it('clone with depth gives a shallow repo at the pipeline sha; a bad sha fails', async () => {
    const dir = path.join(root, 'builds', 'q');
    await run(dir, sha2, [['GIT_STRATEGY', 'clone']], 1);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(sha2);
    expect(git(dir, 'rev-parse', '--is-shallow-repository')).toBe('true');
    await expect(run(dir, 'f'.repeat(40), [])).rejects.toThrow(/git checkout failed/);
  });

  it('keeps credentials out of the stored remote', () => {
    expect(remoteUrls('http://gitlab-ci-token:secret@h:8080/g/p.git')).toEqual({
      remote: 'http://h:8080/g/p.git',
      rewrite: { from: 'http://h:8080/', to: 'http://gitlab-ci-token:secret@h:8080/' },
    });
  });
});
