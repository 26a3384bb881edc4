// Turns job templates into concrete job instances (one per parallel/matrix instance) and decides
// for each whether it is part of this pipeline (rules, or only/except), with GitLab's `when` and
// `allow_failure` defaults.
import type { Diagnostics } from './diagnostics.js';
import type { Globals } from './globals.js';
import { readCache, readEnvironment } from './job-fields.js';
import { pickRaw, readNeeds, type JobTemplate, type NeedSpec } from './job.js';
import type { JobWhen, PlanJob, PlanVariable } from './plan.js';
import { firstMatchingRule, policyParts, type RuleEnv } from './rules.js';
import { valPos } from './source-map.js';
import { expandVariables, normalizeVariables, refSlug, scalarString, ScopeFrame, VariableScope } from './variables.js';
import { Budget, has, type Obj } from './values.js';
import { parseDuration } from '../util/duration.js';
import { flattenList } from './rules.js';

export interface JobInstance {
  tpl: JobTemplate;
  name: string;
  matrix: { key: string; value: string }[];
  included: boolean;
  needSpecs: NeedSpec[] | null;
  job: PlanJob;
}

export interface InstantiateInput {
  templates: JobTemplate[];
  globals: Globals;
  globalVars: PlanVariable[];
  workflowVars: PlanVariable[];
  predefined: { key: string; value: string }[];
  contextVars: { key: string; value: string }[];
  ruleEnv: RuleEnv;
  diags: Diagnostics;
  hasWorkflowRules: boolean;
  budget: Budget;
}

const DEFAULT_ONLY: Obj = { refs: ['branches', 'tags'] };

function mergeVars(...layers: PlanVariable[][]): PlanVariable[] {
  const map = new Map<string, PlanVariable>();
  for (const layer of layers) for (const v of layer) map.set(v.key, { key: v.key, value: v.value, raw: v.raw });
  return [...map.values()];
}

