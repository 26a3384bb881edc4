// create-pipeline: stores the pipeline (with its `protected` flag, from the project's protected
// branch/tag rules at this moment), its jobs and the `needs` edges in one transaction, settles
// the jobs that can start, then auto-cancels redundant pipelines on the same ref.
import type { PlanJob } from '../../ci/plan.js';
import { AppError, notFound } from '../../util/errors.js';
import { inTx, type EngineContext } from '../context.js';
import type { CreatePipelineInput, PipelineDetail } from '../coordinator.js';
import { checkDownstreamLimits, lockRunningTrigger } from '../downstream-limits.js';
import { advance } from '../flow.js';
import { newJobRow } from '../new-job.js';
import { isRefProtected } from '../protected-refs.js';
import type { JobEdge } from '../model.js';
import { autoCancelRedundant } from './cancel.js';

export async function createPipeline(ctx: EngineContext, input: CreatePipelineInput): Promise<PipelineDetail> {
  const plan = input.plan;
  if (plan.errors.length) throw new AppError('invalid_config', plan.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n'), plan.errors);
  if (!plan.workflow.created) throw new AppError('invalid_config', 'Pipeline filtered out by workflow rules.');
  if (!plan.jobs.length) throw new AppError('invalid_config', 'The pipeline has no jobs.');

  const detail = await inTx(ctx, async (tx, fx) => {
    const project = await tx.projects.byId(input.projectId);
    if (!project) throw notFound(`Project ${input.projectId} not found`);
    if (input.parentPipelineId != null) {
      if (input.parentJobId !== undefined) {
        await lockRunningTrigger(tx, { parentPipelineId: input.parentPipelineId, parentJobId: input.parentJobId });
        const [existing] = plan.workflow.name === null ? [] : await tx.pipelines.children(input.parentPipelineId, { name: plan.workflow.name });
        if (existing) return { pipeline: existing, project, jobs: await tx.jobs.byPipeline(existing.id), edges: await tx.edges.byPipeline(existing.id) };
      }
      await checkDownstreamLimits(tx, { parentPipelineId: input.parentPipelineId, maxHierarchySize: ctx.config.maxPipelineHierarchySize });
    }
    const now = ctx.now();
    const iid = await tx.projects.nextPipelineIid(project.id);
    // decided once, from the project's rules now: claims, variables and CI_COMMIT_REF_PROTECTED follow it
    const rules = await tx.protectedRefs.list(project.id);
    const pipeline = await tx.pipelines.insert({
      projectId: project.id,
      iid,
      ref: input.ref,
      isTag: input.isTag,
      sha: input.sha,
      beforeSha: input.beforeSha ?? '0000000000000000000000000000000000000000',
      source: input.source,
      status: 'created',
      name: plan.workflow.name,
      stages: plan.stages,
      variables: input.variables ?? [],
      commitMessage: input.commitMessage ?? '',
      commit: input.commit ?? null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      parentPipelineId: input.parentPipelineId ?? null,
      protected: isRefProtected(rules, { ref: input.ref, isTag: input.isTag }),
    });
    // Before any job can be claimed (jobs become pending when this transaction commits).
    if (input.beforeCommit) await input.beforeCommit(pipeline.id);
    const rows = plan.jobs.map((spec: PlanJob) => newJobRow(ctx, { pipelineId: pipeline.id, projectId: project.id, spec, attempt: 0, playVariables: [] }));
    const jobs = await tx.jobs.insertMany(rows);
    const idByName = new Map(jobs.map((j) => [j.name, j.id]));
    const edges: JobEdge[] = [];
    for (const j of jobs) {
      for (const need of j.spec.needs ?? []) {
        const target = idByName.get(need.job);
        if (target === undefined) {
          if (need.optional) continue;
          throw new AppError('invalid_config', `Job '${j.name}' needs '${need.job}', which is not in the pipeline.`);
        }
        edges.push({ jobId: j.id, needsJobId: target, explicit: true, artifacts: need.artifacts, optional: need.optional });
      }
    }
    await tx.edges.insertMany(edges);
    if (plan.workflow.autoCancel.onJobFailure === 'all') await tx.pipelines.setAutoCancelOnFailure(pipeline.id, true);
    const scope = { pipeline, project };
    await advance(ctx, tx, fx, scope, 'all');
    const finalJobs = await tx.jobs.byPipeline(pipeline.id);
    fx.pipelines.set(pipeline.id, scope.pipeline);
    return { pipeline: scope.pipeline, project, jobs: finalJobs, edges };
  });
  if (plan.workflow.autoCancel.onNewCommit !== 'none' && input.parentPipelineId == null && !input.isTag) {
    await autoCancelRedundant(ctx, detail.pipeline, plan.workflow.autoCancel.onNewCommit);
  }
  return detail;
}
