// Projects and pipeline lists.
import type { FastifyInstance } from 'fastify';
import type { ListPipelinesQuery } from '../../engine/coordinator.js';
import type { PipelineStatus } from '../../engine/model.js';
import { badRequest } from '../../util/errors.js';
import { findProject, limitParam, optionalId, optionalString, type ApiContext } from '../context.js';
import { withStageSummaries } from '../stage-summary.js';
import { pipelineView } from '../views.js';

const STATUSES: readonly PipelineStatus[] = [
  'created', 'waiting_for_resource', 'pending', 'running', 'success', 'failed', 'canceling', 'canceled', 'skipped', 'manual', 'scheduled',
];

function listQuery(q: Record<string, unknown>): Omit<ListPipelinesQuery, 'projectId'> {
  const status = optionalString(q.status, 'status', 64);
  if (status !== undefined && !STATUSES.includes(status as PipelineStatus)) throw badRequest(`unknown status ${JSON.stringify(status)}`);
  return {
    status,
    ref: optionalString(q.ref, 'ref', 1024),
    limit: limitParam(q.limit, 50, 200),
    beforeId: optionalId(q.before, 'before'),
  };
}

export function projectRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { coordinator } = ctx;

  app.get('/projects', async (request) => {
    await ctx.require(request, 'read');
    const projects = await coordinator.read.projects();
    return Promise.all(
      projects.map(async (project) => {
        const [last] = await coordinator.read.pipelines({ projectId: project.id, limit: 1 });
        const [view] = last ? await withStageSummaries(coordinator, [pipelineView(last, project)]) : [null];
        return { ...project, lastPipeline: view };
      }),
    );
  });

  app.get<{ Params: { project: string } }>('/projects/:project', async (request) => {
    await ctx.require(request, 'read');
    return findProject(ctx, request.params.project);
  });

  app.get<{ Params: { project: string }; Querystring: Record<string, unknown> }>('/projects/:project/pipelines', async (request) => {
    await ctx.require(request, 'read');
    const project = await findProject(ctx, request.params.project);
    const pipelines = await coordinator.read.pipelines({ projectId: project.id, ...listQuery(request.query) });
    return withStageSummaries(coordinator, pipelines.map((p) => pipelineView(p, project)));
  });

  app.get<{ Querystring: Record<string, unknown> }>('/pipelines', async (request) => {
    await ctx.require(request, 'read');
    const q = request.query;
    const project = q.project !== undefined && q.project !== '' ? await findProject(ctx, q.project) : undefined;
    const pipelines = await coordinator.read.pipelines({ projectId: project?.id, ...listQuery(q) });
    const projects = new Map((await coordinator.read.projects()).map((p) => [p.id, p]));
    return withStageSummaries(coordinator, pipelines.map((p) => pipelineView(p, projects.get(p.projectId))));
  });
}
