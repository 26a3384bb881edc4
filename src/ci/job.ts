// One job definition (after includes, extends and !reference) validated and normalised into a
// template; per-instance values (matrix variables, rules) are applied later by the compiler.
import type { Diagnostics } from './diagnostics.js';
import { readArtifacts, readHooks, readImage, readRetry, readServices, readTrigger, stringList, type FieldCtx } from './job-fields.js';
import { expandParallel, type Instance } from './parallel.js';
import type { JobWhen, PlanArtifacts, PlanImage, PlanRetry, PlanTrigger } from './plan.js';
import { flattenList, normalizePolicy, validateRules } from './rules.js';
import { keyPos, valPos, type Pos } from './source-map.js';
import { normalizeVariables, scalarString, type YamlVariable } from './variables.js';
import { boundedJson, has, isObj, type Obj } from './values.js';
import { parseDuration } from '../util/duration.js';
import { lostUnresolvedReference } from './references.js';
import { reportUnknownKeys } from './did-you-mean.js';
import { applyJobInputs } from './job-inputs.js';

export const JOB_KEYS = [
  'after_script', 'allow_failure', 'artifacts', 'before_script', 'cache', 'coverage', 'dast_configuration', 'dependencies',
  'environment', 'except', 'extends', 'hooks', 'id_tokens', 'identity', 'image', 'inherit', 'inputs', 'interruptible',
  'manual_confirmation', 'needs', 'only', 'pages', 'parallel', 'publish', 'release', 'resource_group', 'retry', 'rules',
  'run', 'script', 'secrets', 'services', 'stage', 'start_in', 'tags', 'timeout', 'type', 'variables', 'when',
];
/** Trigger (bridge) jobs accept only these (GitLab's Entry::Bridge + Processable, and environment). */
export const BRIDGE_KEYS = ['trigger', 'parallel', 'extends', 'stage', 'only', 'except', 'rules', 'variables', 'inherit', 'allow_failure', 'when', 'needs', 'resource_group', 'environment'];
const BRIDGE_WHEN = ['on_success', 'on_failure', 'always', 'manual'];
export const DEFAULT_KEYS = ['after_script', 'artifacts', 'before_script', 'cache', 'hooks', 'id_tokens', 'image', 'interruptible', 'retry', 'services', 'tags', 'timeout'];
const JOB_WHEN = ['on_success', 'on_failure', 'always', 'manual', 'delayed'];
export const RULE_WHEN = ['on_success', 'on_failure', 'always', 'never', 'manual', 'delayed'];
const JOB_RULE_KEYS = ['if', 'changes', 'exists', 'when', 'start_in', 'allow_failure', 'variables', 'needs', 'interruptible'];

export interface NeedSpec {
  job: string;
  artifacts: boolean;
  optional: boolean;
  matrix: unknown[] | null;
  pos: Pos | undefined;
  /** `needs:project` (another project's latest pipeline on `ref`) or `needs:pipeline` (a pipeline id, e.g. $PARENT_PIPELINE_ID). */
  cross?: { project: string | null; pipeline: string | null; ref: string | null };
}

export interface JobTemplate {
  name: string;
  pos: Pos | undefined;
  raw: Obj;
  stage: string;
  stagePos: Pos | undefined;
  when: JobWhen;
  startIn: number | null;
  allowFailure: boolean | null;
  allowFailureExitCodes: number[] | null;
  rules: Obj[] | null;
  only: Obj | null;
  except: Obj | null;
  variables: YamlVariable[];
  inheritVariables: boolean | string[];
  needs: NeedSpec[] | null;
  dependencies: string[] | null;
  retry: PlanRetry;
  timeout: number | null;
  interruptible: boolean;
  beforeScript: string[];
  script: string[];
  afterScript: string[];
  artifacts: PlanArtifacts | null;
  image: PlanImage | null;
  services: PlanImage[];
  hooks: { preGetSourcesScript: string[]; postGetSourcesScript: string[] } | null;
  coverage: string | null;
  trigger: PlanTrigger | null;
  idTokens: Record<string, unknown> | null;
  secrets: Record<string, unknown> | null;
  release: Record<string, unknown> | null;
  instances: Instance[];
}

