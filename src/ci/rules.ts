// `rules:` (jobs, workflow, include), `only`/`except` policies and their evaluation against the
// pipeline context. First matching rule wins; no match excludes.
import type { Diagnostics } from './diagnostics.js';
import { evaluateExpression, ExpressionSyntaxError, parseExpression, compilePattern, splitPattern, type Expr } from './expression/index.js';
import { globMatcher } from './glob.js';
import type { CompileContext, ProjectFiles } from './plan.js';
import { keyPos, locOf, valPos, type Pos } from './source-map.js';
import { expandVariables } from './variables.js';
import { has, isObj, LimitError, type Obj } from './values.js';
import { TOO_BIG } from './yaml-size.js';
import { reportUnknownKeys } from './did-you-mean.js';

export interface RuleEnv {
  ctx: CompileContext;
  files: ProjectFiles;
  diags: Diagnostics;
}

export type Lookup = (name: string) => string | undefined;

export interface MatchedRule {
  rule: Obj;
  when: string | undefined;
  pos: Pos | undefined;
}

const exprCache = new Map<string, Expr | ExpressionSyntaxError>();

export function compileIf(text: string): Expr | ExpressionSyntaxError {
  let hit = exprCache.get(text);
  if (!hit) {
    try {
      hit = parseExpression(text);
    } catch (e) {
      hit = e instanceof ExpressionSyntaxError ? e : new ExpressionSyntaxError(String(e));
    }
    if (exprCache.size > 5000) exprCache.clear();
    exprCache.set(text, hit);
  }
  return hit;
}

export const MAX_LIST_ITEMS = 50_000;

/**
 * Flattens nested arrays (GitLab: up to 10 levels; a deeper array stays an item, which the caller
 * reports as the wrong type). Arrays may share items (aliases, `!reference`): more than 50,000
 * items in all is refused with a LimitError at the list's position, never cut.
 */
export function flattenList(v: unknown): unknown[] {
  if (!Array.isArray(v)) return [v];
  if (v.length <= MAX_LIST_ITEMS && !v.some(Array.isArray)) return v;
  const out: unknown[] = [];
  let left = MAX_LIST_ITEMS;
  const walk = (list: unknown[], level: number): void => {
    for (const item of list) {
      if (--left < 0) {
        const loc = locOf(v);
        throw new LimitError(`${TOO_BIG}: a list has more than ${MAX_LIST_ITEMS} items once its nested lists and !reference tags are expanded`, loc ? { file: loc.file, offset: loc.at } : undefined);
      }
      if (Array.isArray(item) && level < 10) walk(item, level + 1);
      else out.push(item);
    }
  };
  walk(v, 0);
  return out;
}

/**
 * Validates a `rules:` list. `where` is e.g. "jobs:build:rules"; returns the rule hashes.
 */
export function validateRules(raw: unknown, where: string, allowedKeys: readonly string[], allowedWhen: readonly string[], diags: Diagnostics, at: Pos | undefined): Obj[] | null {
  if (!Array.isArray(raw)) {
    diags.error(at, `${where} config should be an array of hashes`);
    return null;
  }
  const rules: Obj[] = [];
  const items = flattenList(raw);
  for (let i = 0; i < items.length; i++) {
    const rule = items[i];
    const pos = valPos(raw, Math.min(i, raw.length - 1), at);
    if (!isObj(rule)) {
      diags.error(pos, `${where}:rule config should be a hash`);
      continue;
    }
    const unknown = Object.keys(rule).filter((k) => !allowedKeys.includes(k));
    reportUnknownKeys(diags, { obj: rule, unknown, valid: allowedKeys, where: `${where}:rule`, fallback: pos });
    if (has(rule, 'if')) {
      if (typeof rule.if !== 'string') diags.error(valPos(rule, 'if', pos), `${where}:rule if should be a string`);
      else if (compileIf(rule.if) instanceof ExpressionSyntaxError) diags.error(valPos(rule, 'if', pos), `${where}:rule if invalid expression syntax`);
    }
    if (has(rule, 'when') && rule.when !== null && (typeof rule.when !== 'string' || !allowedWhen.includes(rule.when))) {
      diags.error(valPos(rule, 'when', pos), `${where}:rule when unknown value: ${String(rule.when)}`);
    }
    for (const key of ['changes', 'exists']) {
      if (!has(rule, key)) continue;
      const v = rule[key];
      const ok = Array.isArray(v) ? flattenList(v).every((s) => typeof s === 'string') : isObj(v) && (v.paths === undefined || Array.isArray(v.paths));
      if (!ok) diags.error(valPos(rule, key, pos), `${where}:rule:${key} config should be an array of strings or a hash with paths`);
    }
    rules.push(rule);
  }
  return rules;
}

/** Finds the first matching rule, or null when none matches. Rules must be validated first. */
export function firstMatchingRule(rules: Obj[], lookup: Lookup, env: RuleEnv): MatchedRule | null {
  for (const rule of rules) {
    if (ruleMatches(rule, lookup, env)) {
      return { rule, when: typeof rule.when === 'string' ? rule.when : undefined, pos: keyPos(rule, 'when') };
    }
  }
  return null;
}

