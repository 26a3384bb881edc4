// `pipeline create --dir`: a git work tree's HEAD commit message goes with the upload (the
// pipeline keeps the commit's title); a plain directory sends none ("Import of tarball").
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { headCommitMessage } from './pipeline.js';

const work = mkdtempSync(path.join(tmpdir(), 'gcd-cli-msg-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('reads the HEAD commit message of a work tree, and nothing elsewhere', () => {
  const plain = path.join(work, 'plain');
  execFileSync('mkdir', ['-p', plain]);
  expect(headCommitMessage(plain)).toBeUndefined();
  const repo = path.join(work, 'repo');
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  expect(headCommitMessage(repo)).toBeUndefined(); // no commit yet
  writeFileSync(path.join(repo, 'a.txt'), 'a');
  git('add', '-A');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'Add the parser\n\nWith a body.');
  expect(headCommitMessage(repo)).toBe('Add the parser\n\nWith a body.');
});
