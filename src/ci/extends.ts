// `extends:` (GitLab's Extendable): each parent is resolved first, parents are deep-merged in
// order, then the job itself on top. Unknown parents, non-hash parents, loops and chains deeper
// than 10 levels are reported with GitLab's wording.
import type { Diagnostics } from './diagnostics.js';
import { keyPos } from './source-map.js';
import { Budget, copyObj, deepMerge, has, isObj, setKey, type Obj } from './values.js';

const MAX_NESTING = 10;

export function resolveExtends(root: Obj, diags: Diagnostics, budget: Budget): { root: Obj; failed: Set<string> } {
  const out = copyObj(root);
  const done = new Set<string>();
  const failed = new Set<string>();

  // GitLab walks the whole chain for every entry (nothing is memoised), so the depth limit does not
  // depend on the order of the keys: an entry already merged is still as deep as its chain.
  const heights = new Map<string, number>();
  const parentsOf = (key: string): string[] => {
    const v = out[key];
    if (!isObj(v) || !has(v, 'extends')) return [];
    const raw = v.extends;
    return (typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : []).filter((p): p is string => typeof p === 'string' && has(out, p));
  };
  /** Extensible entries on the longest chain from `key` (0 when it has no `extends`). */
  const height = (key: string, path: Set<string> = new Set()): number => {
    const known = heights.get(key);
    if (known !== undefined) return known;
    const v = out[key];
    if (!isObj(v) || !has(v, 'extends') || path.has(key) || path.size > MAX_NESTING + 1) return 0;
    path.add(key);
    const h = 1 + Math.max(0, ...parentsOf(key).map((p) => height(p, path)));
    path.delete(key);
    heights.set(key, h);
    return h;
  };
  /** The entry `steps` down the longest chain from `key`. */
  const deepest = (key: string, steps: number): string => {
    let at = key;
    for (let i = 0; i < steps; i++) {
      const next = parentsOf(at).sort((a, b) => height(b) - height(a))[0];
      if (next === undefined) break;
      at = next;
    }
    return at;
  };

  const extend = (key: string, ancestors: string[]): Obj | null => {
    const value = out[key];
    if (!isObj(value) || !has(value, 'extends')) return isObj(value) ? value : null;
    if (done.has(key)) {
      // its chain, walked again from here, may reach past the limit
      if (ancestors.length + height(key) <= MAX_NESTING + 1) return value;
      const deep = deepest(key, MAX_NESTING + 1 - ancestors.length);
      failed.add(key);
      diags.error(keyPos(out[deep], 'extends'), `${deep}: nesting too deep in \`extends\``);
      return null;
    }
    if (failed.has(key)) return null;
    const at = keyPos(value, 'extends');
    const raw = value.extends;
    const parents = typeof raw === 'string' ? [raw] : Array.isArray(raw) && raw.every((p) => typeof p === 'string') ? (raw as string[]) : null;
    const fail = (message: string, missing = false): null => {
      failed.add(key);
      if (missing) diags.missing(at, message);
      else diags.error(at, message);
      return null;
    };
    if (!parents) return fail(`${key}: extends config should be an array of strings or a string`);
    const unknown = parents.filter((p) => !has(out, p));
    if (unknown.length) return fail(`${key}: unknown keys in \`extends\` (${unknown.join(', ')})`, true);
    const invalid = parents.filter((p) => !isObj(out[p]));
    if (invalid.length) return fail(`${key}: invalid base hashes in \`extends\` (${invalid.join(', ')})`);
    if (ancestors.length > MAX_NESTING) return fail(`${key}: nesting too deep in \`extends\``);
    if (ancestors.includes(key)) return fail(`${key}: circular dependency detected in \`extends\``);
    let merged: unknown = {};
    for (const [i, p] of parents.entries()) {
      const base = extend(p, [...ancestors, key]);
      if (!base) {
        failed.add(key);
        return null;
      }
      if (i === 0) {
        // deepMerge({}, base) would be a shallow copy of base with its positions: nothing
        // mutates `merged`, so base itself does (the work it would have cost is still counted)
        budget.spend(1);
        merged = base;
      } else merged = deepMerge(merged, base, budget);
    }
    const result = deepMerge(merged, value, budget) as Obj;
    setKey(out, key, result);
    done.add(key);
    return result;
  };

  for (const key of Object.keys(out)) {
    if (budget.exhausted) break;
    extend(key, []);
  }
  return { root: out, failed };
}
