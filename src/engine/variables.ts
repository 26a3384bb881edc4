// CI/CD variable rules, one copy for every edge (UI API, REST API, CLI): the key, the value's size,
// when a value may be masked, the environment scope; and which variables a job gets (protected
// ones only on protected refs, environment-scoped ones only for a matching `environment:`).
import { badRequest } from '../util/errors.js';
import type { CiVariable, Job, Pipeline } from './model.js';

const KEY = /^[A-Za-z0-9_]{1,255}$/;
export const MAX_VARIABLE_VALUE = 65536;

/** GitLab's rule for maskable values: one line, at least 8 characters, no spaces. */
export function maskable(value: string): boolean {
  return value.length >= 8 && !/\s/.test(value);
}

export type NewCiVariable = Omit<CiVariable, 'id'>;

/** The variable as stored (environment scope defaulted), or a 400 naming the broken rule. */
export function checkVariable(v: NewCiVariable): NewCiVariable {
  if (typeof v.key !== 'string' || !KEY.test(v.key)) throw badRequest('key must be 1-255 letters, digits or _');
  if (typeof v.value !== 'string' || v.value.length > MAX_VARIABLE_VALUE) throw badRequest('value must be a string (at most 64 KiB)');
  if (v.masked && !maskable(v.value)) throw badRequest('a masked value must be at least 8 characters, on one line, without spaces');
  const scope = v.environmentScope ?? '*';
  if (!scope || scope.length > 255 || /\s/.test(scope)) throw badRequest('environment_scope must be * or an environment name or pattern (at most 255 characters, no spaces)');
  if (v.description !== undefined && v.description !== null && v.description.length > 255) throw badRequest('description is too long (at most 255 characters)');
  return { ...v, environmentScope: scope };
}

function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}

/** 0: `*`; 1: a pattern that matches; 2: the exact name; -1: not for this environment. */
function specificity(scope: string, environment: string | null): number {
  if (scope === '*') return 0;
  if (environment === null) return -1;
  if (scope === environment) return 2;
  return scope.includes('*') && globMatches(scope, environment) ? 1 : -1;
}

/** One level's variables (instance or project) for `environment`: per key the most specific scope wins. */
function forEnvironment(vars: readonly CiVariable[], environment: string | null): CiVariable[] {
  const best = new Map<string, { v: CiVariable; rank: number }>();
  for (const v of vars) {
    const rank = specificity(v.environmentScope ?? '*', environment);
    if (rank < 0) continue;
    const seen = best.get(v.key);
    if (!seen || rank > seen.rank) best.set(v.key, { v, rank });
  }
  return vars.filter((v) => best.get(v.key)?.v === v);
}

/** The instance then project variables a job gets (GitLab's order: project ones override). */
export function variablesForJob(input: { instance: readonly CiVariable[]; project: readonly CiVariable[]; job: Job; pipeline: Pipeline }): CiVariable[] {
  const environment = input.job.spec.environment?.name ?? null;
  const allowed = (v: CiVariable) => input.pipeline.protected || !v.protected;
  return [...forEnvironment(input.instance.filter(allowed), environment), ...forEnvironment(input.project.filter(allowed), environment)];
}
