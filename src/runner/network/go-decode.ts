// Decoding into "Go structs": the rules of encoding/json applied to a schema. Unknown keys are
// ignored; a key matches a field exactly or, failing that, case-insensitively; null and missing
// keys give the zero value; a wrong JSON type anywhere makes the whole decode fail (Go returns
// the first UnmarshalTypeError). Integers must be integer literals within int64.
import { JsonNumber, JsonObject, type RawJson } from './raw-json.js';

export type GoType =
  | { t: 'string' }
  | { t: 'int' }
  | { t: 'float' }
  | { t: 'bool' }
  | { t: 'any' }
  | { t: 'slice'; of: GoType }
  | { t: 'map'; of: GoType }
  | { t: 'struct'; fields: Record<string, GoType> }
  /** A pointer: null stays null instead of becoming the zero value. */
  | { t: 'ptr'; to: GoType }
  /** A type with its own UnmarshalJSON that rejects null (spec.Job.run). */
  | { t: 'custom'; decode: (v: RawJson, path: string) => unknown };

export const go = {
  string: { t: 'string' } as GoType,
  int: { t: 'int' } as GoType,
  float: { t: 'float' } as GoType,
  bool: { t: 'bool' } as GoType,
  any: { t: 'any' } as GoType,
  slice: (of: GoType): GoType => ({ t: 'slice', of }),
  map: (of: GoType): GoType => ({ t: 'map', of }),
  struct: (fields: Record<string, GoType>): GoType => ({ t: 'struct', fields }),
  ptr: (to: GoType): GoType => ({ t: 'ptr', to }),
};

export class GoDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoDecodeError';
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function jsonKind(v: RawJson): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (v instanceof JsonNumber) return `number ${v.raw}`;
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function typeError(v: RawJson, want: string, path: string): never {
  throw new GoDecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${path || '.'} of type ${want}`);
}

interface StructInfo {
  exact: Map<string, string>;
  lower: Map<string, string>;
  /** Fields that start at their zero value (not ptr/custom/any). */
  zeroed: [string, GoType][];
}

const structInfos = new WeakMap<GoType, StructInfo>();

function structInfo(type: GoType & { t: 'struct' }): StructInfo {
  let info = structInfos.get(type);
  if (!info) {
    const names = Object.keys(type.fields);
    const lower = new Map<string, string>();
    // the first field whose lower-cased name matches, as names.find would give it
    for (const n of names) if (!lower.has(n.toLowerCase())) lower.set(n.toLowerCase(), n);
    info = {
      exact: new Map(names.map((n) => [n, n])),
      lower,
      zeroed: Object.entries(type.fields).filter(([, f]) => f.t !== 'ptr' && f.t !== 'custom' && f.t !== 'any'),
    };
    structInfos.set(type, info);
  }
  return info;
}

export function zeroOf(type: GoType): unknown {
  switch (type.t) {
    case 'string':
      return '';
    case 'int':
    case 'float':
      return 0;
    case 'bool':
      return false;
    case 'slice':
      return [];
    case 'map':
      return {};
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const [k, f] of structInfo(type).zeroed) out[k] = zeroOf(f);
      return out;
    }
    default:
      return undefined;
  }
}

const SAFE_INT = /^-?\d{1,15}$/;
const INT = /^-?\d+$/;

/** The path of a value: `parent.field`, `parent[index]`, or parent itself. */
function pathOf(parent: string, field?: string | number): string {
  if (field === undefined) return parent;
  if (typeof field === 'number') return `${parent}[${field}]`;
  return parent ? `${parent}.${field}` : field;
}

/**
 * Decodes `v` as `type`. `field` names the value inside `path` (a struct field or a slice
 * index); the full path is only spelt out for an error or a nested value.
 */
export function goDecode(v: RawJson, type: GoType, path = '', field?: string | number): unknown {
  if (type.t === 'custom') return type.decode(v, pathOf(path, field));
  if (v === null) return type.t === 'ptr' ? null : zeroOf(type);
  switch (type.t) {
    case 'ptr':
      return goDecode(v, type.to, path, field);
    case 'any':
      return toPlain(v);
    case 'string':
      if (typeof v !== 'string') typeError(v, 'string', pathOf(path, field));
      return v;
    case 'bool':
      if (typeof v !== 'boolean') typeError(v, 'bool', pathOf(path, field));
      return v;
    case 'int': {
      if (v instanceof JsonNumber && SAFE_INT.test(v.raw)) return Number(v.raw);
      if (!(v instanceof JsonNumber) || !INT.test(v.raw)) typeError(v, 'int64', pathOf(path, field));
      const n = BigInt((v as JsonNumber).raw);
      if (n < INT64_MIN || n > INT64_MAX) typeError(v, 'int64', pathOf(path, field));
      return Number(n);
    }
    case 'float': {
      if (!(v instanceof JsonNumber)) typeError(v, 'float64', pathOf(path, field));
      const f = Number((v as JsonNumber).raw);
      if (!Number.isFinite(f)) typeError(v, 'float64', pathOf(path, field));
      return f;
    }
    case 'slice': {
      const here = pathOf(path, field);
      if (!Array.isArray(v)) typeError(v, '[]' + type.of.t, here);
      return (v as RawJson[]).map((item, idx) => goDecode(item, type.of, here, idx));
    }
    case 'map': {
      const here = pathOf(path, field);
      if (!(v instanceof JsonObject)) typeError(v, 'map', here);
      const out: Record<string, unknown> = {};
      for (const [k, item] of (v as JsonObject).entries) out[k] = goDecode(item, type.of, here, k);
      return out;
    }
    case 'struct': {
      const here = pathOf(path, field);
      if (!(v instanceof JsonObject)) typeError(v, 'struct', here);
      const info = structInfo(type);
      const out = zeroOf(type) as Record<string, unknown>;
      for (const [key, item] of (v as JsonObject).entries) {
        const name = info.exact.get(key) ?? info.lower.get(key.toLowerCase());
        if (!name) continue;
        const decoded = goDecode(item, type.fields[name], here, name);
        if (decoded === undefined) delete out[name];
        else out[name] = decoded;
      }
      return out;
    }
  }
}

/** Plain JS value of raw JSON (numbers as JS numbers). */
export function toPlain(v: RawJson): unknown {
  if (v instanceof JsonNumber) return Number(v.raw);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof JsonObject) return Object.fromEntries(v.entries.map(([k, x]) => [k, toPlain(x)]));
  return v;
}
