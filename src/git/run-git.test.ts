// A git command that fails on a full disk is a 507 without paths in its message; others stay 500.
import { expect, test } from 'vitest';
import { httpStatusOf } from '../util/errors.js';
import { GitCommandError } from './run-git.js';

test('a full disk is insufficient storage, anything else internal', () => {
  const full = new GitCommandError(['index-pack', '--stdin'], 128, 'fatal: write error: No space left on device\n');
  expect(full.code).toBe('insufficient_storage');
  expect(httpStatusOf(full)).toBe(507);
  expect(full.message).not.toMatch(/index-pack/);
  const other = new GitCommandError(['rev-parse', 'x'], 128, 'fatal: bad revision');
  expect(other.code).toBe('internal');
  expect(httpStatusOf(other)).toBe(500);
});
