// Source positions for values converted from YAML. Converted values are plain JS (objects, arrays,
// scalars); positions live in a side table keyed by the containing object, so values stay plain.
// Offsets are stored as numbers and turned into line/column only for a diagnostic.
import type { LineCounter } from 'yaml';
import type { SourcePosition } from './plan.js';

export interface SourceFile {
  path: string;
  lines: LineCounter;
}

/** A lazily resolved position: a file and a character offset in it. */
export interface Pos {
  file: SourceFile;
  offset: number;
}

export interface NodeLoc {
  file: SourceFile;
  /** Offset where the collection itself starts. */
  at: number;
  /** Map: key -> offset of the key / of its value. */
  keys?: Map<string, number>;
  vals?: Map<string, number>;
  /** Seq: offset of each item. */
  items?: number[];
  /** Keys whose value was written as a float with an integral value (`2.0`), printed "2.0". */
  floats?: Set<string>;
  /** For a deep-merged map: where the keys not overridden come from. */
  base?: NodeLoc;
}

const table = new WeakMap<object, NodeLoc>();

export function setLoc(value: object, loc: NodeLoc): void {
  table.set(value, loc);
}

export function locOf(value: unknown): NodeLoc | undefined {
  return value !== null && typeof value === 'object' ? table.get(value) : undefined;
}

/** The location record that defines `key` (the merged map itself or one of its bases). */
function owner(loc: NodeLoc | undefined, key: string): NodeLoc | undefined {
  for (let l = loc, depth = 0; l && depth < 64; l = l.base, depth++) if (l.keys?.has(key)) return l;
  return undefined;
}

export function at(loc: NodeLoc): Pos {
  return { file: loc.file, offset: loc.at };
}

/** Position of `key` inside map `obj` (the key itself), else of the map, else `fallback`. */
export function keyPos(obj: unknown, key: string, fallback?: Pos): Pos | undefined {
  const loc = locOf(obj);
  if (!loc) return fallback;
  const o = owner(loc, key);
  return o ? { file: o.file, offset: o.keys!.get(key)! } : at(loc);
}

/** Position of the value under `key` (or of item `key` in a sequence). */
export function valPos(obj: unknown, key: string | number, fallback?: Pos): Pos | undefined {
  const loc = locOf(obj);
  if (!loc) return fallback;
  if (typeof key === 'number') {
    const off = loc.items?.[key];
    return off === undefined ? at(loc) : { file: loc.file, offset: off };
  }
  const o = owner(loc, key);
  if (!o) return at(loc);
  return { file: o.file, offset: o.vals?.get(key) ?? o.keys!.get(key)! };
}

/** Was the value under `key` written as a float with an integral value? */
export function isFloatKey(obj: unknown, key: string): boolean {
  return owner(locOf(obj), key)?.floats?.has(key) ?? false;
}

/** Location of a map built by deep-merging `over` onto `base`. */
export function mergedLoc(base: NodeLoc | undefined, over: NodeLoc | undefined): NodeLoc | undefined {
  if (!base || !over) return over ?? base;
  return { ...over, base };
}

export function resolvePos(pos: Pos | undefined, fallbackFile: string): SourcePosition {
  if (!pos) return { file: fallbackFile, line: 1, column: 1 };
  const { line, col } = pos.file.lines.linePos(pos.offset);
  return { file: pos.file.path, line: Math.max(1, line), column: Math.max(1, col) };
}
