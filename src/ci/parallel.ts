// `parallel: N` (jobs "name 1/N" … "name N/N") and `parallel: matrix` (jobs "name: [a, b]"),
// bounded to 200 jobs per definition as in GitLab.
import type { Diagnostics } from './diagnostics.js';
import { valPos, type Pos } from './source-map.js';
import { scalarString } from './variables.js';
import { isObj, type Obj } from './values.js';
import { reportUnknownKeys } from './did-you-mean.js';

export const MAX_PARALLEL = 200;

export interface Instance {
  name: string;
  matrix: { key: string; value: string }[];
  parallel: { index: number; total: number } | null;
}

/** The combinations of one matrix list ([{A: [x, y], B: z}] -> [{A: x, B: z}, {A: y, B: z}]). */
export function matrixCombinations(matrix: unknown[], limit: number): { key: string; value: string }[][] | null {
  const out: { key: string; value: string }[][] = [];
  for (const entry of matrix) {
    if (!isObj(entry)) return null;
    let combos: { key: string; value: string }[][] = [[]];
    for (const key of Object.keys(entry)) {
      const raw = entry[key];
      const values = (Array.isArray(raw) ? raw : [raw]).map((v) => scalarString(v));
      if (values.some((v) => v === null) || values.length === 0) return null;
      const next: { key: string; value: string }[][] = [];
      for (const c of combos) {
        for (const v of values) {
          next.push([...c, { key, value: v! }]);
          if (next.length > limit) return out.concat(next);
        }
      }
      combos = next;
    }
    out.push(...combos);
    if (out.length > limit) return out;
  }
  return out;
}

export function matrixJobName(name: string, combo: { value: string }[]): string {
  return `${name}: [${combo.map((c) => c.value).join(', ')}]`;
}

export function expandParallel(name: string, raw: unknown, where: string, diags: Diagnostics, at: Pos | undefined): Instance[] {
  const single: Instance[] = [{ name, matrix: [], parallel: null }];
  if (raw === undefined || raw === null) return single;
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < 1 || raw > MAX_PARALLEL) {
      diags.error(at, `${where}:parallel config must be less than or equal to ${MAX_PARALLEL} and greater than or equal to 1`);
      return single;
    }
    return Array.from({ length: raw }, (_, i) => ({ name: `${name} ${i + 1}/${raw}`, matrix: [], parallel: { index: i + 1, total: raw } }));
  }
  if (!isObj(raw) || !Array.isArray((raw as Obj).matrix)) {
    diags.error(at, `${where}:parallel should be an integer or a hash`);
    return single;
  }
  const unknown = Object.keys(raw).filter((k) => k !== 'matrix');
  reportUnknownKeys(diags, { obj: raw, unknown, valid: ['matrix'], where: `${where}:parallel`, fallback: at });
  const matrix = raw.matrix as unknown[];
  const combos = matrixCombinations(matrix, MAX_PARALLEL);
  const mpos = valPos(raw, 'matrix', at);
  if (!combos) {
    diags.error(mpos, `${where}:parallel:matrix config should be an array of hashes of strings or arrays of strings`);
    return single;
  }
  if (combos.length > MAX_PARALLEL) {
    diags.error(mpos, `${where}:parallel:matrix config generates too many jobs (maximum is ${MAX_PARALLEL})`);
    return single;
  }
  if (combos.length === 0) return single;
  return combos.map((combo, i) => ({ name: matrixJobName(name, combo), matrix: combo, parallel: { index: i + 1, total: combos.length } }));
}
