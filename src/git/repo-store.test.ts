import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { createRepoStore } from './repo-store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gcd-repos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a new bare repository carries the settings smart HTTP and the runner need', async () => {
  const repos = createRepoStore({ dir });
  const repo = await repos.ensure('group/app');
  const get = (key: string) => execFileSync('git', ['config', '--get', key], { cwd: repo, encoding: 'utf8' }).trim();
  expect(get('core.bare')).toBe('true');
  expect(get('http.receivepack')).toBe('true');
  expect(get('uploadpack.allowAnySHA1InWant')).toBe('true');
  expect(get('uploadpack.allowReachableSHA1InWant')).toBe('true');
  expect(get('uploadpack.allowFilter')).toBe('true');
  expect(get('receive.advertisePushOptions')).toBe('true');
  expect(get('receive.shallowUpdate')).toBe('true');
  expect(get('gc.auto')).toBe('0');
  expect(get('core.logAllRefUpdates')).toBe('false');
  expect(get('core.sharedRepository')).toBe('0600');
  expect(execFileSync('git', ['symbolic-ref', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim()).toBe('refs/heads/main');
  // ensure again: the same repository, untouched
  expect(await repos.ensure('group/app')).toBe(repo);
  expect(execFileSync('git', ['config', '--get-all', 'gc.auto'], { cwd: repo, encoding: 'utf8' }).trim()).toBe('0');
});
