// The UI API's validator compiler (Fastify `setValidatorCompiler`): each route's TypeBox schemas
// (schemas/inputs.ts) compiled by TypeBox. Route parameters and query strings are strings on the
// wire: a property declared integer is converted when it is written as one ("12" → 12; "1.5",
// "1e3", " 7" stay strings and fail), `true`/`false` for booleans; JSON bodies are checked as
// sent (no conversion), and a missing body counts as `{}`. A failure is an AppError 400 worded
// here from the schema ("limit must be an integer from 1 to 2147483647"): never the checker's
// own text, never a 500.
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { FastifySchemaCompiler } from 'fastify';
import { badRequest } from '../util/errors.js';

type Part = string | undefined;

export const apiValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const isBody = httpPart === 'body';
  return (data: unknown) => {
    const value = isBody ? (data ?? {}) : convertStrings(schema, data);
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    return { error: badRequest(first ? describeError(first, httpPart) : `the ${partName(httpPart)} is invalid`) };
  };
};

const INTEGER = /^-?\d{1,16}$/;

/** What one query/param string becomes for a property schema (integers and booleans only). */
function convertOne(schema: TSchema, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const variants = (Array.isArray(schema.anyOf) ? schema.anyOf : [schema]) as TSchema[];
  if (variants.some((v) => v.type === 'integer' || v.type === 'number') && INTEGER.test(value)) return Number(value);
  if (variants.some((v) => v.type === 'boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** Params and query strings are flat objects of strings: convert each declared property. */
function convertStrings(schema: TSchema, data: unknown): unknown {
  const properties = schema.properties as Record<string, TSchema> | undefined;
  if (!properties || !data || typeof data !== 'object' || Array.isArray(data)) return data ?? {};
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const [key, property] of Object.entries(properties)) if (key in out) out[key] = convertOne(property, out[key]);
  return out;
}

function partName(part: Part): string {
  if (part === undefined) return 'request';
  if (part === 'querystring') return 'query string';
  if (part === 'params') return 'path';
  return part;
}

/** `/variables/0/key` → `variables[0].key`. */
function fieldOf(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
}

export function describeError(error: ValueError, part: Part): string {
  // A union whose value has the type of one variant: the reason inside that variant.
  if (error.type === ValueErrorType.Union) {
    const inner = error.errors.map((e) => e.First()).find((e) => e !== undefined && e.path.length > error.path.length);
    if (inner) return describeError(inner, part);
  }
  const field = fieldOf(error.path);
  const subject = field || `the ${partName(part)}`;
  if (error.type === ValueErrorType.ObjectRequiredProperty || (field && error.value === undefined)) return `${subject} is required`;
  return `${subject} must be ${expected(error.schema)}`;
}

/** What a schema accepts, in words. */
export function expected(schema: TSchema): string {
  const s = schema as Record<string, unknown> & { anyOf?: TSchema[]; type?: string };
  if (Array.isArray(s.anyOf)) {
    const literals = s.anyOf.filter((x) => 'const' in x).map((x) => JSON.stringify((x as unknown as { const: unknown }).const));
    if (literals.length === s.anyOf.length) return `one of ${literals.join(', ')}`;
    return s.anyOf.map(expected).join(' or ');
  }
  if ('const' in s) return JSON.stringify(s.const);
  switch (s.type) {
    case 'integer':
    case 'number': {
      const kind = s.type === 'integer' ? 'an integer' : 'a number';
      if (typeof s.minimum === 'number' && typeof s.maximum === 'number') return `${kind} from ${s.minimum} to ${s.maximum}`;
      if (typeof s.minimum === 'number') return `${kind} of at least ${s.minimum}`;
      return kind;
    }
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'string': {
      const limits: string[] = [];
      if (typeof s.minLength === 'number' && s.minLength > 0) limits.push('not empty');
      if (typeof s.maxLength === 'number') limits.push(`at most ${s.maxLength} characters`);
      if (typeof s.pattern === 'string') limits.push(s.pattern === '\\S' ? 'not blank' : `matching /${s.pattern}/`);
      return limits.length ? `a string (${limits.join(', ')})` : 'a string';
    }
    case 'array':
      return typeof s.maxItems === 'number' ? `a list of at most ${s.maxItems} items` : 'a list';
    case 'object':
      return 'a JSON object';
    default:
      return 'valid';
  }
}