export function instantiateJobs(input: InstantiateInput): JobInstance[] {
  const { globals, diags } = input;
  const out: JobInstance[] = [];
  const frame = new ScopeFrame([input.predefined], [input.contextVars]);
  for (const tpl of input.templates) {
    const inherit = tpl.inheritVariables;
    const inheritFilter = (v: PlanVariable): boolean => inherit === true || (Array.isArray(inherit) && inherit.includes(v.key));
    const inheritedGlobals = input.globalVars.filter(inheritFilter);
    const inheritedWorkflow = input.workflowVars.filter(inheritFilter);
    const jobVars = tpl.variables.map(({ key, value, raw }) => ({ key, value, raw }));
    // the same for every instance of the template
    const cacheRaw = pickRaw(tpl.raw, globals.defaults, 'cache');
    const tagsRaw = pickRaw(tpl.raw, globals.defaults, 'tags');
    const envPos = valPos(tpl.raw, 'environment');
    for (const inst of tpl.instances) {
      if (!input.budget.spend(10)) return out;
      const matrixVars = inst.matrix.map(({ key, value }) => ({ key, value, raw: false }));
      let variables = mergeVars(inheritedGlobals, inheritedWorkflow, jobVars, matrixVars);
      // Job-level predefined variables that rules can test (GitLab evaluates rules per build).
      const jobPredefined = [
        { key: 'CI_JOB_NAME', value: inst.name },
        { key: 'CI_JOB_NAME_SLUG', value: refSlug(inst.name) },
        { key: 'CI_JOB_STAGE', value: tpl.stage },
        // GitLab: CI_NODE_TOTAL is always set (1 without `parallel`), CI_NODE_INDEX only with it.
        ...(inst.parallel ? [{ key: 'CI_NODE_INDEX', value: String(inst.parallel.index) }] : []),
        { key: 'CI_NODE_TOTAL', value: String(inst.parallel?.total ?? 1) },
      ];
      const scope = new VariableScope([jobPredefined, variables], frame);

      let included = true;
      let when: JobWhen | 'never' = tpl.when;
      let allowFailure = tpl.allowFailure ?? tpl.when === 'manual';
      let startIn = tpl.startIn;
      let interruptible = tpl.interruptible;
      let needSpecs = tpl.needs;
      if (tpl.rules) {
        const matched = firstMatchingRule(tpl.rules, scope.get, input.ruleEnv);
        if (!matched) included = false;
        else {
          const r = matched.rule;
          when = (matched.when as JobWhen | 'never' | undefined) ?? tpl.when;
          if (typeof r.allow_failure === 'boolean') allowFailure = r.allow_failure;
          if (when === 'delayed') {
            const s = scalarString(r.start_in);
            startIn = s === null ? null : parseDuration(s);
          }
          if (typeof r.interruptible === 'boolean') interruptible = r.interruptible;
          if (has(r, 'variables')) {
            const ruleVars = normalizeVariables(r.variables, `jobs:${tpl.name}:rules:rule:variables`, diags, valPos(r, 'variables'), false);
            variables = mergeVars(variables, ruleVars.map(({ key, value, raw }) => ({ key, value, raw })));
          }
          if (has(r, 'needs')) needSpecs = readNeeds(r.needs, `jobs:${tpl.name}:rules:needs`, diags, valPos(r, 'needs')) ?? [];
        }
      } else {
        const only = tpl.only ?? (input.hasWorkflowRules ? null : DEFAULT_ONLY);
        if (only && !policyParts(only, scope.get, input.ruleEnv).every(Boolean)) included = false;
        if (tpl.except && policyParts(tpl.except, scope.get, input.ruleEnv).some(Boolean)) included = false;
      }
      if (when === 'never') included = false;

      const finalScope = new VariableScope([jobPredefined, variables], frame);
      const keep = (s: string): string => expandVariables(s, finalScope.get, true);
      const fc = { diags, where: `jobs:${tpl.name}` };
      const env = readEnvironment(tpl.raw.environment, fc, envPos, (s) => expandVariables(s, finalScope.get));
      const isFirst = inst === tpl.instances[0];
      let tags: string[] = [];
      if (tagsRaw.v !== undefined && tagsRaw.v !== null) {
        const list = Array.isArray(tagsRaw.v) ? flattenList(tagsRaw.v) : null;
        if (!list || !list.every((t) => typeof t === 'string')) {
          if (isFirst) diags.error(tagsRaw.p, `jobs:${tpl.name}:tags config should be an array of strings`);
        } else tags = (list as string[]).map(keep);
      }
      const rg = tpl.raw.resource_group;
      if (rg !== undefined && rg !== null && typeof rg !== 'string' && isFirst) diags.error(valPos(tpl.raw, 'resource_group'), `jobs:${tpl.name} resource group should be a string`);
      const job: PlanJob = {
        name: inst.name,
        stage: tpl.stage,
        stageIndex: globals.stages.indexOf(tpl.stage),
        when: (when === 'never' ? 'on_success' : when) as JobWhen,
        startIn: when === 'delayed' ? startIn : null,
        allowFailure,
        allowFailureExitCodes: tpl.allowFailureExitCodes,
        needs: null,
        dependencies: tpl.dependencies,
        tags,
        retry: tpl.retry,
        timeout: tpl.timeout,
        resourceGroup: typeof rg === 'string' ? keep(rg) : null,
        interruptible,
        variables,
        beforeScript: tpl.beforeScript,
        script: tpl.script,
        afterScript: tpl.afterScript,
        artifacts: tpl.artifacts,
        cache: readCache(cacheRaw.v, fc, cacheRaw.p, keep),
        image: tpl.image,
        services: tpl.services,
        hooks: tpl.hooks,
        environment: env ? { name: env.name, url: env.url, action: env.action } : null,
        coverage: tpl.coverage,
        parallel: inst.parallel,
        trigger: tpl.trigger,
        idTokens: tpl.idTokens,
        secrets: tpl.secrets,
        release: tpl.release,
        location: diags.position(tpl.pos),
      };
      out.push({ tpl, name: inst.name, matrix: inst.matrix, included, needSpecs, job });
    }
  }
  return out;
}

