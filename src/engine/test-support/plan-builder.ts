// Test helper: PlanJob / PipelinePlan objects with GitLab's defaults, for engine, store and
// runner-api tests that do not go through the compiler.
//   const plan = planOf(['build', 'test'], [job('b', { stage: 'build' }), job('t', { stage: 'test', needs: [need('b')] })]);
import type { PipelinePlan, PlanJob, PlanNeed } from '../../ci/plan.js';

export function job(name: string, over: Partial<PlanJob> = {}): PlanJob {
  return {
    name,
    stage: 'test',
    stageIndex: -1,
    when: 'on_success',
    startIn: null,
    allowFailure: false,
    allowFailureExitCodes: null,
    needs: null,
    dependencies: null,
    tags: [],
    retry: { max: 0, when: ['always'], exitCodes: [] },
    timeout: null,
    resourceGroup: null,
    interruptible: false,
    variables: [],
    beforeScript: [],
    script: ['echo ' + name],
    afterScript: [],
    artifacts: null,
    cache: [],
    image: null,
    services: [],
    hooks: null,
    environment: null,
    coverage: null,
    parallel: null,
    trigger: null,
    idTokens: null,
    secrets: null,
    release: null,
    location: { file: '.gitlab-ci.yml', line: 1, column: 1 },
    ...over,
  };
}

export const need = (name: string, over: Partial<PlanNeed> = {}): PlanNeed => ({ job: name, artifacts: true, optional: false, ...over });

/** A plan; each job's stageIndex is derived from `stages` unless set. */
export function planOf(stages: string[], jobs: PlanJob[], over: Partial<PipelinePlan> = {}): PipelinePlan {
  return {
    stages,
    jobs: jobs.map((j) => {
      if (j.stageIndex >= 0) return j;
      const i = stages.indexOf(j.stage);
      if (i < 0) throw new Error(`job ${j.name}: unknown stage ${j.stage}`);
      return { ...j, stageIndex: i };
    }),
    variables: [],
    workflow: { created: true, name: null, autoCancel: { onNewCommit: 'conservative', onJobFailure: 'none' } },
    errors: [],
    warnings: [],
    ...over,
  };
}
