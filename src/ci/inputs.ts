// `spec: inputs` headers and `$[[ inputs.name ]]` interpolation (GitLab CI/CD inputs).
import type { Diagnostics } from './diagnostics.js';
import { compilePattern, splitPattern } from './expression/index.js';
import { keyPos, locOf, setLoc, valPos, type Pos } from './source-map.js';
import { boundedJson, Budget, has, isObj, RefTag, setKey, type Obj } from './values.js';

const TYPES = ['string', 'number', 'boolean', 'array'];
const BLOCK = /\$\[\[\s*inputs\.([\w-]+)((?:\s*\|\s*[\w]+(?:\([^)]*\))?)*)\s*\]\]/g;
const WHOLE = /^\$\[\[\s*inputs\.([\w-]+)((?:\s*\|\s*[\w]+(?:\([^)]*\))?)*)\s*\]\]$/;

/** Splits a loaded file into its `spec:` header (if any) and its content document. */
export function splitHeader(docs: unknown[]): { spec: Obj | null; content: unknown } {
  if (docs.length >= 2 && isObj(docs[0]) && has(docs[0], 'spec')) {
    return { spec: isObj(docs[0].spec) ? docs[0].spec : {}, content: docs[1] };
  }
  return { spec: null, content: docs[0] ?? null };
}

/**
 * Resolves input values from `spec:inputs` and the given `inputs:`; reports missing, unknown and
 * ill-typed inputs. Returns null when the values are unusable.
 */
export function resolveInputs(spec: Obj, given: unknown, where: string, diags: Diagnostics, at: Pos | undefined): Map<string, unknown> | null {
  const declared = isObj(spec.inputs) ? spec.inputs : {};
  const provided = isObj(given) ? given : {};
  const values = new Map<string, unknown>();
  let ok = true;
  for (const name of Object.keys(provided)) {
    if (!has(declared, name)) {
      diags.error(keyPos(provided, name, at), `${where}: unknown input arguments: ${name}`);
      ok = false;
    }
  }
  for (const name of Object.keys(declared)) {
    const def = isObj(declared[name]) ? declared[name] : {};
    const type = typeof def.type === 'string' ? def.type : 'string';
    if (!TYPES.includes(type)) {
      diags.error(keyPos(declared, name, at), `${where}: \`${name}\` input: unknown input type \`${type}\``);
      ok = false;
      continue;
    }
    let value: unknown;
    if (has(provided, name)) value = provided[name];
    else if (has(def, 'default')) value = def.default;
    else {
      diags.error(at, `${where}: \`${name}\` input: required value has not been provided`);
      ok = false;
      continue;
    }
    const typeOk =
      (type === 'string' && typeof value === 'string') ||
      (type === 'number' && typeof value === 'number') ||
      (type === 'boolean' && typeof value === 'boolean') ||
      (type === 'array' && Array.isArray(value));
    if (!typeOk) {
      diags.error(has(provided, name) ? valPos(provided, name, at) : at, `${where}: \`${name}\` input: provided value is not a ${type}`);
      ok = false;
      continue;
    }
    if (Array.isArray(def.options) && !def.options.some((o) => o === value)) {
      diags.error(has(provided, name) ? valPos(provided, name, at) : at, `${where}: \`${name}\` input: \`${String(value)}\` cannot be used because it is not in the list of allowed options`);
      ok = false;
    }
    if (typeof def.regex === 'string' && typeof value === 'string') {
      const p = splitPattern(def.regex) ?? { source: def.regex, flags: '' };
      const re = compilePattern(p.source, p.flags);
      if (re && !re.test(value)) {
        diags.error(at, `${where}: \`${name}\` input: provided value does not match required RegEx pattern`);
        ok = false;
      }
    }
    values.set(name, value);
  }
  return ok ? values : null;
}

function applyFunctions(value: string, fns: string): string {
  let out = value;
  for (const m of fns.matchAll(/\|\s*(\w+)(?:\(([^)]*)\))?/g)) {
    const args = (m[2] ?? '').split(',').map((a) => Number(a.trim()));
    if (m[1] === 'truncate' && args.length === 2) out = out.slice(args[0], args[0] + args[1]);
    else if (m[1] === 'posix_escape') out = out.replace(/([^\w@%+=:,./-])/g, '\\$1');
  }
  return out;
}

function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(boundedJson(v, 1000));
}

/** Replaces `$[[ inputs.x ]]` everywhere in `value` (keys too). Unknown names are errors. */
export function interpolate(value: unknown, inputs: Map<string, unknown>, where: string, diags: Diagnostics, at: Pos | undefined, budget: Budget): unknown {
  if (!budget.spend(1)) return value;
  if (typeof value === 'string') {
    if (!value.includes('$[[')) return value;
    const whole = WHOLE.exec(value);
    if (whole && !whole[2]) {
      if (inputs.has(whole[1])) return inputs.get(whole[1]);
      diags.error(at, `${where}: unknown interpolation key: \`${whole[1]}\``);
      return value;
    }
    return value.replace(BLOCK, (text, name: string, fns: string) => {
      if (!inputs.has(name)) {
        diags.error(at, `${where}: unknown interpolation key: \`${name}\``);
        return text;
      }
      return applyFunctions(asText(inputs.get(name)), fns ?? '');
    });
  }
  if (value instanceof RefTag) {
    return new RefTag(value.path.map((p) => interpolate(p, inputs, where, diags, value.pos, budget) as string), value.pos);
  }
  if (Array.isArray(value)) {
    const loc = locOf(value);
    const out = value.map((item, i) => interpolate(item, inputs, where, diags, valPos(value, i, at), budget));
    if (loc) setLoc(out, loc);
    return out;
  }
  if (isObj(value)) {
    const loc = locOf(value);
    const out: Obj = {};
    for (const k of Object.keys(value)) {
      const pos = valPos(value, k, at);
      const newKey = k.includes('$[[') ? asText(interpolate(k, inputs, where, diags, pos, budget)) : k;
      setKey(out, newKey, interpolate(value[k], inputs, where, diags, pos, budget));
      if (loc?.keys?.has(k) && newKey !== k) {
        loc.keys.set(newKey, loc.keys.get(k)!);
        if (loc.vals?.has(k)) loc.vals.set(newKey, loc.vals.get(k)!);
      }
    }
    if (loc) setLoc(out, loc);
    return out;
  }
  return value;
}
