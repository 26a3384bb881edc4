// `include:` — local files (globs too), same-project `file`, and the kinds we cannot read offline
// (remote/template/project/component) through an injected resolver. Included files are deep-
// merged in order and the including file's own content is merged last (it wins), as GitLab does.
import type { Diagnostics } from './diagnostics.js';
import { globMatcher, isGlob } from './glob.js';
import { interpolate, resolveInputs, splitHeader } from './inputs.js';
import type { CompileOptions, ProjectFiles } from './plan.js';
import { firstMatchingRule, validateRules, type Lookup, type RuleEnv } from './rules.js';
import { keyPos, valPos, type Pos } from './source-map.js';
import { expandVariables } from './variables.js';
import { boundedJson, Budget, copyObj, deepMerge, has, isObj, type Obj } from './values.js';
import { loadYaml } from './yaml-load.js';
import { isBlank, readSource } from './read-source.js';
import { reportUnknownKeys } from './did-you-mean.js';

/** GitLab's `ci_max_includes` default; it also bounds the nesting (each level is one more include). */
export const MAX_INCLUDES = 150;
const LOCATION_KEYS = ['local', 'file', 'remote', 'template', 'component', 'project'];
const INCLUDE_KEYS = [...LOCATION_KEYS, 'ref', 'rules', 'inputs', 'with', 'cache', 'integrity'];
const INCLUDE_RULE_KEYS = ['if', 'exists', 'changes', 'when'];

export interface IncludeState {
  files: ProjectFiles;
  diags: Diagnostics;
  budget: Budget;
  external: CompileOptions['externalInclude'];
  lookup: Lookup;
  ruleEnv: RuleEnv;
  projectPath: string;
  count: number;
  seen: Set<string>;
  maxIncludes: number;
}

/** The project (and ref, null = its default branch) a file came from; `local:` inside it reads there. */
interface Origin {
  project: string;
  ref: string | null;
}

interface Source {
  kind: 'local' | 'remote' | 'template' | 'project' | 'component';
  location: string;
  text: string | Uint8Array;
  inputs: unknown;
  pos: Pos | undefined;
  origin?: Origin;
}

/**
 * Expands `include:` of `content` (recursively) and returns the merged configuration. `origin` is set
 * for a file brought in by `include: project`: its own `local:` includes read that project at that ref.
 */
export function expandIncludes(content: Obj, state: IncludeState, depth: number, origin?: Origin): Obj {
  if (!has(content, 'include')) return content;
  const own = copyObj(content);
  const raw = own.include;
  const at = keyPos(content, 'include');
  delete own.include;
  let merged: unknown = {};
  const entries = raw === null ? [] : Array.isArray(raw) ? raw : [raw];
  entries.forEach((entry, i) => {
    const pos = Array.isArray(raw) ? valPos(raw, i, at) : valPos(content, 'include', at);
    for (const source of resolveEntry(entry, state, pos, origin)) {
      if (++state.count > state.maxIncludes) {
        if (state.count === state.maxIncludes + 1) state.diags.error(source.pos ?? pos, `Maximum of ${state.maxIncludes} nested includes are allowed!`);
        return;
      }
      const key = `${source.kind}:${source.location}:${JSON.stringify(boundedJson(source.inputs ?? null))}`;
      if (state.seen.has(key)) continue;
      state.seen.add(key);
      const loaded = loadFile(source, state, depth);
      if (loaded) merged = deepMerge(merged, loaded, state.budget);
    }
  });
  return deepMerge(merged, own, state.budget) as Obj;
}

function loadFile(source: Source, state: IncludeState, depth: number): Obj | null {
  const { diags } = state;
  const loaded = loadYaml(source.location, source.text, diags, state.budget);
  if (!loaded.ok) return null;
  const { spec, content } = splitHeader(loaded.docs);
  let body: unknown = content;
  const where = `${source.location}`;
  if (spec) {
    const values = resolveInputs(spec, source.inputs, where, diags, source.pos);
    if (!values) return null;
    body = interpolate(content, values, where, diags, { file: loaded.file, offset: 0 }, state.budget);
  } else if (source.inputs !== undefined && source.inputs !== null) {
    diags.error(source.pos, `${where}: Given inputs not defined in the \`spec\` section of the included configuration file`);
  }
  if (body === null) {
    diags.error(source.pos, `Included file \`${source.location}\` is empty or does not exist!`);
    return null;
  }
  if (!isObj(body)) {
    diags.error({ file: loaded.file, offset: 0 }, `Included file \`${source.location}\` does not have valid YAML syntax!`);
    return null;
  }
  return expandIncludes(body, state, depth + 1, source.origin);
}

