// CI_COMMIT_TITLE / CI_COMMIT_DESCRIPTION as GitLab's Commit#full_title and #description.
import { describe, expect, it } from 'vitest';
import { commitTitleAndDescription } from './commit-message.js';

describe('commit title and description', () => {
  it('title is the first line; description the rest, blank line kept, one trailing newline chomped', () => {
    expect(commitTitleAndDescription('Fix it\n\nBecause.\n')).toEqual({ title: 'Fix it', description: '\nBecause.' });
    expect(commitTitleAndDescription('Only a title')).toEqual({ title: 'Only a title', description: '' });
    expect(commitTitleAndDescription('Windows\r\nbody')).toEqual({ title: 'Windows', description: 'body' });
  });

  it('a title of 100 characters or more: the description is the whole message', () => {
    const long = `${'x'.repeat(100)}\nbody`;
    expect(commitTitleAndDescription(long)).toEqual({ title: 'x'.repeat(100), description: long });
    const short = `${'x'.repeat(99)}\nbody`;
    expect(commitTitleAndDescription(short).description).toBe('body');
  });
});
