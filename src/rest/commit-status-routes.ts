// Commit statuses: `GET /projects/:id/repository/commits/:sha/statuses` (the commit's CI jobs
// and the statuses external systems posted) and `POST /projects/:id/statuses/:sha` (an external
// status: pending, running, success, failed, canceled, skipped), in GitLab's shapes.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AutomationRoutesContext } from './automation-context.js';
import { commitStatusView, jobStatusView } from './automation-views.js';

const Sha = Type.String({ pattern: '^[0-9a-fA-F]{7,64}$' });
const Params = Type.Object({ id: Type.String(), sha: Sha });
const State = Type.Union(['pending', 'running', 'success', 'failed', 'canceled', 'skipped'].map((s) => Type.Literal(s)));
const PostBody = Type.Object({
  state: State,
  ref: Type.Optional(Type.String({ maxLength: 1024 })),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  context: Type.Optional(Type.String({ maxLength: 255 })),
  target_url: Type.Optional(Type.String({ maxLength: 2048 })),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  coverage: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  pipeline_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
});
const ListQuery = Type.Object({
  ref: Type.Optional(Type.String({ maxLength: 1024 })),
  stage: Type.Optional(Type.String({ maxLength: 255 })),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  all: Type.Optional(Type.Boolean()),
  pipeline_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
});

export function commitStatusRoutes(app: FastifyInstance, ctx: AutomationRoutesContext): void {
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof ListQuery> }>(
    '/projects/:id/repository/commits/:sha/statuses',
    { schema: { params: Params, querystring: ListQuery, tags: ['commits'] } },
    async (request) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'read', project);
      const sha = request.params.sha.toLowerCase();
      const q = request.query;
      const pipelines = (await ctx.coordinator.read.pipelines({ projectId: project.id, ref: q.ref, limit: 200 })).filter((p) => p.sha.startsWith(sha) && (q.pipeline_id === undefined || p.id === q.pipeline_id));
      const jobs = [];
      for (const p of pipelines.reverse()) {
        const detail = await ctx.coordinator.read.pipeline(p.id);
        for (const j of detail?.jobs ?? []) {
          if (!q.all && j.retried) continue;
          if (q.stage !== undefined && j.stage !== q.stage) continue;
          if (q.name !== undefined && j.name !== q.name) continue;
          jobs.push(jobStatusView(j, p, project, { baseUrl: ctx.baseUrl() }));
        }
      }
      const fullSha = pipelines[0]?.sha ?? sha;
      const external = q.stage === undefined ? await ctx.automation.commitStatuses.list(project.id, fullSha, { ref: q.ref, name: q.name }) : [];
      return [...jobs, ...external.filter((s) => q.pipeline_id === undefined || s.pipelineId === q.pipeline_id).map(commitStatusView)];
    },
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof PostBody> }>(
    '/projects/:id/statuses/:sha',
    { schema: { params: Params, body: PostBody, tags: ['commits'] } },
    async (request, reply) => {
      const project = await ctx.project(request, request.params.id);
      const caller = await ctx.caller(request, 'write', project);
      const b = request.body;
      const status = await ctx.automation.commitStatuses.post({
        projectId: project.id,
        sha: request.params.sha.toLowerCase(),
        state: b.state as never,
        ref: b.ref ?? null,
        name: b.name ?? b.context,
        targetUrl: b.target_url,
        description: b.description,
        coverage: b.coverage,
        pipelineId: b.pipeline_id,
        authorName: caller.name,
      });
      return reply.code(201).send(commitStatusView(status));
    },
  );
}
