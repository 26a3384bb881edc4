// The `lint --json` object of issue 3: validity, diagnostics, stages and the jobs of this pipeline.
import type { Diagnostic, PipelinePlan, PlanJob } from './plan.js';

export interface LintJson {
  valid: boolean;
  /** `hints` (ours, e.g. "did you mean `script:`…?") only when there are some. */
  errors: { file: string; line: number; column: number; message: string; hints?: { file: string; line: number; column: number; message: string }[] }[];
  warnings: { file: string; line: number; column: number; message: string }[];
  stages: string[];
  jobs: Record<string, unknown>[];
  workflow?: { created: false };
}

const diag = (d: Diagnostic) => ({ file: d.file, line: d.line, column: d.column, message: d.message, ...(d.hints?.length ? { hints: d.hints } : {}) });

function jobJson(j: PlanJob): Record<string, unknown> {
  return {
    name: j.name,
    stage: j.stage,
    when: j.when,
    allow_failure: j.allowFailure,
    start_in: j.startIn,
    needs: j.needs === null ? null : j.needs.map((n) => ({ job: n.job, artifacts: n.artifacts, optional: n.optional })),
    dependencies: j.dependencies,
    tags: j.tags,
    retry: { max: j.retry.max, when: j.retry.when },
    timeout: j.timeout,
    resource_group: j.resourceGroup,
    interruptible: j.interruptible,
    variables: Object.fromEntries(j.variables.map((v) => [v.key, v.value])),
    script: j.script,
    before_script: j.beforeScript,
    after_script: j.afterScript,
    artifacts: j.artifacts
      ? {
          name: j.artifacts.name,
          paths: j.artifacts.paths,
          exclude: j.artifacts.exclude,
          untracked: j.artifacts.untracked,
          when: j.artifacts.when,
          expire_in: j.artifacts.expireIn,
          expose_as: j.artifacts.exposeAs,
          reports: j.artifacts.reports,
        }
      : null,
    image: j.image ? j.image.name : null,
  };
}

export function planToLintJson(plan: PipelinePlan): LintJson {
  const out: LintJson = {
    valid: plan.errors.length === 0,
    errors: plan.errors.map(diag),
    warnings: plan.warnings.map(diag),
    stages: plan.stages,
    jobs: plan.workflow.created ? plan.jobs.map(jobJson) : [],
  };
  if (!plan.workflow.created) out.workflow = { created: false };
  return out;
}
