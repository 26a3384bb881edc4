// get_sources skips `git checkout` + `git clean` only when both would change nothing: a job on
// the same commit after an untouched tree starts no git at all, and every kind of change a job
// can leave behind (content, mode, an added file ignored or not, an empty directory, a removed
// file, a symlink, HEAD moved, the index staged) brings the real commands back, which restore the
// tree. A git wrapper first in PATH logs each git command that runs.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJobPayload } from '../network/job-payload.js';
import { resolveVariables, v } from '../job/job-variables.js';
import { JobTrace } from '../trace/job-trace.js';
import { getSources } from './git-sources.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' }).trim();

describe('get_sources on a pristine tree (real git)', () => {
  let root: string;
  let bare: string;
  let sha: string;
  let other: string;
  let gitLog: string;
  let binDir: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gcd-pristine-'));
    const work = path.join(root, 'work');
    git(root, 'init', '-q', '-b', 'main', work);
    await mkdir(path.join(work, 'src', 'deep'), { recursive: true });
    await writeFile(path.join(work, 'a.txt'), 'alpha\n');
    await writeFile(path.join(work, 'src', 'deep', 'b.txt'), 'beta\n');
    await writeFile(path.join(work, '.gitignore'), 'ignored/\n*.log\n');
    await writeFile(path.join(work, 'run.sh'), '#!/bin/sh\n');
    await chmod(path.join(work, 'run.sh'), 0o755);
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'c1');
    other = git(work, 'rev-parse', 'HEAD');
    await writeFile(path.join(work, 'a.txt'), 'alpha2\n');
    git(work, 'commit', '-qam', 'c2');
    sha = git(work, 'rev-parse', 'HEAD');
    bare = path.join(root, 'repo.git');
    git(root, 'clone', '-q', '--bare', work, bare);
    git(bare, 'update-ref', 'refs/pipelines/9', sha);
    binDir = path.join(root, 'bin');
    gitLog = path.join(root, 'git.log');
    await mkdir(binDir);
    const realGit = execFileSync('bash', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    await writeFile(path.join(binDir, 'git'), `#!/bin/bash\nprintf '%s\\n' "$*" >> ${gitLog}\nexec ${realGit} "$@"\n`, { mode: 0o755 });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Runs get_sources; returns the trace and the git subcommands that ran. */
  const run = async (dir: string, vars: [string, string][] = []) => {
    await writeFile(gitLog, '');
    const job = decodeJobPayload(
      JSON.stringify({
        id: 1,
        token: 'jt',
        allow_git_fetch: true,
        git_info: { repo_url: `file://${bare}`, ref: 'main', sha, refspecs: ['+refs/pipelines/9:refs/pipelines/9'], depth: 5 },
      }),
    );
    const resolved = resolveVariables({ runnerBefore: [], job: vars.map(([k, val]) => v(k, val)), runnerAfter: [], jobToken: 'jt', tmpDir: `${dir}.tmp` });
    const trace = new JobTrace();
    await getSources({ job, vars: resolved, projectDir: dir, trace, signal: new AbortController().signal, baseEnv: { ...process.env, PATH: `${binDir}:${process.env.PATH}` } });
    const ran = (await readFile(gitLog, 'utf8')).split('\n').filter(Boolean).map((l) => l.split(' ').find((w, i, a) => !w.startsWith('-') && a[i - 1] !== '-c'));
    return { log: trace.toString(), ran };
  };
  /** The tree is exactly the commit: nothing modified, untracked or ignored, HEAD detached at it. */
  const expectClean = (dir: string) => {
    expect(git(dir, 'status', '--porcelain', '--ignored', '--untracked-files=all')).toBe('');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(sha);
    expect(git(dir, 'rev-parse', '--symbolic-full-name', 'HEAD')).toBe('HEAD');
  };

  it('the second job on an untouched tree runs no git; its log is the same', async () => {
    const dir = path.join(root, 'builds', 'same');
    const first = await run(dir);
    expect(first.ran).toContain('fetch');
    const second = await run(dir);
    expect(second.ran).toEqual([]);
    const third = await run(dir);
    expect(third.ran).toEqual([]);
    expectClean(dir);
    for (const l of [`Checking out ${sha.slice(0, 8)} as detached HEAD (ref is main)...`, 'Skipping Git submodules setup', 'is already fetched; skipping the fetch']) {
      expect(second.log).toContain(l);
    }
    // the lines the real commands give around nothing to do are the same lines
    const strip = (s: string) => s.replace(/\r/g, '');
    const f = path.join(dir, 'a.txt');
    await utimes(f, statSync(f).atime, statSync(f).mtime); // only its ctime moves
    const slow = await run(dir);
    expect(slow.ran).toEqual(expect.arrayContaining(['checkout', 'clean']));
    expect(strip(slow.log)).toBe(strip(second.log));
  });

  const changes: [string, (dir: string) => Promise<void>][] = [
    ['content of the same size, mtime set back', async (d) => {
      const f = path.join(d, 'a.txt');
      const { atime, mtime } = statSync(f);
      await writeFile(f, 'ALPHA2\n');
      await utimes(f, atime, mtime);
    }],
    ['content rewritten at once after the checkout', async (d) => writeFile(path.join(d, 'src', 'deep', 'b.txt'), 'BETA\n')],
    ['the exec bit dropped', async (d) => chmod(path.join(d, 'run.sh'), 0o644)],
    ['an untracked file', async (d) => writeFile(path.join(d, 'src', 'new.txt'), 'x')],
    ['an ignored file', async (d) => writeFile(path.join(d, 'build.log'), 'x')],
    ['an ignored directory', async (d) => mkdir(path.join(d, 'ignored', 'x'), { recursive: true }).then(() => writeFile(path.join(d, 'ignored', 'x', 'f'), 'x'))],
    ['an empty directory', async (d) => mkdir(path.join(d, 'src', 'empty'))],
    ['a removed file', async (d) => unlink(path.join(d, 'src', 'deep', 'b.txt'))],
    ['a removed directory', async (d) => rm(path.join(d, 'src'), { recursive: true })],
    ['a file replaced by a symlink', async (d) => unlink(path.join(d, 'a.txt')).then(() => symlink('/etc/hostname', path.join(d, 'a.txt')))],
    ['HEAD moved to another commit', async (d) => void git(d, 'checkout', '-q', other)],
    ['a change staged in the index', async (d) => writeFile(path.join(d, 'a.txt'), 'staged\n').then(() => void git(d, 'add', 'a.txt')).then(() => void git(d, 'checkout', '-q', 'HEAD', '--', '.'))],
    ['a sparse checkout set up in .git', async (d) => {
      await mkdir(path.join(d, '.git', 'info'), { recursive: true });
      await writeFile(path.join(d, '.git', 'info', 'sparse-checkout'), '/a.txt\n/run.sh\n');
    }],
    ['.git/config changed', async (d) => void git(d, 'config', 'core.autocrlf', 'false')],
  ];
  for (const [what, change] of changes) {
    it(`${what}: checkout + clean run again and restore the tree`, async () => {
      const dir = path.join(root, 'builds', what.replace(/\W+/g, '-'));
      await run(dir);
      expect((await run(dir)).ran).toEqual([]);
      await change(dir);
      const after = await run(dir);
      expect(after.ran).toEqual(['checkout', 'clean']);
      // once restored, the next job skips again (before git status below refreshes the index)
      expect((await run(dir)).ran).toEqual([]);
      expectClean(dir);
      expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('alpha2\n');
      expect(statSync(path.join(dir, 'run.sh')).mode & 0o111).not.toBe(0);
    });
  }

  it('other clean flags, GIT_CHECKOUT=false and GIT_STRATEGY=clone keep their own behaviour', async () => {
    const dir = path.join(root, 'builds', 'flags');
    await run(dir);
    expect((await run(dir, [['GIT_CLEAN_FLAGS', '-fd']])).ran).toEqual(['checkout', 'clean']);
    expect((await run(dir, [['GIT_CLEAN_FLAGS', 'none']])).ran).toEqual(['checkout']);
    expect((await run(dir, [['GIT_CHECKOUT', 'false']])).ran).toEqual([]);
    expect((await run(dir, [['GIT_STRATEGY', 'clone']])).ran).toEqual(expect.arrayContaining(['init', 'fetch', 'checkout', 'clean']));
    expectClean(dir);
  });
});
