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
      for (const [k, f] of Object.entries(type.fields)) if (f.t !== 'ptr' && f.t !== 'custom' && f.t !== 'any') out[k] = zeroOf(f);
      return out;
    }
    default:
      return undefined;
  }
}

export function goDecode(v: RawJson, type: GoType, path = ''): unknown {
  if (type.t === 'custom') return type.decode(v, path);
  if (v === null) return type.t === 'ptr' ? null : zeroOf(type);
  switch (type.t) {
    case 'ptr':
      return goDecode(v, type.to, path);
    case 'any':
      return toPlain(v);
    case 'string':
      if (typeof v !== 'string') typeError(v, 'string', path);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') typeError(v, 'bool', path);
      return v;
    case 'int': {
      if (!(v instanceof JsonNumber) || !/^-?\d+$/.test(v.raw)) typeError(v, 'int64', path);
      const n = BigInt((v as JsonNumber).raw);
      if (n < INT64_MIN || n > INT64_MAX) typeError(v, 'int64', path);
      return Number(n);
    }
    case 'float': {
      if (!(v instanceof JsonNumber)) typeError(v, 'float64', path);
      const f = Number((v as JsonNumber).raw);
      if (!Number.isFinite(f)) typeError(v, 'float64', path);
      return f;
    }
    case 'slice':
      if (!Array.isArray(v)) typeError(v, '[]' + type.of.t, path);
      return (v as RawJson[]).map((item, idx) => goDecode(item, type.of, `${path}[${idx}]`));
    case 'map': {
      if (!(v instanceof JsonObject)) typeError(v, 'map', path);
      const out: Record<string, unknown> = {};
      for (const [k, item] of (v as JsonObject).entries) out[k] = goDecode(item, type.of, `${path}.${k}`);
      return out;
    }
    case 'struct': {
      if (!(v instanceof JsonObject)) typeError(v, 'struct', path);
      const out = zeroOf(type) as Record<string, unknown>;
      const names = Object.keys(type.fields);
      for (const [key, item] of (v as JsonObject).entries) {
        const name = names.find((n) => n === key) ?? names.find((n) => n.toLowerCase() === key.toLowerCase());
        if (!name) continue;
        const decoded = goDecode(item, type.fields[name], path ? `${path}.${name}` : name);
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