function ruleMatches(rule: Obj, lookup: Lookup, env: RuleEnv): boolean {
  if (typeof rule.if === 'string') {
    const expr = compileIf(rule.if);
    if (expr instanceof ExpressionSyntaxError) return false;
    if (!evaluateExpression(expr, lookup)) return false;
  }
  if (has(rule, 'changes') && !changesMatch(rule.changes, lookup, env)) return false;
  if (has(rule, 'exists') && !existsMatch(rule.exists, lookup, env)) return false;
  return true;
}

function pathsOf(v: unknown): string[] {
  const list = isObj(v) ? v.paths : v;
  return flattenList(list ?? []).filter((s): s is string => typeof s === 'string');
}

const DIFF_SOURCES = new Set(['push', 'merge_request_event', 'external_pull_request_event']);

/** `changes`: true when any changed file matches; always true when the diff is unknown. */
export function changesMatch(v: unknown, lookup: Lookup, env: RuleEnv): boolean {
  const changed = env.ctx.changedFiles;
  if (changed === null || !DIFF_SOURCES.has(env.ctx.source)) return true;
  if (isObj(v) && typeof v.compare_to === 'string') return true; // a diff against another ref is not known offline
  const globs = pathsOf(v).map((p) => globMatcher(expandVariables(p, lookup)));
  return changed.some((f) => globs.some((m) => m(f)));
}

/** `exists`: true when any project file matches one of the globs. */
export function existsMatch(v: unknown, lookup: Lookup, env: RuleEnv): boolean {
  if (isObj(v) && (typeof v.project === 'string' && v.project !== env.ctx.projectPath)) return true; // another project: not readable offline
  const globs = pathsOf(v).map((p) => globMatcher(expandVariables(p, lookup)));
  if (globs.length === 0) return false;
  const files = env.files.list();
  return files.some((f) => globs.some((m) => m(f)));
}

// ---- only / except -------------------------------------------------------------------------

const SOURCE_KEYWORDS: Record<string, string[]> = {
  push: ['pushes'],
  web: ['web'],
  trigger: ['triggers'],
  schedule: ['schedules'],
  api: ['api'],
  external: ['external'],
  pipeline: ['pipelines'],
  parent_pipeline: ['pipelines'],
  chat: ['chats'],
  merge_request_event: ['merge_requests'],
  external_pull_request_event: ['external_pull_requests'],
};

const POLICY_KEYS = ['refs', 'variables', 'changes', 'kubernetes'];

/** Validates `only`/`except`; returns the normalised hash form or null. */
export function normalizePolicy(raw: unknown, where: string, diags: Diagnostics, at: Pos | undefined): Obj | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'string') return { refs: [raw] };
  if (Array.isArray(raw)) {
    if (!raw.every((r) => typeof r === 'string')) {
      diags.error(at, `${where} config should be an array of strings or regular expressions`);
      return null;
    }
    return { refs: raw };
  }
  if (!isObj(raw)) {
    diags.error(at, `${where} config should be an array of strings or regular expressions`);
    return null;
  }
  const unknown = Object.keys(raw).filter((k) => !POLICY_KEYS.includes(k));
  reportUnknownKeys(diags, { obj: raw, unknown, valid: POLICY_KEYS, where, fallback: at });
  for (const key of ['refs', 'variables', 'changes']) {
    if (!has(raw, key)) continue;
    const v = raw[key];
    const list = key === 'changes' && isObj(v) ? v.paths : v;
    if (!Array.isArray(list) || !list.every((r) => typeof r === 'string')) diags.error(valPos(raw, key, at), `${where}:${key} config should be an array of strings`);
    else if (key === 'variables') {
      for (const e of list) if (compileIf(e as string) instanceof ExpressionSyntaxError) diags.error(valPos(raw, key, at), `${where}:variables config should be valid expressions`);
    }
  }
  return raw;
}

function refMatches(full: string, ctx: CompileContext): boolean {
  const at = full.indexOf('@');
  const pattern = at >= 0 ? full.slice(0, at) : full;
  if (at >= 0 && full.slice(at + 1) !== ctx.projectPath) return false;
  if (pattern === 'tags' && ctx.isTag) return true;
  const isBranch = !ctx.isTag && ctx.source !== 'merge_request_event' && ctx.source !== 'external_pull_request_event';
  if (pattern === 'branches' && isBranch) return true;
  if (pattern === ctx.source || (SOURCE_KEYWORDS[ctx.source] ?? []).includes(pattern)) return true;
  if (!isBranch && !ctx.isTag) return false;
  const re = splitPattern(pattern);
  if (re) {
    const compiled = compilePattern(re.source, re.flags);
    return compiled ? compiled.test(ctx.ref) : false;
  }
  return pattern === ctx.ref;
}

/** Is each part of the policy satisfied? (only: all must be; except: any excludes.) */
export function policyParts(policy: Obj, lookup: Lookup, env: RuleEnv): boolean[] {
  const parts: boolean[] = [];
  if (Array.isArray(policy.refs)) parts.push(policy.refs.some((r) => typeof r === 'string' && refMatches(r, env.ctx)));
  if (Array.isArray(policy.variables)) {
    parts.push(
      policy.variables.some((e) => {
        if (typeof e !== 'string') return false;
        const expr = compileIf(e);
        return !(expr instanceof ExpressionSyntaxError) && evaluateExpression(expr, lookup);
      }),
    );
  }
  if (has(policy, 'changes')) parts.push(changesMatch(policy.changes, lookup, env));
  if (has(policy, 'kubernetes')) parts.push(false);
  return parts;
}
