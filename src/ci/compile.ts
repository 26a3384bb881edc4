// The compiler: .gitlab-ci.yml (+ includes) -> PipelinePlan, pure and bounded.
//   parse -> include -> extends -> !reference -> globals -> workflow:rules
//   -> jobs (validate, default, parallel/matrix) -> rules/only/except per instance
//   -> needs/dependencies validation and cycle check -> plan
import { Diagnostics } from './diagnostics.js';
import { resolveExtends } from './extends.js';
import { expandIncludes, MAX_INCLUDES } from './includes.js';
import { interpolate, resolveInputs, splitHeader } from './inputs.js';
import { readAutoCancel, readGlobals, GLOBAL_KEYS, type Globals } from './globals.js';
import { buildJobTemplate, type JobTemplate } from './job.js';
import type { CompileOptions, PipelinePlan, PlanJob, PlanVariable } from './plan.js';
import { resolveReferences } from './references.js';
import { firstMatchingRule, type RuleEnv } from './rules.js';
import { keyPos, valPos } from './source-map.js';
import { missingScriptHints } from './did-you-mean.js';
import { normalizeVariables, predefinedVariables, VariableScope } from './variables.js';
import { Budget, isObj, LimitError, type Obj } from './values.js';
import { loadYaml } from './yaml-load.js';
import { isBlank, readSource } from './read-source.js';
import { instantiateJobs } from './instantiate.js';
import { validateNeeds } from './needs.js';

const WORK_BUDGET = 5_000_000;
/** Default jobs per pipeline: see CompileLimits.jobsPerPipeline. */
export const MAX_PIPELINE_JOBS = 2000;

function emptyPlan(diags: Diagnostics): PipelinePlan {
  return {
    stages: [],
    jobs: [],
    variables: [],
    workflow: { created: false, name: null, autoCancel: { onNewCommit: 'conservative', onJobFailure: 'none' } },
    errors: diags.errors,
    warnings: diags.warnings,
  };
}

export function compile(options: CompileOptions): PipelinePlan {
  const configPath = options.configPath ?? '.gitlab-ci.yml';
  const diags = new Diagnostics(configPath);
  try {
    return compileInner(options, configPath, diags);
  } catch (e) {
    if (e instanceof LimitError) diags.error(e.pos, e.message);
    else diags.error(undefined, `internal compiler error: ${(e as Error)?.message ?? String(e)}`);
    return emptyPlan(diags);
  }
}

