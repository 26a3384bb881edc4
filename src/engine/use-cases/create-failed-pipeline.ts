// create-failed-pipeline: what GitLab shows for a push whose `.gitlab-ci.yml` is invalid: a
// pipeline that is failed from the start, failure_reason config_error, its yaml_errors, no jobs
// (and no stages). Nothing runs, so no persistent ref is needed.
import { badRequest, notFound } from '../../util/errors.js';
import { inTx, type EngineContext } from '../context.js';
import type { CreateFailedPipelineInput } from '../coordinator.js';
import type { Pipeline } from '../model.js';
import { isRefProtected } from '../protected-refs.js';

export async function createFailedPipeline(ctx: EngineContext, input: CreateFailedPipelineInput): Promise<Pipeline> {
  if (!input.errors.length) throw badRequest('a failed configuration needs at least one error');
  return inTx(ctx, async (tx, fx) => {
    const project = await tx.projects.byId(input.projectId);
    if (!project) throw notFound(`Project ${input.projectId} not found`);
    const now = ctx.now();
    const rules = await tx.protectedRefs.list(project.id);
    const pipeline = await tx.pipelines.insert({
      projectId: project.id,
      iid: await tx.projects.nextPipelineIid(project.id),
      ref: input.ref,
      isTag: input.isTag,
      sha: input.sha,
      beforeSha: input.beforeSha ?? '0000000000000000000000000000000000000000',
      source: input.source,
      status: 'failed',
      name: null,
      stages: [],
      variables: input.variables ?? [],
      commitMessage: input.commitMessage ?? '',
      commit: input.commit ?? null,
      createdAt: now,
      startedAt: null,
      finishedAt: now,
      parentPipelineId: null,
      protected: isRefProtected(rules, { ref: input.ref, isTag: input.isTag }),
      failureReason: 'config_error',
      yamlErrors: input.errors.map(({ file, line, column, message }) => ({ file, line, column, message })),
    });
    fx.pipelines.set(pipeline.id, pipeline);
    return pipeline;
  });
}
