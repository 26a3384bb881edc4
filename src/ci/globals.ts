// Root-level keywords: stages, variables, default (plus the deprecated top-level forms) and
// workflow. Every other top-level key is a job (or a hidden `.template`).
import type { Diagnostics } from './diagnostics.js';
import { DEFAULT_KEYS } from './job.js';
import type { PipelinePlan } from './plan.js';
import { validateRules } from './rules.js';
import { locOf, setLoc, valPos } from './source-map.js';
import { normalizeVariables, type YamlVariable } from './variables.js';
import { copyObj, has, isObj, setKey, type Obj } from './values.js';
import { reportUnknownKeys } from './did-you-mean.js';

// `types` (the old name of `stages`) was removed from GitLab: it is a job name now, as in GitLab.
export const GLOBAL_KEYS = ['default', 'include', 'before_script', 'image', 'services', 'after_script', 'variables', 'stages', 'cache', 'workflow'];
const LEGACY_DEFAULTS = ['before_script', 'image', 'services', 'after_script', 'cache'];
export const DEFAULT_STAGES = ['build', 'test', 'deploy'];
const WORKFLOW_KEYS = ['rules', 'name', 'auto_cancel'];
const WORKFLOW_RULE_KEYS = ['if', 'changes', 'exists', 'when', 'variables', 'auto_cancel'];

export interface Globals {
  stages: string[];
  variables: YamlVariable[];
  defaults: Obj;
  workflowRules: Obj[] | null;
  workflowName: string | null;
  autoCancel: PipelinePlan['workflow']['autoCancel'];
}

export function readGlobals(root: Obj, diags: Diagnostics): Globals {
  // stages
  let stages = DEFAULT_STAGES;
  const stagesKey = has(root, 'stages') ? 'stages' : null;
  if (stagesKey && root[stagesKey] !== null) {
    const s = root[stagesKey];
    if (!Array.isArray(s) || !s.every((x) => typeof x === 'string')) diags.error(valPos(root, stagesKey), `${stagesKey} config should be an array of strings`);
    else stages = [...new Set(s as string[])];
  }
  stages = ['.pre', ...stages.filter((s) => s !== '.pre' && s !== '.post'), '.post'];

  const variables = normalizeVariables(root.variables, 'variables', diags, valPos(root, 'variables'), true);

  // default (+ deprecated top-level forms)
  const defaults: Obj = {};
  for (const k of LEGACY_DEFAULTS) if (has(root, k)) setKey(defaults, k, root[k]);
  if (has(root, 'default') && root.default !== null) {
    const d = root.default;
    if (!isObj(d)) diags.error(valPos(root, 'default'), 'default config should be a hash');
    else {
      const unknown = Object.keys(d).filter((k) => !DEFAULT_KEYS.includes(k));
      reportUnknownKeys(diags, { obj: d, unknown, valid: DEFAULT_KEYS, where: 'default' });
      for (const k of Object.keys(d)) if (DEFAULT_KEYS.includes(k)) setKey(defaults, k, d[k]);
    }
  }
  const base: Obj = isObj(root.default) ? copyObj(root.default) : {};
  if (!isObj(root.default)) {
    const loc = locOf(root);
    if (loc) setLoc(base, loc);
  }
  const defaultsWithPos = Object.assign(base, defaults);

  // workflow
  let workflowRules: Obj[] | null = null;
  let workflowName: string | null = null;
  const autoCancel: Globals['autoCancel'] = { onNewCommit: 'conservative', onJobFailure: 'none' };
  if (has(root, 'workflow') && root.workflow !== null) {
    const w = root.workflow;
    if (!isObj(w)) diags.error(valPos(root, 'workflow'), 'workflow config should be a hash');
    else {
      const unknown = Object.keys(w).filter((k) => !WORKFLOW_KEYS.includes(k));
      reportUnknownKeys(diags, { obj: w, unknown, valid: WORKFLOW_KEYS, where: 'workflow' });
      if (has(w, 'rules') && w.rules !== null) workflowRules = validateRules(w.rules, 'workflow:rules', WORKFLOW_RULE_KEYS, ['always', 'never'], diags, valPos(w, 'rules'));
      if (typeof w.name === 'string') workflowName = w.name;
      else if (has(w, 'name') && w.name !== null) diags.error(valPos(w, 'name'), 'workflow:name config should be a string');
      if (isObj(w.auto_cancel)) readAutoCancel(w.auto_cancel, autoCancel, diags);
    }
  }
  return { stages, variables, defaults: defaultsWithPos, workflowRules, workflowName, autoCancel };
}

export function readAutoCancel(a: Obj, into: Globals['autoCancel'], diags: Diagnostics): void {
  const onNew = a.on_new_commit;
  if (onNew !== undefined) {
    if (onNew === 'conservative' || onNew === 'interruptible' || onNew === 'none') into.onNewCommit = onNew;
    else diags.error(valPos(a, 'on_new_commit'), 'workflow:auto_cancel on new commit must be one of: conservative, interruptible, none');
  }
  const onFail = a.on_job_failure;
  if (onFail !== undefined) {
    if (onFail === 'none' || onFail === 'all') into.onJobFailure = onFail;
    else diags.error(valPos(a, 'on_job_failure'), 'workflow:auto_cancel on job failure must be one of: none, all');
  }
}
