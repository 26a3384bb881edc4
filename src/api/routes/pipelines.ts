// A pipeline with its jobs and graph edges; pipeline actions.
import type { PipelineDetail } from '../../engine/coordinator.js';
import { notFound } from '../../util/errors.js';
import type { ApiApp, ApiContext } from '../context.js';
import { IdParams } from '../schemas/inputs.js';
import { PipelineDetailSchema, type PipelineDetail as PipelineDetailView } from '../schemas/views.js';
import { jobView, pipelineView } from '../views.js';

export function pipelineDetailView(detail: PipelineDetail): PipelineDetailView {
  const now = Date.now();
  return {
    pipeline: pipelineView(detail.pipeline, detail.project, now),
    project: detail.project,
    jobs: detail.jobs.map((j) => jobView(j, now)),
    edges: detail.edges,
  };
}

export function pipelineRoutes(app: ApiApp, ctx: ApiContext): void {
  const { coordinator } = ctx;
  const schema = { tags: ['pipelines'], params: IdParams, response: { 200: PipelineDetailSchema } };

  const load = async (id: number) => {
    const detail = await coordinator.read.pipeline(id);
    if (!detail) throw notFound(`pipeline ${id} not found`);
    return detail;
  };

  app.get('/pipelines/:id', { schema }, async (request) => {
    await ctx.require(request, 'read');
    return pipelineDetailView(await load(request.params.id));
  });

  app.post('/pipelines/:id/cancel', { schema }, async (request) => {
    await ctx.require(request, 'act');
    const id = request.params.id;
    await load(id);
    await coordinator.cancelPipeline(id);
    return pipelineDetailView(await load(id));
  });

  app.post('/pipelines/:id/retry', { schema }, async (request) => {
    await ctx.require(request, 'act');
    const id = request.params.id;
    await load(id);
    await coordinator.retryPipeline(id);
    return pipelineDetailView(await load(id));
  });
}
