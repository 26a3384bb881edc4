import { describe, expect, test } from 'vitest';
import { checkProtectedName, isRefProtected, refMatches } from './protected-refs.js';

describe('refMatches (GitLab ProtectedRefMatcher)', () => {
  test('exact names', () => {
    expect(refMatches('main', 'main')).toBe(true);
    expect(refMatches('main', 'main2')).toBe(false);
    expect(refMatches('main', 'xmain')).toBe(false);
    expect(refMatches('', '')).toBe(false);
  });

  test('* matches any characters, / included, anchored at both ends', () => {
    expect(refMatches('v*', 'v1')).toBe(true);
    expect(refMatches('v*', 'v')).toBe(true);
    expect(refMatches('v*', 'v1.2/rc')).toBe(true);
    expect(refMatches('v*', 'xv1')).toBe(false);
    expect(refMatches('release/*', 'release/1.0/hotfix')).toBe(true);
    expect(refMatches('release/*', 'release')).toBe(false);
    expect(refMatches('*-stable', '15-0-stable')).toBe(true);
    expect(refMatches('*-stable', '15-0-stable-x')).toBe(false);
    expect(refMatches('*', 'anything/at/all')).toBe(true);
    expect(refMatches('a*b*c', 'a-b-b-c')).toBe(true);
    expect(refMatches('a*b*c', 'a-c-b')).toBe(false);
    expect(refMatches('**', 'x')).toBe(true);
  });

  test('other characters are literal (no regular expression, no ? or [ ] globs)', () => {
    expect(refMatches('v1.*', 'v1.0')).toBe(true);
    expect(refMatches('v1.*', 'v1x0')).toBe(false);
    expect(refMatches('v?', 'v1')).toBe(false);
    expect(refMatches('v[0-9]*', 'v1')).toBe(false);
    expect(refMatches('v[0-9]*', 'v[0-9]1')).toBe(true);
    expect(refMatches('(a|b)*', 'a')).toBe(false);
  });

  test('linear on adversarial patterns', () => {
    const started = Date.now();
    expect(refMatches('*a'.repeat(120) + 'b', 'a'.repeat(255))).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('isRefProtected', () => {
  const rules = [
    { kind: 'branch' as const, name: 'main' },
    { kind: 'tag' as const, name: 'v*' },
  ];
  test('branch rules protect branches only, tag rules tags only', () => {
    expect(isRefProtected(rules, { ref: 'main', isTag: false })).toBe(true);
    expect(isRefProtected(rules, { ref: 'main', isTag: true })).toBe(false);
    expect(isRefProtected(rules, { ref: 'v1', isTag: true })).toBe(true);
    expect(isRefProtected(rules, { ref: 'v1', isTag: false })).toBe(false);
    expect(isRefProtected([], { ref: 'main', isTag: false })).toBe(false);
  });
});

test('checkProtectedName refuses empty, long, whitespace and control characters', () => {
  expect(checkProtectedName('release/*', 'branch')).toBe('release/*');
  for (const bad of ['', 'a b', 'a\nb', 'a\u0000', 'x'.repeat(256), 42, null]) expect(() => checkProtectedName(bad, 'tag')).toThrow();
});
