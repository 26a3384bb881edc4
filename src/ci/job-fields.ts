// Readers for the structured job keywords (artifacts, cache, image/services, retry, environment,
// trigger, hooks). Each validates with GitLab's wording and returns the plan shape.
import type { Diagnostics } from './diagnostics.js';
import type { PlanArtifacts, PlanCache, PlanEnvironment, PlanImage, PlanRetry, PlanTrigger } from './plan.js';
import { flattenList } from './rules.js';
import { valPos, type Pos } from './source-map.js';
import { normalizeVariables, scalarString } from './variables.js';
import { has, isObj, type Obj } from './values.js';
import { parseDuration } from '../util/duration.js';
import { reportUnknownKeys } from './did-you-mean.js';

export interface FieldCtx {
  diags: Diagnostics;
  /** e.g. "jobs:build" */
  where: string;
}

function unknownKeys(o: Obj, allowed: readonly string[], where: string, fc: FieldCtx, at: Pos | undefined): void {
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  reportUnknownKeys(fc.diags, { obj: o, unknown, valid: allowed, where, fallback: at });
}

export function stringList(v: unknown, where: string, fc: FieldCtx, at: Pos | undefined, what = 'an array of strings'): string[] {
  if (v === null || v === undefined) return [];
  if (typeof v === 'string') return [v];
  const list = flattenList(v);
  const out: string[] = [];
  for (const item of list) {
    const s = scalarString(item);
    if (s === null) {
      fc.diags.error(at, `${where} config should be ${what}`);
      return out;
    }
    out.push(s);
  }
  return out;
}

const REPORT_KEYS = [
  'accessibility', 'annotations', 'api_fuzzing', 'browser_performance', 'cluster_image_scanning', 'codequality',
  'container_scanning', 'coverage_fuzzing', 'coverage_report', 'cyclonedx', 'dast', 'dependency_scanning', 'dotenv',
  'junit', 'license_management', 'license_scanning', 'load_performance', 'metrics', 'performance', 'requirements',
  'requirements_v2', 'repository_xray', 'sast', 'secret_detection', 'terraform',
];
const ARTIFACT_KEYS = ['name', 'untracked', 'paths', 'exclude', 'expose_as', 'when', 'expire_in', 'reports', 'public', 'access'];
const ARTIFACT_WHEN = ['on_success', 'on_failure', 'always'];

export function readArtifacts(v: unknown, fc: FieldCtx, at: Pos | undefined): PlanArtifacts | null {
  if (v === null || v === undefined) return null;
  const where = `${fc.where}:artifacts`;
  if (!isObj(v)) {
    fc.diags.error(at, `${where} config should be a hash`);
    return null;
  }
  unknownKeys(v, ARTIFACT_KEYS, where, fc, at);
  const reports: Record<string, string[]> = {};
  if (has(v, 'reports')) {
    const r = v.reports;
    const rpos = valPos(v, 'reports', at);
    if (!isObj(r)) fc.diags.error(rpos, `${where}:reports config should be a hash`);
    else {
      unknownKeys(r, REPORT_KEYS, `${where}:reports`, fc, rpos);
      for (const k of Object.keys(r)) {
        if (!REPORT_KEYS.includes(k)) continue;
        const rv = r[k];
        if (k === 'coverage_report') {
          if (rv === null) continue;
          if (!isObj(rv) || typeof rv.path !== 'string' || typeof rv.coverage_format !== 'string') {
            fc.diags.error(valPos(r, k, rpos), `${where}:reports:coverage_report config should be a hash with coverage_format and path`);
          } else reports.coverage_report = [rv.path];
          continue;
        }
        reports[k] = stringList(rv, `${where}:reports:${k}`, fc, valPos(r, k, rpos), 'an array of strings or a string');
      }
    }
  }
  const when = v.when ?? 'on_success';
  if (typeof when !== 'string' || !ARTIFACT_WHEN.includes(when)) fc.diags.error(valPos(v, 'when', at), `${where} when should be on_success, on_failure or always`);
  if (has(v, 'untracked') && typeof v.untracked !== 'boolean') fc.diags.error(valPos(v, 'untracked', at), `${where} untracked should be a boolean value`);
  const expire = v.expire_in === null || v.expire_in === undefined ? null : scalarString(v.expire_in);
  // GitLab: a duration (ChronicDuration) or "never"; no variables here.
  if (has(v, 'expire_in') && v.expire_in !== null && (expire === null || (expire.trim().toLowerCase() !== 'never' && parseDuration(expire) === null))) {
    fc.diags.error(valPos(v, 'expire_in', at), `${where} expire in should be a duration`);
  }
  return {
    name: v.name === null || v.name === undefined ? null : scalarString(v.name),
    paths: stringList(v.paths, `${where}:paths`, fc, valPos(v, 'paths', at)),
    exclude: stringList(v.exclude, `${where}:exclude`, fc, valPos(v, 'exclude', at)),
    untracked: v.untracked === true,
    when: (ARTIFACT_WHEN.includes(when as string) ? when : 'on_success') as PlanArtifacts['when'],
    expireIn: expire,
    exposeAs: typeof v.expose_as === 'string' ? v.expose_as : null,
    reports,
  };
}

