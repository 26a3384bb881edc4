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

  const extend = (key: string, ancestors: string[]): Obj | null => {
    const value = out[key];
    if (!isObj(value) || !has(value, 'extends')) return isObj(value) ? value : null;
    if (done.has(key)) return value;
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
    for (const p of parents) {
      const base = extend(p, [...ancestors, key]);
      if (!base) {
        failed.add(key);
        return null;
      }
      merged = deepMerge(merged, base, budget);
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
