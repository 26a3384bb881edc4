// "Did you mean …?" hints for unknown keywords. GitLab's own message is kept as it is (e.g.
// "jobs:build config contains unknown keys: scirpt"); each unknown key close to a valid one
// (optimal string alignment distance ≤ 2, at most a third of the key's length, so short keys
// don't match everything) gets a hint at its own position.
import type { Diagnostics, KeyHint } from './diagnostics.js';
import { keyPos, type Pos } from './source-map.js';
import { isObj } from './values.js';

/** Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The valid keyword closest to `key`, or null when none is close enough. */
export function closestKeyword(key: string, valid: readonly string[]): string | null {
  if (key.length > 64) return null;
  const k = key.toLowerCase();
  const limit = Math.min(2, Math.max(1, Math.floor(k.length / 3)));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    if (candidate === key) return null;
    const distance = candidate.toLowerCase() === k ? 0.5 : editDistance(k, candidate);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Hints for the unknown keys of `obj` that look like a keyword of `valid`. */
export function keyHints(obj: unknown, keys: readonly string[], valid: readonly string[], fallback?: Pos): KeyHint[] {
  const out: KeyHint[] = [];
  for (const key of keys) {
    const match = closestKeyword(key, valid);
    if (match) out.push({ pos: keyPos(obj, key, fallback), message: `did you mean \`${match}:\` instead of \`${key}:\`?` });
  }
  return out;
}

/** GitLab's "<where> config contains unknown keys: a, b" at the first one, with hints. */
export function reportUnknownKeys(diags: Diagnostics, opts: { obj: unknown; unknown: readonly string[]; valid: readonly string[]; where: string; fallback?: Pos }): void {
  const { obj, unknown, valid, where, fallback } = opts;
  if (!unknown.length) return;
  diags.error(keyPos(obj, unknown[0], fallback), `${where} config contains unknown keys: ${unknown.join(', ')}`, keyHints(obj, unknown, valid, fallback));
}

/**
 * Hints for GitLab's "jobs:x config should implement the script:, run:, or trigger: keyword": a
 * root key that looks like a root keyword (`stagse:`), or a key of the job that looks like
 * `script`, `run` or `trigger` (`scirpt:`).
 */
export function missingScriptHints(opts: { root: unknown; name: string; value: unknown; rootKeywords: readonly string[] }): KeyHint[] {
  const { root, name, value } = opts;
  const rootKeyword = closestKeyword(name, opts.rootKeywords);
  if (rootKeyword) return [{ pos: keyPos(root, name), message: `did you mean the root keyword \`${rootKeyword}:\` instead of \`${name}:\`?` }];
  return isObj(value) ? keyHints(value, Object.keys(value), ['script', 'run', 'trigger'], keyPos(root, name)) : [];
}
