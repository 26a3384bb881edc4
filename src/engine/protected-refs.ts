// Protected branches and tags, as GitLab decides them (ProtectedRefMatcher): a rule protects a ref
// of its kind when its name equals the ref name, or when the name holds `*` wildcards and the
// whole ref name matches it, each `*` standing for any characters, `/` included (`release/*`
// matches `release/1.0/rc`, `v*` matches `v1`). Branch rules never protect tags and vice versa.
// A project starts with one rule, its default branch (GitLab protects it at creation); no tag
// is protected until a rule says so.
import { badRequest } from '../util/errors.js';
import type { Pipeline, ProtectedRef, ProtectedRefKind } from './model.js';

export const MAX_PROTECTED_NAME = 255;

/**
 * Whether the rule name `pattern` (exact name or `*` wildcards) matches the whole of `ref`.
 * GitLab builds an anchored regular expression (`*` -> `.*?`); the same language is matched here
 * without one, in O(pattern x ref) steps whatever the pattern (no backtracking blow-up on `*a*a*a`).
 */
export function refMatches(pattern: string, ref: string): boolean {
  if (pattern === '' || ref === '') return false;
  if (pattern === ref) return true;
  if (!pattern.includes('*')) return false;
  let p = 0;
  let r = 0;
  let star = -1;
  let resume = 0;
  while (r < ref.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === ref[r]) {
      p++;
      r++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = r;
    } else if (star >= 0) {
      p = star + 1;
      r = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Whether `ref` (a branch, or a tag when `isTag`) is protected by one of `rules`. */
export function isRefProtected(rules: readonly Pick<ProtectedRef, 'kind' | 'name'>[], ref: Pick<Pipeline, 'ref' | 'isTag'>): boolean {
  const kind: ProtectedRefKind = ref.isTag ? 'tag' : 'branch';
  return rules.some((r) => r.kind === kind && refMatches(r.name, ref.ref));
}

/** A rule name as given by a user: 1-255 characters, no whitespace or control characters. */
export function checkProtectedName(name: unknown, kind: ProtectedRefKind): string {
  if (typeof name !== 'string' || name === '') throw badRequest(`a protected ${kind} needs a name (an exact ${kind} name or a pattern such as ${kind === 'tag' ? 'v*' : 'release/*'})`);
  if (name.length > MAX_PROTECTED_NAME) throw badRequest(`a protected ${kind} name has at most ${MAX_PROTECTED_NAME} characters`);
  if (/[\s\u0000-\u001f\u007f]/.test(name)) throw badRequest(`a protected ${kind} name cannot contain whitespace or control characters`);
  return name;
}
