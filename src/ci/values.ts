// Helpers for the plain values converted from YAML.
import { locOf, mergedLoc, setLoc, type Pos } from './source-map.js';

/** `!reference [job, key, …]`, resolved after includes and extends. */
export class RefTag {
  constructor(
    readonly path: string[],
    readonly pos: Pos,
  ) {}
}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof RefTag);
}

/** Sets a user-named key safely (a key called `__proto__` stays a plain key). */
export function setKey(o: Obj, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

export function has(o: Obj, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/**
 * A bound that would otherwise cut content silently (a list too long once expanded): thrown
 * from deep inside a stage, reported by compile() as an error at `pos`.
 */
export class LimitError extends Error {
  constructor(
    message: string,
    readonly pos?: Pos,
  ) {
    super(message);
    this.name = 'LimitError';
  }
}

/** Bounds the total work of one compile (alias fan-out, extends, references, matrix). */
export class Budget {
  exhausted = false;
  constructor(private left: number) {}
  /** Would spending `n` leave the budget unexhausted? */
  affords(n: number): boolean {
    return !this.exhausted && this.left - n >= 0;
  }
  spend(n = 1): boolean {
    this.left -= n;
    if (this.left < 0) this.exhausted = true;
    return !this.exhausted;
  }
}

/** GitLab's `deep_merge`: hashes merged recursively, everything else replaced by `over`. */
export function deepMerge(base: unknown, over: unknown, budget: Budget): unknown {
  if (!isObj(base) || !isObj(over)) return over;
  if (!budget.spend(1)) return over;
  const out: Obj = {};
  for (const k of Object.keys(base)) setKey(out, k, base[k]);
  for (const k of Object.keys(over)) {
    setKey(out, k, has(out, k) ? deepMerge(out[k], over[k], budget) : over[k]);
  }
  const loc = mergedLoc(locOf(base), locOf(over));
  if (loc) setLoc(out, loc);
  return out;
}

/** A shallow copy of a map keeping its positions. */
export function copyObj(o: Obj): Obj {
  const out: Obj = {};
  for (const k of Object.keys(o)) setKey(out, k, o[k]);
  const loc = locOf(o);
  if (loc) setLoc(out, loc);
  return out;
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof RefTag) return '!reference';
  if (typeof v === 'object') return 'hash';
  return typeof v;
}

/** Counts the nodes of a value, stopping at `limit` (values may share subtrees through aliases). */
export function sizeAtMost(v: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [v];
  while (stack.length && count <= limit) {
    const cur = stack.pop();
    count++;
    if (Array.isArray(cur)) for (const x of cur) stack.push(x);
    else if (isObj(cur)) for (const k of Object.keys(cur)) stack.push(cur[k]);
  }
  return count;
}

/** A JSON copy of a user value, or null when it is larger than `limit` nodes. */
export function boundedJson(v: unknown, limit = 10_000): unknown {
  if (sizeAtMost(v, limit) > limit) return null;
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof RefTag ? null : x)) ?? 'null');
}
