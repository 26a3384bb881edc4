// Source positions for values converted from YAML. Converted values are plain JS (objects, arrays,
// scalars); positions live in a side table keyed by the containing object, so values stay plain.
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
  /** Where the collection itself starts. */
  at: Pos;
  /** Map: key -> position of the key. Seq: index -> position of the item. */
  keys?: Map<string, Pos>;
  vals?: Map<string, Pos>;
  items?: Pos[];
  /** Keys whose value was written as a float with an integral value (`2.0`), printed "2.0". */
  floats?: Set<string>;
}

const table = new WeakMap<object, NodeLoc>();

export function setLoc(value: object, loc: NodeLoc): void {
  table.set(value, loc);
}

export function locOf(value: unknown): NodeLoc | undefined {
  return value !== null && typeof value === 'object' ? table.get(value) : undefined;
}

/** Position of `key` inside map `obj` (the key itself), else of the map, else `fallback`. */
export function keyPos(obj: unknown, key: string, fallback?: Pos): Pos | undefined {
  const loc = locOf(obj);
  return loc?.keys?.get(key) ?? loc?.at ?? fallback;
}

/** Position of the value under `key` (or of item `key` in a sequence). */
export function valPos(obj: unknown, key: string | number, fallback?: Pos): Pos | undefined {
  const loc = locOf(obj);
  if (!loc) return fallback;
  if (typeof key === 'number') return loc.items?.[key] ?? loc.at ?? fallback;
  return loc.vals?.get(key) ?? loc.keys?.get(key) ?? loc.at ?? fallback;
}

export function resolvePos(pos: Pos | undefined, fallbackFile: string): SourcePosition {
  if (!pos) return { file: fallbackFile, line: 1, column: 1 };
  const { line, col } = pos.file.lines.linePos(pos.offset);
  return { file: pos.file.path, line, column: col };
}
