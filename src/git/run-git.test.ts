// A git command that fails on a full disk is a 507 without paths in its message; others stay 500.
// runGit, from a step driver and spawned directly: input, output, environment, codes, abort.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { httpStatusOf } from '../util/errors.js';
import { GitCommandError, gitText, runGit, runGitThen } from './run-git.js';

test('a full disk is insufficient storage, anything else internal', () => {
  const full = new GitCommandError(['index-pack', '--stdin'], 128, 'fatal: write error: No space left on device\n');
  expect(full.code).toBe('insufficient_storage');
  expect(httpStatusOf(full)).toBe(507);
  expect(full.message).not.toMatch(/index-pack/);
  const other = new GitCommandError(['rev-parse', 'x'], 128, 'fatal: bad revision');
  expect(other.code).toBe('internal');
  expect(httpStatusOf(other)).toBe(500);
});

describe.each([
  ['from a step driver', '1'],
  ['spawned directly (GCD_STEP_DRIVER=0)', '0'],
])('runGit %s', (_, driver) => {
  let dir = '';
  const saved = process.env.GCD_STEP_DRIVER;
  beforeAll(async () => {
    process.env.GCD_STEP_DRIVER = driver;
    dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-run-git-'));
    await runGit(['init', '-q', '--bare', dir]);
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.GCD_STEP_DRIVER;
    else process.env.GCD_STEP_DRIVER = saved;
    await rm(dir, { recursive: true, force: true });
  });

  test('stdin, stdout, the environment given, exit codes and stderr in the error', async () => {
    const env = { GIT_AUTHOR_NAME: 'A Name', GIT_AUTHOR_EMAIL: 'a@x', GIT_COMMITTER_NAME: 'C', GIT_COMMITTER_EMAIL: 'c@x' };
    const tree = await gitText(['mktree'], { cwd: dir, input: '' });
    const sha = await gitText(['commit-tree', tree], { cwd: dir, input: 'the message\n\nbody line', env });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await gitText(['log', '-1', '--format=%an|%B', sha], { cwd: dir })).toBe('A Name|the message\n\nbody line');
    // a variable that would point git elsewhere is dropped (gitEnv), the given one kept
    process.env.GIT_DIR = '/nonexistent';
    try {
      expect(await gitText(['rev-parse', '--git-dir'], { cwd: dir })).toBe('.');
    } finally {
      delete process.env.GIT_DIR;
    }
    expect((await runGit(['rev-parse', '--verify', '--quiet', 'refs/heads/none'], { cwd: dir, okCodes: [1] })).code).toBe(1);
    const failed = await runGit(['rev-parse', '--verify', 'no-such-rev'], { cwd: dir }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(GitCommandError);
    expect((failed as GitCommandError).exitCode).toBe(128);
    expect((failed as GitCommandError).stderr).toMatch(/fatal: Needed a single revision/);
  });

  test('runGitThen: the second command runs after the first succeeds (arguments as given), not after it fails', async () => {
    const hash = (text: string) => execFileSync('git', ['hash-object', '--stdin'], { input: text }).toString().trim();
    const out = (await runGitThen(['hash-object', '-w', '--stdin'], ['rev-parse', '--sq-quote', `odd arg $x "q" \\`, ''], { cwd: dir, input: 'stored' })).stdout.toString();
    expect(out).toBe(`${hash('stored')}\n 'odd arg $x "q" \\' ''\n`);
    const failed = await runGitThen(['cat-file', '-e', 'f'.repeat(40)], ['hash-object', '-w', '--stdin'], { cwd: dir, input: 'never stored' }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(GitCommandError);
    expect((failed as GitCommandError).args).toEqual(['cat-file', '-e', 'f'.repeat(40), '&&', 'git', 'hash-object', '-w', '--stdin']);
    // the second never ran: its blob is not in the repository (the first one's is)
    expect((await runGit(['cat-file', '-e', hash('never stored')], { cwd: dir, okCodes: [1, 128] })).code).not.toBe(0);
    expect((await runGit(['cat-file', '-e', hash('stored')], { cwd: dir })).code).toBe(0);
  });

  test('an abort stops the command', async () => {
    const ctl = new AbortController();
    const started = Date.now();
    // `git hash-object --stdin` waits on stdin forever when it is a fifo nobody writes to
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const running = runGit(['-c', `core.hooksPath=/dev/null`, 'hash-object', fifo], { cwd: dir, signal: ctl.signal });
    setTimeout(() => ctl.abort(new Error('stop')), 200);
    await expect(running).rejects.toThrow(/stop|aborted/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