/** GitLab's KeyValidator: a cache key may not hold "/" (also URL-encoded) nor be "." or "..". */
function cacheKeyProblem(key: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    path = key.replace(/%2f/gi, '/'); // malformed escapes elsewhere: still catch an encoded "/"
  }
  if (path.includes('/')) return 'cannot contain the "/" character';
  if (path === '.' || path === '..') return 'cannot be "." or ".."';
  return null;
}

const CACHE_KEYS = ['key', 'untracked', 'paths', 'when', 'policy', 'unprotect', 'fallback_keys'];

export function readCache(v: unknown, fc: FieldCtx, at: Pos | undefined, expandKey: (k: string) => string): PlanCache[] {
  if (v === null || v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  if (list.length > 4) fc.diags.error(at, `${fc.where}:cache config no more than 4 caches can be created`);
  const out: PlanCache[] = [];
  list.slice(0, 4).forEach((c, i) => {
    const where = `${fc.where}:cache`;
    const pos = Array.isArray(v) ? valPos(v, i, at) : at;
    if (!isObj(c)) {
      fc.diags.error(pos, `${where} config should be a hash`);
      return;
    }
    unknownKeys(c, CACHE_KEYS, where, fc, pos);
    let key = 'default';
    let keyFiles: string[] | null = null;
    let keyPrefix: string | null = null;
    if (isObj(c.key)) {
      unknownKeys(c.key, ['files', 'prefix'], `${where}:key`, fc, valPos(c, 'key', pos));
      keyFiles = stringList(c.key.files, `${where}:key:files`, fc, valPos(c, 'key', pos));
      if (keyFiles.length === 0 || keyFiles.length > 2) fc.diags.error(valPos(c, 'key', pos), `${where}:key:files config has to be an array of one or two strings`);
      keyPrefix = typeof c.key.prefix === 'string' ? expandKey(c.key.prefix) : null;
    } else if (c.key !== undefined && c.key !== null) {
      const s = scalarString(c.key);
      if (s === null) fc.diags.error(valPos(c, 'key', pos), `${where}:key config should be a hash, a string or a symbol`);
      else {
        // GitLab checks the key as written, URL-decoded (`%2F` is a "/" too), before any expansion.
        const problem = cacheKeyProblem(s);
        if (problem) fc.diags.error(valPos(c, 'key', pos), `${where}:key config ${problem}`);
        key = expandKey(s);
      }
    }
    const policy = c.policy ?? 'pull-push';
    if (typeof policy !== 'string' || !['pull-push', 'pull', 'push'].includes(policy)) {
      if (!(typeof policy === 'string' && policy.includes('$'))) fc.diags.error(valPos(c, 'policy', pos), `${where} policy should be pull-push, push, or pull (or a variable)`);
    }
    const when = c.when ?? 'on_success';
    if (typeof when !== 'string' || !ARTIFACT_WHEN.includes(when)) fc.diags.error(valPos(c, 'when', pos), `${where} when should be on_success, on_failure or always`);
    out.push({
      key,
      keyFiles,
      keyPrefix,
      paths: stringList(c.paths, `${where}:paths`, fc, valPos(c, 'paths', pos)),
      untracked: c.untracked === true,
      policy: (['pull-push', 'pull', 'push'].includes(policy as string) ? policy : 'pull-push') as PlanCache['policy'],
      when: (ARTIFACT_WHEN.includes(when as string) ? when : 'on_success') as PlanCache['when'],
      fallbackKeys: stringList(c.fallback_keys, `${where}:fallback_keys`, fc, valPos(c, 'fallback_keys', pos)),
    });
  });
  return out;
}

const PULL = ['always', 'if-not-present', 'never'];

export function readImage(v: unknown, fc: FieldCtx, at: Pos | undefined, kind: 'image' | 'service', where: string): PlanImage | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return { name: v, alias: null, entrypoint: null, command: null, pullPolicy: null, variables: [] };
  if (!isObj(v)) {
    fc.diags.error(at, `${where} config should be a hash or a string`);
    return null;
  }
  const allowed = kind === 'image' ? ['name', 'entrypoint', 'pull_policy', 'docker', 'kubernetes', 'ports'] : ['name', 'entrypoint', 'command', 'alias', 'ports', 'variables', 'pull_policy', 'docker', 'kubernetes'];
  unknownKeys(v, allowed, where, fc, at);
  if (typeof v.name !== 'string') fc.diags.error(at, `${where} name can't be blank`);
  const list = (k: string): string[] | null => (has(v, k) && v[k] !== null ? stringList(v[k], `${where}:${k}`, fc, valPos(v, k, at)) : null);
  const pull = list('pull_policy');
  if (pull && pull.some((p) => !PULL.includes(p))) fc.diags.error(valPos(v, 'pull_policy', at), `${where}:pull_policy config contains unknown values: ${pull.filter((p) => !PULL.includes(p)).join(', ')}`);
  return {
    name: typeof v.name === 'string' ? v.name : '',
    alias: typeof v.alias === 'string' ? v.alias : null,
    entrypoint: list('entrypoint'),
    command: list('command'),
    pullPolicy: pull ? (pull.filter((p) => PULL.includes(p)) as PlanImage['pullPolicy']) : null,
    variables: has(v, 'variables') ? normalizeVariables(v.variables, `${where}:variables`, fc.diags, valPos(v, 'variables', at), false).map(({ key, value, raw }) => ({ key, value, raw })) : [],
  };
}