function compileInner(options: CompileOptions, configPath: string, diags: Diagnostics): PipelinePlan {
  const budget = new Budget(WORK_BUDGET);
  const ctx = options.context;
  const predefined = predefinedVariables(ctx, configPath);
  const contextVars = Object.entries(ctx.variables ?? {}).map(([key, value]) => ({ key, value: String(value) }));
  const baseScope = new VariableScope([predefined, contextVars]);
  const ruleEnv: RuleEnv = { ctx, files: options.files, diags };

  const text = readSource(options.files, configPath);
  if (text === undefined || isBlank(text)) {
    diags.error(undefined, text === undefined ? `Missing CI config file: ${configPath}` : 'Please provide content of .gitlab-ci.yml');
    return emptyPlan(diags);
  }
  const loaded = loadYaml(configPath, text, diags, budget);
  if (!loaded.ok) return emptyPlan(diags);
  const { spec, content } = splitHeader(loaded.docs);
  let root: unknown = content;
  if (spec) {
    const inputs = resolveInputs(spec, undefined, configPath, diags, { file: loaded.file, offset: 0 });
    if (inputs) root = interpolate(content, inputs, configPath, diags, { file: loaded.file, offset: 0 }, budget);
  }
  if (!isObj(root)) {
    diags.error({ file: loaded.file, offset: 0 }, 'Invalid configuration format');
    return emptyPlan(diags);
  }

  root = expandIncludes(root, { files: options.files, diags, budget, external: options.externalInclude, lookup: baseScope.get, ruleEnv, projectPath: ctx.projectPath, count: 0, maxIncludes: options.limits?.includes ?? MAX_INCLUDES, seen: new Set([`local:${configPath}:null`]) }, 0);
  const extended = resolveExtends(root as Obj, diags, budget);
  root = extended.root;
  root = resolveReferences(root as Obj, diags, budget);
  if (budget.exhausted) {
    diags.error(undefined, 'configuration is too large to process (work limit exceeded)');
    return emptyPlan(diags);
  }
  const cfg = root as Obj;
  const globals = readGlobals(cfg, diags);

  // workflow:rules
  const workflow: PipelinePlan['workflow'] = { created: true, name: null, autoCancel: globals.autoCancel };
  let workflowVars: PlanVariable[] = [];
  const globalScope = new VariableScope([predefined, globals.variables, contextVars]);
  if (globals.workflowRules) {
    const matched = firstMatchingRule(globals.workflowRules, globalScope.get, ruleEnv);
    if (!matched || matched.when === 'never') workflow.created = false;
    else {
      if (matched.rule.variables !== undefined) workflowVars = normalizeVariables(matched.rule.variables, 'workflow:rules:rule:variables', diags, valPos(matched.rule, 'variables'), false);
      if (isObj(matched.rule.auto_cancel)) readAutoCancel(matched.rule.auto_cancel, workflow.autoCancel, diags);
    }
  }
  const pipelineScope = new VariableScope([predefined, globals.variables, workflowVars, contextVars]);
  if (globals.workflowName !== null) workflow.name = expandName(globals.workflowName, pipelineScope.get);

  // jobs
  const templates: JobTemplate[] = [];
  let visible = 0;
  for (const name of Object.keys(cfg)) {
    if (GLOBAL_KEYS.includes(name)) continue;
    const value = cfg[name];
    const pos = keyPos(cfg, name);
    if (name.startsWith('.')) continue;
    if (!isObj(value) || (!('script' in value) && !('run' in value) && !('trigger' in value))) {
      if (extended.failed.has(name)) {
        visible++; // already reported: its `extends` could not be resolved
        continue;
      }
      diags.missing(pos, `jobs:${name} config should implement the script:, run:, or trigger: keyword`, missingScriptHints({ root: cfg, name, value, rootKeywords: GLOBAL_KEYS }));
      continue;
    }
    if (name.length > 255) diags.error(pos, `jobs:${name} name is too long (maximum is 255 characters)`);
    visible++;
    templates.push(buildJobTemplate(name, value, pos, globals.defaults, diags));
    if (budget.exhausted) break;
  }
  if (visible === 0) diags.missing(undefined, 'jobs config should contain at least one visible job');

  for (const t of templates) {
    const last = t.rules?.[t.rules.length - 1];
    if (!globals.workflowRules && last && Object.keys(last).length === 1 && typeof last.when === 'string' && last.when !== 'never') {
      diags.warn(t.pos, `jobs:${t.name} may allow multiple pipelines to run for a single action due to \`rules:when\` clause with no \`workflow:rules\` - read more: https://docs.gitlab.com/ee/ci/troubleshooting.html#pipeline-warnings`);
    }
    if (!globals.stages.includes(t.stage)) {
      diags.missing(t.stagePos, `${t.name} job: chosen stage ${t.stage} does not exist; available stages are ${globals.stages.join(', ')}`);
    }
  }

  const globalVars = globals.variables.map(({ key, value, raw }) => ({ key, value, raw }));
  const all = instantiateJobs({ templates, globals, globalVars, workflowVars, predefined, contextVars, ruleEnv, diags, hasWorkflowRules: globals.workflowRules !== null, budget });
  if (budget.exhausted) {
    diags.error(undefined, 'configuration is too large to process (work limit exceeded)');
    return emptyPlan(diags);
  }
  validateNeeds({ all, diags, stages: globals.stages, maxNeeds: options.limits?.needsPerJob });

  let jobs: PlanJob[] = workflow.created ? all.filter((j) => j.included).map((j) => j.job) : [];
  jobs = jobs.sort((a, b) => a.stageIndex - b.stageIndex);
  if (workflow.created && jobs.length > 0 && jobs.every((j) => j.stage === '.pre' || j.stage === '.post')) {
    diags.warn(undefined, 'Pipeline will not run: it would only contain jobs in the .pre or .post stages');
  }
  if (workflow.created && jobs.every((j) => j.stage === '.pre' || j.stage === '.post')) {
    workflow.created = false;
    jobs = [];
  }
  const maxJobs = options.limits?.jobsPerPipeline ?? MAX_PIPELINE_JOBS;
  if (maxJobs > 0 && jobs.length > maxJobs) {
    // GitLab (Gitlab::Ci::Pipeline::Chain::Limit::Size): checked on the jobs the pipeline would have.
    const first = all.find((j) => j.job === jobs[maxJobs]);
    diags.error(first?.tpl.pos, `The number of jobs has exceeded the limit of ${maxJobs}. Try splitting the configuration with parent-child-pipelines https://docs.gitlab.com/ci/debugging/#pipeline-with-many-jobs-fails-to-start`);
  }
  return {
    stages: globals.stages,
    jobs,
    variables: globalVars,
    workflow,
    errors: diags.errors,
    warnings: diags.warnings,
  };
}

function expandName(name: string, lookup: (n: string) => string | undefined): string {
  return name.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (w, a: string | undefined, b: string | undefined) => (w === '$$' ? '$' : lookup((a ?? b)!) ?? ''));
}

export type { Globals };