export function scriptList(v: unknown, where: string, diags: Diagnostics, at: Pos | undefined): string[] {
  if (v === null || v === undefined) return [];
  if (typeof v === 'string') return [v];
  const bad = (): string[] => {
    diags.error(at, `${where} config should be a string or a nested array of strings up to 10 levels deep`);
    return [];
  };
  if (!Array.isArray(v)) return bad();
  const out: string[] = [];
  for (const item of flattenList(v)) {
    const s = typeof item === 'string' ? item : typeof item === 'number' ? String(item) : null;
    if (s === null) return bad();
    out.push(s);
  }
  return out;
}

export function readNeeds(v: unknown, where: string, diags: Diagnostics, at: Pos | undefined): NeedSpec[] | null {
  if (v === undefined || v === null) return null;
  const list = Array.isArray(v) ? flattenList(v) : [v];
  const out: NeedSpec[] = [];
  list.forEach((n, i) => {
    const pos = Array.isArray(v) ? valPos(v, Math.min(i, v.length - 1), at) : at;
    if (typeof n === 'string') {
      out.push({ job: n, artifacts: true, optional: false, matrix: null, pos });
      return;
    }
    if (!isObj(n)) {
      diags.error(pos, `${where} config can only be a string or a hash`);
      return;
    }
    const allowed = ['job', 'artifacts', 'optional', 'parallel', 'pipeline', 'project', 'ref'];
    const unknown = Object.keys(n).filter((k) => !allowed.includes(k));
    reportUnknownKeys(diags, { obj: n, unknown, valid: allowed, where: `${where}:need`, fallback: pos });
    if (has(n, 'pipeline') || has(n, 'project')) {
      // artifacts of a job of another pipeline: resolved when the job is picked up (engine/use-cases/dependencies.ts)
      const str = (k: string) => (typeof n[k] === 'string' || typeof n[k] === 'number' ? String(n[k]) : null);
      if (typeof n.job !== 'string') return diags.error(pos, `${where}:need job config can't be blank`);
      if (has(n, 'project') && typeof n.project !== 'string') return diags.error(valPos(n, 'project', pos), `${where}:need project should be a string`);
      if (has(n, 'project') && !has(n, 'ref')) return diags.error(pos, `${where}:need ref should be a string`);
      out.push({ job: n.job, artifacts: n.artifacts !== false, optional: false, matrix: null, pos, cross: { project: str('project'), pipeline: has(n, 'project') ? null : str('pipeline'), ref: str('ref') } });
      return;
    }
    if (typeof n.job !== 'string') {
      diags.error(pos, `${where}:need job config can't be blank`);
      return;
    }
    for (const k of ['artifacts', 'optional']) if (has(n, k) && typeof n[k] !== 'boolean') diags.error(valPos(n, k, pos), `${where}:need ${k} should be a boolean value`);
    let matrix: unknown[] | null = null;
    if (has(n, 'parallel')) {
      if (isObj(n.parallel) && Array.isArray(n.parallel.matrix)) matrix = n.parallel.matrix;
      else diags.error(valPos(n, 'parallel', pos), `${where}:need:parallel config should contain a matrix`);
    }
    out.push({ job: n.job, artifacts: n.artifacts !== false, optional: n.optional === true, matrix, pos });
  });
  return out;
}

