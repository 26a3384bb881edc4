// `!reference [key, sub, …]`: replaced by a copy of the value at that path of the configuration
// (after includes and extends). References inside the referenced value are resolved too, up to
// 10 levels; a missing path or a loop is a diagnostic.
import type { Diagnostics } from './diagnostics.js';
import { locOf, setLoc } from './source-map.js';
import { Budget, has, isObj, RefTag, setKey, type Obj } from './values.js';

const MAX_NESTING = 10;

/** Lists that lost an item because a `!reference` in them could not be resolved (already reported). */
const lostItems = new WeakSet<object>();
const lostKeys = new WeakMap<object, Set<string>>();
/** Did `obj[key]` (or an item of it) come from a `!reference` that could not be resolved? */
export function lostUnresolvedReference(obj: unknown, key: string): boolean {
  if (obj === null || typeof obj !== 'object') return false;
  const v = (obj as Obj)[key];
  return (lostKeys.get(obj)?.has(key) ?? false) || (v !== null && typeof v === 'object' && lostItems.has(v));
}

function show(path: string[]): string {
  return `[${path.map((p) => JSON.stringify(p)).join(', ')}]`;
}

export function resolveReferences(root: Obj, diags: Diagnostics, budget: Budget): Obj {
  const lookup = (tag: RefTag, chain: string[]): unknown => {
    const id = tag.path.join('\u0000');
    if (chain.includes(id)) {
      diags.error(tag.pos, `!reference ${show(tag.path)} is part of a circular chain`);
      return undefined;
    }
    if (chain.length >= MAX_NESTING) {
      diags.error(tag.pos, `!reference ${show(tag.path)}: too many nested references (maximum is ${MAX_NESTING})`);
      return undefined;
    }
    let cur: unknown = root;
    for (const part of tag.path) {
      if (cur instanceof RefTag) cur = lookup(cur, [...chain, id]);
      if (!isObj(cur) || !has(cur, part)) {
        diags.missing(tag.pos, `!reference ${show(tag.path)} could not be found`);
        return undefined;
      }
      cur = cur[part];
    }
    return walk(cur, [...chain, id]);
  };

  const walk = (value: unknown, chain: string[]): unknown => {
    if (!budget.spend(1)) return null;
    if (value instanceof RefTag) return lookup(value, chain);
    if (Array.isArray(value)) {
      if (!value.some(needsWork)) return value;
      // A reference that could not be resolved is dropped from a list (already reported).
      const mapped = value.map((v) => walk(v, chain));
      const out = mapped.filter((v) => v !== undefined);
      if (out.length !== mapped.length) lostItems.add(out);
      const loc = locOf(value);
      if (loc) setLoc(out, loc);
      return out;
    }
    if (isObj(value)) {
      if (!needsWork(value)) return value;
      const out: Obj = {};
      for (const k of Object.keys(value)) {
        const v = walk(value[k], chain);
        if (v === undefined) {
          const set = lostKeys.get(out) ?? new Set<string>();
          set.add(k);
          lostKeys.set(out, set);
        }
        setKey(out, k, v ?? null);
      }
      const loc = locOf(value);
      if (loc) setLoc(out, loc);
      return out;
    }
    return value;
  };

  // Lives for this call only: a Map is cheaper than a WeakMap (no ephemerons for the GC).
  const memo = new Map<object, boolean>();
  const needsWork = (value: unknown): boolean => {
    if (value instanceof RefTag) return true;
    if (value === null || typeof value !== 'object') return false;
    const hit = memo.get(value);
    if (hit !== undefined) return hit;
    memo.set(value, false);
    budget.spend(1);
    let result = false;
    if (Array.isArray(value)) result = value.some(needsWork);
    else {
      const obj = value as Obj;
      for (const k of Object.keys(obj)) {
        if (needsWork(obj[k])) {
          result = true;
          break;
        }
      }
    }
    memo.set(value, result);
    return result;
  };

  return (walk(root, []) ?? {}) as Obj;
}
