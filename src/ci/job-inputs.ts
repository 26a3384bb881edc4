// Job inputs (GitLab 18: `inputs:` in a job): typed parameters, each with a required default,
// validated like `spec:inputs` (type string/number/boolean/array, options, regex), referenced
// as `${{ job.inputs.NAME }}` in the keywords the runner interpolates (script, before_script,
// after_script, artifacts, cache, image, services). GitLab lets a user override the values when
// running or retrying the job; here they are always the defaults, so they are interpolated at
// compile time and every runner sees the final text.
import type { Diagnostics } from './diagnostics.js';
import { reportUnknownKeys } from './did-you-mean.js';
import { resolveInputs } from './inputs.js';
import { keyPos, locOf, setLoc, valPos, type Pos } from './source-map.js';
import { boundedJson, has, isObj, setKey, type Obj } from './values.js';

const INPUT_KEYS = ['default', 'type', 'description', 'options', 'regex'];
const INTERPOLATED = ['script', 'before_script', 'after_script', 'artifacts', 'cache', 'image', 'services'];
const REF = /\$\{\{\s*job\.inputs\.([\w-]+)\s*\}\}/g;

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(boundedJson(v, 1000)));

/** Reads and checks `inputs:`; null when the job has none or they are invalid (reported). */
function readJobInputs(raw: Obj, where: string, diags: Diagnostics, pos: Pos | undefined): Map<string, unknown> | null {
  const at = valPos(raw, 'inputs', pos);
  const declared = raw.inputs;
  if (!isObj(declared)) {
    diags.error(at, `${where}:inputs config should be a hash`);
    return null;
  }
  let ok = true;
  for (const name of Object.keys(declared)) {
    const def = declared[name];
    const defAt = valPos(declared, name, at);
    if (!isObj(def)) {
      diags.error(defAt, `${where}:inputs:${name} config should be a hash`);
      ok = false;
      continue;
    }
    const unknown = Object.keys(def).filter((k) => !INPUT_KEYS.includes(k));
    if (unknown.length) {
      reportUnknownKeys(diags, { obj: def, unknown, valid: INPUT_KEYS, where: `${where}:inputs:${name}`, fallback: defAt });
      ok = false;
    }
    if (!has(def, 'default')) {
      diags.error(keyPos(declared, name, at), `${where}:inputs:${name} config must have a default value (job inputs require one)`);
      ok = false;
    }
  }
  if (!ok) return null;
  return resolveInputs({ inputs: declared }, {}, `${where}:inputs`, diags, at);
}

function replaceIn(value: unknown, inputs: Map<string, unknown>, onUnknown: (name: string, at: Pos | undefined) => void, at: Pos | undefined): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${{')) return value;
    return value.replace(REF, (text, name: string) => {
      if (!inputs.has(name)) {
        onUnknown(name, at);
        return text;
      }
      return asText(inputs.get(name));
    });
  }
  if (Array.isArray(value)) {
    const out = value.map((item, i) => replaceIn(item, inputs, onUnknown, valPos(value, i, at)));
    const loc = locOf(value);
    if (loc) setLoc(out, loc);
    return out;
  }
  if (isObj(value)) {
    const out: Obj = {};
    for (const k of Object.keys(value)) setKey(out, k, replaceIn(value[k], inputs, onUnknown, valPos(value, k, at)));
    const loc = locOf(value);
    if (loc) setLoc(out, loc);
    return out;
  }
  return value;
}

function mentionsInputs(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.includes('${{');
  if (depth > 20) return false;
  if (Array.isArray(value)) return value.some((v) => mentionsInputs(v, depth + 1));
  if (isObj(value)) return Object.keys(value).some((k) => mentionsInputs(value[k], depth + 1));
  return false;
}

/** The job with its `${{ job.inputs.X }}` references replaced by the inputs' defaults. */
export function applyJobInputs(raw: Obj, where: string, diags: Diagnostics, pos: Pos | undefined): Obj {
  const hasRefs = INTERPOLATED.some((k) => has(raw, k) && mentionsInputs(raw[k], 0));
  if (!has(raw, 'inputs') && !hasRefs) return raw;
  const inputs = has(raw, 'inputs') ? readJobInputs(raw, where, diags, pos) : new Map<string, unknown>();
  if (!inputs) return raw; // invalid inputs: reported, references left as written
  const out: Obj = {};
  for (const k of Object.keys(raw)) {
    const v = raw[k];
    setKey(out, k, INTERPOLATED.includes(k) ? replaceIn(v, inputs, (name, at) => diags.error(at, `${where}: unknown job input: \`${name}\``), valPos(raw, k, pos)) : v);
  }
  const loc = locOf(raw);
  if (loc) setLoc(out, loc);
  return out;
}