export function buildJobTemplate(name: string, written: Obj, pos: Pos | undefined, defaults: Obj, diags: Diagnostics): JobTemplate {
  const where = `jobs:${name}`;
  // job inputs: `${{ job.inputs.X }}` replaced by their defaults (job-inputs.ts)
  const raw = applyJobInputs(written, where, diags, pos);
  const fc: FieldCtx = { diags, where };
  // GitLab picks the job type first: `script`/`run` make a job, else `trigger` a bridge.
  const isBridge = !has(raw, 'script') && !has(raw, 'run') && has(raw, 'trigger');
  const allowedKeys = isBridge ? BRIDGE_KEYS : JOB_KEYS;
  const unknown = Object.keys(raw).filter((k) => !allowedKeys.includes(k));
  reportUnknownKeys(diags, { obj: raw, unknown, valid: allowedKeys, where, fallback: pos });
  const atMemo = new Map<string, Pos | undefined>();
  const at = (k: string): Pos | undefined => {
    if (atMemo.has(k)) return atMemo.get(k);
    const p = valPos(raw, k, pos);
    atMemo.set(k, p);
    return p;
  };

  // inherit: default / variables
  let inheritDefault: boolean | string[] = true;
  let inheritVariables: boolean | string[] = true;
  if (has(raw, 'inherit')) {
    const inh = raw.inherit;
    if (!isObj(inh)) diags.error(at('inherit'), `${where}:inherit config should be a hash`);
    else {
      const bad = Object.keys(inh).filter((k) => k !== 'default' && k !== 'variables');
      reportUnknownKeys(diags, { obj: inh, unknown: bad, valid: ['default', 'variables'], where: `${where}:inherit`, fallback: at('inherit') });
      for (const k of ['default', 'variables'] as const) {
        if (!has(inh, k)) continue;
        const v = inh[k];
        const ok = typeof v === 'boolean' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
        if (!ok) diags.error(valPos(inh, k, at('inherit')), `${where}:inherit:${k} config should be a boolean value or an array of strings`);
        else if (k === 'default') inheritDefault = v as boolean | string[];
        else inheritVariables = v as boolean | string[];
      }
    }
  }
  const inherits = (k: string): boolean => (inheritDefault === true ? true : Array.isArray(inheritDefault) ? inheritDefault.includes(k) : false);
  const pickFresh = (k: string): { v: unknown; p: Pos | undefined } => {
    if (isBridge && !BRIDGE_KEYS.includes(k)) return { v: undefined, p: pos };
    if (has(raw, k)) return { v: raw[k], p: at(k) };
    if (!isBridge && DEFAULT_KEYS.includes(k) && has(defaults, k) && inherits(k)) return { v: defaults[k], p: valPos(defaults, k) };
    return { v: undefined, p: pos };
  };
  const picked = new Map<string, { v: unknown; p: Pos | undefined }>();
  const pick = (k: string): { v: unknown; p: Pos | undefined } => {
    let hit = picked.get(k);
    if (!hit) picked.set(k, (hit = pickFresh(k)));
    return hit;
  };

  const isTrigger = isBridge;
  const errorsBefore = diags.errors.length;
  const script = scriptList(raw.script ?? raw.run, `${where}:script`, diags, at('script'));
  const scriptReported = diags.errors.length > errorsBefore || lostUnresolvedReference(raw, has(raw, 'script') ? 'script' : 'run');

  // stage
  let stage = 'test';
  const stageRaw = has(raw, 'stage') ? raw.stage : raw.type;
  if (stageRaw !== undefined && stageRaw !== null) {
    if (typeof stageRaw === 'string') stage = stageRaw;
    else diags.error(at(has(raw, 'stage') ? 'stage' : 'type'), `${where}:stage config should be a string`);
  }

  // when / start_in
  let when: JobWhen = 'on_success';
  if (has(raw, 'when') && raw.when !== null) {
    const allowedWhen = isBridge ? BRIDGE_WHEN : JOB_WHEN;
    if (typeof raw.when === 'string' && allowedWhen.includes(raw.when)) when = raw.when as JobWhen;
    else diags.error(at('when'), `${where} when should be one of: ${allowedWhen.join(', ')}`);
  }
  const hasRules = has(raw, 'rules') && raw.rules !== null;
  if (hasRules) {
    const clash = ['only', 'except', 'start_in'].filter((k) => has(raw, k) && raw[k] !== null);
    if (clash.length) diags.error(keyPos(raw, clash[0], pos), `${where} config key may not be used with \`rules\`: ${clash.join(', ')}`);
  }
  let startIn: number | null = null;
  if (when === 'delayed' && !hasRules) {
    const s = scalarString(raw.start_in);
    const secs = s === null ? null : parseDuration(s);
    if (secs === null) diags.error(has(raw, 'start_in') ? at('start_in') : pos, `${where} start in should be a duration`);
    else if (secs > 604800) diags.error(at('start_in'), `${where} start in should not exceed the limit`);
    else startIn = secs;
  } else if (!hasRules && has(raw, 'start_in') && raw.start_in !== null) {
    diags.error(keyPos(raw, 'start_in', pos), `${where} start in must be blank`);
  }

  // allow_failure
  let allowFailure: boolean | null = null;
  let allowFailureExitCodes: number[] | null = null;
  if (has(raw, 'allow_failure') && raw.allow_failure !== null) {
    const af = raw.allow_failure;
    if (typeof af === 'boolean') allowFailure = af;
    else if (isObj(af) && has(af, 'exit_codes')) {
      const codes = Array.isArray(af.exit_codes) ? af.exit_codes : [af.exit_codes];
      if (!codes.every((c) => Number.isInteger(c))) diags.error(at('allow_failure'), `${where}:allow_failure exit_codes should be an array of integers or an integer`);
      allowFailureExitCodes = codes.filter((c): c is number => Number.isInteger(c));
      allowFailure = false;
    } else diags.error(at('allow_failure'), `${where}:allow_failure config should be a hash or a boolean value`);
  }

  const rules = hasRules ? validateRules(raw.rules, `${where}:rules`, JOB_RULE_KEYS, RULE_WHEN, diags, at('rules')) : null;
  if (rules) {
    for (const r of rules) {
      if (r.when === 'delayed') {
        const s = scalarString(r.start_in);
        if (s === null || parseDuration(s) === null) diags.error(valPos(r, 'when'), `${where}:rules:rule start_in should be a duration`);
      }
      if (has(r, 'variables')) normalizeVariables(r.variables, `${where}:rules:rule:variables`, diags, valPos(r, 'variables'), false);
      if (has(r, 'needs')) readNeeds(r.needs, `${where}:rules:rule:needs`, diags, valPos(r, 'needs'));
      if (has(r, 'allow_failure') && typeof r.allow_failure !== 'boolean') diags.error(valPos(r, 'allow_failure'), `${where}:rules:rule allow_failure should be a boolean value`);
    }
  }
  const only = hasRules ? null : normalizePolicy(raw.only, `${where}:only`, diags, at('only'));
  const except = hasRules ? null : normalizePolicy(raw.except, `${where}:except`, diags, at('except'));

  const variables = has(raw, 'variables') ? normalizeVariables(raw.variables, `${where}:variables`, diags, at('variables'), false) : [];
  const needs = has(raw, 'needs') ? readNeeds(raw.needs, `${where}:needs`, diags, at('needs')) ?? [] : null;
  let dependencies: string[] | null = null;
  if (has(raw, 'dependencies') && raw.dependencies !== null) {
    dependencies = stringList(raw.dependencies, `${where}:dependencies`, fc, at('dependencies'));
    if (needs && needs.length) {
      const missing = dependencies.filter((d) => !needs.some((n) => n.job === d));
      if (missing.length) diags.error(at('dependencies'), `${where} dependencies the ${missing.join(', ')} should be part of needs`);
    }
  }

  const timeoutRaw = pick('timeout');
  let timeout: number | null = null;
  if (timeoutRaw.v !== undefined && timeoutRaw.v !== null) {
    const s = scalarString(timeoutRaw.v);
    timeout = s === null ? null : parseDuration(s);
    if (timeout === null) diags.error(timeoutRaw.p, `${where}:timeout config should be a duration`);
  }
  const interruptibleRaw = pick('interruptible');
  if (interruptibleRaw.v !== undefined && interruptibleRaw.v !== null && typeof interruptibleRaw.v !== 'boolean') diags.error(interruptibleRaw.p, `${where}:interruptible config should be a boolean value`);

  const kv = (k: string): Record<string, unknown> | null => {
    const { v, p } = k === 'id_tokens' ? pick(k) : { v: raw[k], p: at(k) };
    if (v === undefined || v === null) return null;
    if (!isObj(v)) {
      diags.error(p, `${where}:${k} config should be a hash`);
      return null;
    }
    const copy = boundedJson(v);
    if (copy === null) diags.error(p, `${where}:${k} config is too large`);
    return copy as Record<string, unknown> | null;
  };
  let coverage: string | null = null;
  if (has(raw, 'coverage') && raw.coverage !== null) {
    if (typeof raw.coverage !== 'string' || !/^\/.+\/[a-zA-Z]*$/s.test(raw.coverage)) diags.error(at('coverage'), `${where}:coverage config must be a regular expression`);
    else coverage = raw.coverage;
  }

  const tpl: JobTemplate = {
    name,
    pos,
    raw,
    stage,
    stagePos: has(raw, 'stage') ? at('stage') : pos,
    when,
    startIn,
    allowFailure,
    allowFailureExitCodes,
    rules,
    only,
    except,
    variables,
    inheritVariables,
    needs,
    dependencies,
    retry: readRetry(pick('retry').v, fc, pick('retry').p),
    timeout,
    interruptible: interruptibleRaw.v === true,
    beforeScript: scriptList(pick('before_script').v, `${where}:before_script`, diags, pick('before_script').p),
    script,
    afterScript: scriptList(pick('after_script').v, `${where}:after_script`, diags, pick('after_script').p),
    artifacts: readArtifacts(pick('artifacts').v, fc, pick('artifacts').p),
    image: readImage(pick('image').v, fc, pick('image').p, 'image', `${where}:image`),
    services: readServices(pick('services').v, fc, pick('services').p),
    hooks: readHooks(pick('hooks').v, fc, pick('hooks').p),
    coverage,
    trigger: isBridge ? readTrigger(raw.trigger, fc, at('trigger')) : null,
    idTokens: kv('id_tokens'),
    secrets: kv('secrets'),
    release: kv('release'),
    instances: expandParallel(name, raw.parallel, where, diags, at('parallel')),
  };
  if (!isTrigger && script.length === 0 && !scriptReported) {
    if (!has(raw, 'script') && !has(raw, 'run')) diags.error(pos, `${where} config should implement the script:, run:, or trigger: keyword`);
    else diags.error(keyPos(raw, has(raw, 'script') ? 'script' : 'run', pos), `${where} script can't be blank`);
  }
  if (tpl.secrets) diags.warn(at('secrets'), `${where}: secrets are passed on to the runner as written; the dispatcher does not resolve them`);
  if (tpl.release) diags.warn(at('release'), `${where}: release is kept but the dispatcher does not create releases`);
  if (tpl.idTokens) diags.warn(pick('id_tokens').p, `${where}: id_tokens are kept but the dispatcher does not sign OIDC tokens`);
  return tpl;
}

/** Picks a defaulted keyword's raw value (for per-instance expansion of cache/tags). */
export function pickRaw(raw: Obj, defaults: Obj, key: string): { v: unknown; p: Pos | undefined } {
  if (has(raw, key)) return { v: raw[key], p: valPos(raw, key) };
  if (has(raw, 'trigger') && !has(raw, 'script') && !has(raw, 'run')) return { v: undefined, p: undefined }; // bridges take no defaults
  const inh = isObj(raw.inherit) ? raw.inherit.default : true;
  const inherits = inh === undefined || inh === true || (Array.isArray(inh) && inh.includes(key));
  if (DEFAULT_KEYS.includes(key) && has(defaults, key) && inherits) return { v: defaults[key], p: valPos(defaults, key) };
  return { v: undefined, p: undefined };
}
