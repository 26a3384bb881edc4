// A pipeline with its jobs and graph edges; pipeline actions.
import type { FastifyInstance } from 'fastify';
import type { PipelineDetail } from '../../engine/coordinator.js';
import { notFound } from '../../util/errors.js';
import { parseId, type ApiContext } from '../context.js';
import { jobView, pipelineView } from '../views.js';

export function pipelineDetailView(detail: PipelineDetail) {
  const now = Date.now();
  return {
    pipeline: pipelineView(detail.pipeline, detail.project, now),
    project: detail.project,
    jobs: detail.jobs.map((j) => jobView(j, now)),
    edges: detail.edges,
  };
}

export function pipelineRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { coordinator } = ctx;

  const load = async (id: number) => {
    const detail = await coordinator.read.pipeline(id);
    if (!detail) throw notFound(`pipeline ${id} not found`);
    return detail;
  };

  app.get<{ Params: { id: string } }>('/pipelines/:id', async (request) => {
    await ctx.require(request, 'read');
    return pipelineDetailView(await load(parseId(request.params.id)));
  });

  app.post<{ Params: { id: string } }>('/pipelines/:id/cancel', async (request) => {
    await ctx.require(request, 'act');
    const id = parseId(request.params.id);
    await load(id);
    await coordinator.cancelPipeline(id);
    return pipelineDetailView(await load(id));
  });

  app.post<{ Params: { id: string } }>('/pipelines/:id/retry', async (request) => {
    await ctx.require(request, 'act');
    const id = parseId(request.params.id);
    await load(id);
    await coordinator.retryPipeline(id);
    return pipelineDetailView(await load(id));
  });
}