export function readServices(v: unknown, fc: FieldCtx, at: Pos | undefined): PlanImage[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) {
    fc.diags.error(at, `${fc.where}:services config should be a array`);
    return [];
  }
  const out: PlanImage[] = [];
  flattenList(v).forEach((s, i) => {
    const img = readImage(s, fc, valPos(v, Math.min(i, v.length - 1), at), 'service', `${fc.where}:services:service`);
    if (img) out.push(img);
  });
  return out;
}

const RETRY_WHEN = [
  'always', 'unknown_failure', 'script_failure', 'api_failure', 'stuck_or_timeout_failure', 'runner_system_failure',
  'runner_unsupported', 'stale_schedule', 'job_execution_timeout', 'archived_failure', 'unmet_prerequisites',
  'scheduler_failure', 'data_integrity_failure', 'runner_interrupted',
];

export function readRetry(v: unknown, fc: FieldCtx, at: Pos | undefined): PlanRetry {
  const none: PlanRetry = { max: 0, when: ['always'], exitCodes: [] };
  if (v === null || v === undefined) return none;
  const where = `${fc.where}:retry`;
  const checkMax = (m: unknown): number => {
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0 || m > 2) {
      fc.diags.error(at, `${where} config must be a non-negative integer less than or equal to 2`);
      return 0;
    }
    return m;
  };
  if (typeof v === 'number') return { ...none, max: checkMax(v) };
  if (!isObj(v)) {
    fc.diags.error(at, `${where} config has to be either an integer or a hash`);
    return none;
  }
  unknownKeys(v, ['max', 'when', 'exit_codes'], where, fc, at);
  const when = has(v, 'when') ? stringList(v.when, `${where}:when`, fc, valPos(v, 'when', at)) : ['always'];
  const bad = when.filter((w) => !RETRY_WHEN.includes(w));
  if (bad.length) fc.diags.error(valPos(v, 'when', at), `${where} when contains unknown values: ${bad.join(', ')}`);
  const codes = v.exit_codes === undefined || v.exit_codes === null ? [] : Array.isArray(v.exit_codes) ? v.exit_codes : [v.exit_codes];
  if (!codes.every((c) => Number.isInteger(c))) fc.diags.error(valPos(v, 'exit_codes', at), `${where}:exit_codes config should be an array of integers or an integer`);
  return { max: has(v, 'max') ? checkMax(v.max) : 0, when, exitCodes: codes.filter((c): c is number => Number.isInteger(c)) };
}

