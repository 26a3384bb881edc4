// The row of a job that has not run yet: a first attempt (create-pipeline) or a retry.
import type { PlanJob } from '../ci/plan.js';
import type { NewJob } from '../store/ports.js';
import type { EngineContext } from './context.js';
import type { PipelineVariable } from './model.js';

export function newJobRow(
  ctx: EngineContext,
  at: { pipelineId: number; projectId: number; spec: PlanJob; attempt: number; playVariables: PipelineVariable[] },
): NewJob {
  return {
    pipelineId: at.pipelineId,
    projectId: at.projectId,
    name: at.spec.name,
    stage: at.spec.stage,
    stageIndex: at.spec.stageIndex,
    status: 'created',
    spec: at.spec,
    attempt: at.attempt,
    retried: false,
    runnerId: null,
    systemId: null,
    failureReason: null,
    exitCode: null,
    playVariables: at.playVariables,
    createdAt: ctx.now(),
    queuedAt: null,
    startedAt: null,
    finishedAt: null,
    scheduledAt: null,
    lastActivityAt: null,
    traceSize: 0,
    deadlineAt: null,
    timeout: at.spec.timeout ?? ctx.config.defaultJobTimeout,
  };
}
