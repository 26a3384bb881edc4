// Projects and pipeline lists.
import { Type } from '@sinclair/typebox';
import type { ListPipelinesQuery } from '../../engine/coordinator.js';
import { findProject, type ApiApp, type ApiContext } from '../context.js';
import { AllPipelinesQuery, PipelineListQuery, ProjectParams } from '../schemas/inputs.js';
import { PipelineSchema, ProjectSchema } from '../schemas/views.js';
import { withStageSummaries } from '../stage-summary.js';
import { pipelineView } from '../views.js';

function listQuery(q: PipelineListQuery): Omit<ListPipelinesQuery, 'projectId'> {
  return { status: q.status, ref: q.ref, limit: Math.min(q.limit ?? 50, 200), beforeId: q.before };
}

export function projectRoutes(app: ApiApp, ctx: ApiContext): void {
  const { coordinator } = ctx;
  const tags = ['projects'];

  app.get('/projects', { schema: { tags, response: { 200: Type.Array(ProjectSchema) } } }, async (request) => {
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

  app.get('/projects/:project', { schema: { tags, params: ProjectParams, response: { 200: ProjectSchema } } }, async (request) => {
    await ctx.require(request, 'read');
    return findProject(ctx, request.params.project);
  });

  app.get('/projects/:project/pipelines', { schema: { tags: ['pipelines'], params: ProjectParams, querystring: PipelineListQuery, response: { 200: Type.Array(PipelineSchema) } } }, async (request) => {
    await ctx.require(request, 'read');
    const project = await findProject(ctx, request.params.project);
    const pipelines = await coordinator.read.pipelines({ projectId: project.id, ...listQuery(request.query) });
    return withStageSummaries(coordinator, pipelines.map((p) => pipelineView(p, project)));
  });

  app.get('/pipelines', { schema: { tags: ['pipelines'], querystring: AllPipelinesQuery, response: { 200: Type.Array(PipelineSchema) } } }, async (request) => {
    await ctx.require(request, 'read');
    const q = request.query;
    const project = q.project !== undefined ? await findProject(ctx, q.project) : undefined;
    const pipelines = await coordinator.read.pipelines({ projectId: project?.id, ...listQuery(q) });
    const projects = new Map((await coordinator.read.projects()).map((p) => [p.id, p]));
    return withStageSummaries(coordinator, pipelines.map((p) => pipelineView(p, projects.get(p.projectId))));
  });
}
