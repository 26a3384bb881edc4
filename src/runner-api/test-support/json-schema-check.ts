// A small JSON Schema checker for the subset schema/job-payload.schema.json uses: type (incl.
// "integer" and type lists), const, enum, properties, required, additionalProperties (boolean),
// items, minItems, minLength, minimum, maximum, pattern, oneOf, and local $ref ("#/$defs/x").
// Returns every violation with its JSON path; an empty list means valid.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Schema = Record<string, unknown>;

export const jobPayloadSchemaPath = fileURLToPath(new URL('../../../schema/job-payload.schema.json', import.meta.url));

export function loadJobPayloadSchema(): Schema {
  return JSON.parse(readFileSync(jobPayloadSchemaPath, 'utf8')) as Schema;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

export function checkSchema(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const resolve = (schema: Schema): Schema => {
    const ref = schema.$ref as string | undefined;
    if (!ref) return schema;
    const parts = ref.replace(/^#\//, '').split('/');
    let target: unknown = root;
    for (const p of parts) target = (target as Record<string, unknown>)[p];
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    return resolve(target as Schema);
  };
  const visit = (raw: Schema, v: unknown, at: string): void => {
    const s = resolve(raw);
    if (s.oneOf) {
      const matching = (s.oneOf as Schema[]).filter((alt) => {
        const before = errors.length;
        visit(alt, v, at);
        const ok = errors.length === before;
        errors.length = before;
        return ok;
      });
      if (matching.length !== 1) errors.push(`${at}: matches ${matching.length} of oneOf`);
      return;
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => typeMatches(v, t))) {
        errors.push(`${at}: expected ${types.join('|')}, got ${typeOf(v)} ${JSON.stringify(v)?.slice(0, 60)}`);
        return;
      }
    }
    if ('const' in s && v !== s.const) errors.push(`${at}: expected ${JSON.stringify(s.const)}`);
    if (s.enum && !(s.enum as unknown[]).includes(v)) errors.push(`${at}: ${JSON.stringify(v)} not in ${JSON.stringify(s.enum)}`);
    if (typeof v === 'string') {
      if (typeof s.minLength === 'number' && v.length < s.minLength) errors.push(`${at}: shorter than ${s.minLength}`);
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) errors.push(`${at}: does not match ${s.pattern}`);
    }
    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) errors.push(`${at}: below ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) errors.push(`${at}: above ${s.maximum}`);
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === 'number' && v.length < s.minItems) errors.push(`${at}: fewer than ${s.minItems} items`);
      if (s.items) v.forEach((item, i) => visit(s.items as Schema, item, `${at}[${i}]`));
    }
    if (typeOf(v) === 'object') {
      const obj = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const key of (s.required ?? []) as string[]) if (!(key in obj)) errors.push(`${at}: missing ${key}`);
      for (const [key, child] of Object.entries(obj)) {
        if (props[key]) visit(props[key], child, `${at}.${key}`);
        else if (s.additionalProperties === false) errors.push(`${at}: unexpected key ${key}`);
      }
    }
  };
  visit(root, value, '$');
  return errors;
}

let cached: Schema | null = null;

/** Violations of the job payload schema ([] = valid). */
export function checkJobPayload(payload: unknown): string[] {
  cached ??= loadJobPayloadSchema();
  return checkSchema(cached, payload);
}