const ENV_KEYS = ['name', 'url', 'action', 'on_stop', 'auto_stop_in', 'kubernetes', 'deployment_tier'];
const ENV_ACTIONS = ['start', 'prepare', 'stop', 'verify', 'access'];

export function readEnvironment(v: unknown, fc: FieldCtx, at: Pos | undefined, expand: (s: string) => string): (PlanEnvironment & { onStop: string | null }) | null {
  if (v === null || v === undefined) return null;
  const where = `${fc.where}:environment`;
  if (typeof v === 'string') return { name: expand(v), url: null, action: 'start', onStop: null };
  if (!isObj(v)) {
    fc.diags.error(at, `${where} config should be a hash or a string`);
    return null;
  }
  unknownKeys(v, ENV_KEYS, where, fc, at);
  if (typeof v.name !== 'string') fc.diags.error(at, `${where} name can't be blank`);
  const action = typeof v.action === 'string' ? v.action : 'start';
  if (!ENV_ACTIONS.includes(action)) fc.diags.error(valPos(v, 'action', at), `${where} action should be start, stop, prepare, verify, or access`);
  return {
    name: typeof v.name === 'string' ? expand(v.name) : '',
    url: typeof v.url === 'string' ? v.url : null,
    action,
    onStop: typeof v.on_stop === 'string' ? v.on_stop : null,
  };
}

export function readTrigger(v: unknown, fc: FieldCtx, at: Pos | undefined): PlanTrigger | null {
  if (v === null || v === undefined) return null;
  const where = `${fc.where}:trigger`;
  const base: PlanTrigger = { include: [], project: null, strategy: null, forward: { yamlVariables: true, pipelineVariables: false } };
  if (typeof v === 'string') return { ...base, project: v };
  if (!isObj(v)) {
    fc.diags.error(at, `${where} config should be a hash or a string`);
    return null;
  }
  unknownKeys(v, ['project', 'branch', 'strategy', 'include', 'forward'], where, fc, at);
  if (has(v, 'strategy') && v.strategy !== 'depend' && v.strategy !== 'mirror') fc.diags.error(valPos(v, 'strategy', at), `${where} strategy should be depend`);
  const include: string[] = [];
  if (has(v, 'include')) {
    const items = Array.isArray(v.include) ? v.include : [v.include];
    for (const item of items) {
      if (typeof item === 'string') include.push(item.replace(/^\/+/, ''));
      else if (isObj(item) && typeof item.local === 'string') include.push(item.local.replace(/^\/+/, ''));
      else if (isObj(item) && (typeof item.artifact === 'string' || typeof item.template === 'string' || typeof item.project === 'string' || typeof item.component === 'string')) {
        fc.diags.warn(valPos(v, 'include', at), `${where}:include: only local files are supported for child pipelines here`);
      } else fc.diags.error(valPos(v, 'include', at), `${where}:include config should be a string or a hash with local`);
    }
  }
  if (!has(v, 'project') && !has(v, 'include')) fc.diags.error(at, `${where} config must specify either project or include`);
  const fwd = isObj(v.forward) ? v.forward : {};
  return {
    include,
    project: typeof v.project === 'string' ? v.project : null,
    ...(typeof v.branch === 'string' && v.branch ? { branch: v.branch } : {}),
    strategy: v.strategy === 'depend' ? 'depend' : null,
    forward: { yamlVariables: fwd.yaml_variables !== false, pipelineVariables: fwd.pipeline_variables === true },
  };
}

export function readHooks(v: unknown, fc: FieldCtx, at: Pos | undefined): { preGetSourcesScript: string[]; postGetSourcesScript: string[] } | null {
  if (v === null || v === undefined) return null;
  const where = `${fc.where}:hooks`;
  if (!isObj(v)) {
    fc.diags.error(at, `${where} config should be a hash`);
    return null;
  }
  unknownKeys(v, ['pre_get_sources_script', 'post_get_sources_script'], where, fc, at);
  return {
    preGetSourcesScript: stringList(v.pre_get_sources_script, `${where}:pre_get_sources_script`, fc, valPos(v, 'pre_get_sources_script', at)),
    postGetSourcesScript: stringList(v.post_get_sources_script, `${where}:post_get_sources_script`, fc, valPos(v, 'post_get_sources_script', at)),
  };
}