function resolveEntry(entry: unknown, state: IncludeState, pos: Pos | undefined, origin: Origin | undefined): Source[] {
  const { diags } = state;
  if (typeof entry === 'string') {
    const loc = expandVariables(entry, state.lookup, true);
    return /^https?:\/\//.test(loc) ? external('remote', loc, undefined, state, pos) : local(loc, undefined, state, pos, origin);
  }
  if (!isObj(entry)) {
    diags.error(pos, 'include config should be a hash or a string');
    return [];
  }
  const unknown = Object.keys(entry).filter((k) => !INCLUDE_KEYS.includes(k));
  if (unknown.length) {
    reportUnknownKeys(diags, { obj: entry, unknown, valid: INCLUDE_KEYS, where: 'include', fallback: pos });
    return [];
  }
  if (has(entry, 'rules')) {
    const rules = validateRules(entry.rules, 'include:rules', INCLUDE_RULE_KEYS, ['never', 'always'], diags, valPos(entry, 'rules', pos));
    if (!rules) return [];
    const matched = firstMatchingRule(rules, state.lookup, state.ruleEnv);
    if (!matched || matched.when === 'never') return [];
  }
  const inputs = has(entry, 'inputs') ? entry.inputs : entry.with;
  const str = (k: string): string | null => (typeof entry[k] === 'string' ? expandVariables(entry[k] as string, state.lookup, true) : null);
  if (has(entry, 'local')) {
    const l = str('local');
    if (l === null) return (diags.error(valPos(entry, 'local', pos), 'include:local config should be a string'), []);
    return local(l, inputs, state, pos, origin);
  }
  if (has(entry, 'remote')) {
    const r = str('remote');
    if (r === null) return (diags.error(valPos(entry, 'remote', pos), 'include:remote config should be a string'), []);
    return external('remote', r, inputs, state, pos);
  }
  if (has(entry, 'template')) return external('template', str('template') ?? '', inputs, state, pos);
  if (has(entry, 'component')) return external('component', str('component') ?? '', inputs, state, pos);
  if (has(entry, 'file')) {
    const files = (Array.isArray(entry.file) ? entry.file : [entry.file]).filter((f): f is string => typeof f === 'string').map((f) => expandVariables(f, state.lookup, true));
    const project = str('project');
    if (project === null || project === state.projectPath) return files.flatMap((f) => local(f, inputs, state, pos, project === null ? origin : undefined));
    return files.flatMap((f) => fromProject({ project, ref: str('ref') }, f, inputs, state, pos));
  }
  diags.error(pos, `include config must specify one of: ${LOCATION_KEYS.join(', ')}`);
  return [];
}

function local(path: string, inputs: unknown, state: IncludeState, pos: Pos | undefined, origin: Origin | undefined): Source[] {
  const clean = path.replace(/^\.?\/+/, '');
  if (!/\.ya?ml$/.test(clean)) {
    state.diags.error(pos, `Included file \`${path}\` does not have YAML extension!`);
    return [];
  }
  if (origin) {
    if (!isGlob(clean)) return fromProject(origin, clean, inputs, state, pos);
    state.diags.error(pos, `Local file \`${path}\`: wildcard paths are not supported in a file included from project \`${origin.project}\``);
    return [];
  }
  const paths = isGlob(clean) ? state.files.list().filter(globMatcher(clean)).sort() : [clean];
  if (isGlob(clean) && paths.length === 0) {
    state.diags.error(pos, `Local file \`${path}\` does not exist!`);
    return [];
  }
  const out: Source[] = [];
  for (const p of paths) {
    const text = readSource(state.files, p);
    if (text === undefined) state.diags.error(pos, `Local file \`${p}\` does not exist!`);
    else if (isBlank(text)) state.diags.error(pos, `Local file \`${p}\` is empty!`);
    else out.push({ kind: 'local', location: p, text, inputs, pos });
  }
  return out;
}

/** A file of another project (at `origin.ref`), read through the resolver; it carries its origin. */
function fromProject(origin: Origin, file: string, inputs: unknown, state: IncludeState, pos: Pos | undefined): Source[] {
  const location = `${origin.project}/${file.replace(/^\/+/, '')}${origin.ref ? `@${origin.ref}` : ''}`;
  return external('project', location, inputs, state, pos).map((s) => ({ ...s, origin }));
}

function external(kind: Source['kind'], location: string, inputs: unknown, state: IncludeState, pos: Pos | undefined): Source[] {
  const text = state.external?.(kind as 'remote', location);
  if (text === undefined) {
    state.diags.incomplete = true;
    const why = kind === 'remote' ? 'remote includes are disabled, or the file could not be fetched' : `no local directory is configured for ${kind} includes, or it has no such file`;
    state.diags.error(pos, `include:${kind} \`${location}\` is not available offline (${why})`);
    return [];
  }
  return [{ kind, location, text, inputs, pos }];
}
