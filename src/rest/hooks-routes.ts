// Project webhooks (`/projects/:id/hooks`): CRUD with GitLab's fields (url, token,
// push_events, tag_push_events, pipeline_events, job_events, enable_ssl_verification) and the delivery log
// (`GET /projects/:id/hooks/:hook_id/events`, one event with its payload, resend). The token is
// write-only (never returned), as in GitLab. Deliveries are made by server/webhook-worker.ts.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AutomationRoutesContext } from './automation-context.js';
import { hookEventView, hookView } from './automation-views.js';

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const ProjectParams = Type.Object({ id: Type.String() });
const HookParams = Type.Object({ id: Type.String(), hook_id: Id });
const EventParams = Type.Object({ id: Type.String(), hook_id: Id, event_id: Id });
const Fields = {
  url: Type.String({ maxLength: 2048 }),
  token: Type.Optional(Type.String({ maxLength: 1024 })),
  push_events: Type.Optional(Type.Boolean()),
  tag_push_events: Type.Optional(Type.Boolean()),
  pipeline_events: Type.Optional(Type.Boolean()),
  job_events: Type.Optional(Type.Boolean()),
  enable_ssl_verification: Type.Optional(Type.Boolean()),
};
// Other GitLab event flags (issues_events, …) are accepted and ignored: they never fire here.
const CreateBody = Type.Object(Fields, { additionalProperties: true });
const UpdateBody = Type.Object({ ...Fields, url: Type.Optional(Fields.url) }, { additionalProperties: true });
const EventsQuery = Type.Object({
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  status: Type.Optional(Type.Union([Type.Literal('queued'), Type.Literal('delivered'), Type.Literal('failed')])),
});

export function hookRoutes(app: FastifyInstance, ctx: AutomationRoutesContext): void {
  app.get<{ Params: Static<typeof ProjectParams> }>('/projects/:id/hooks', { schema: { params: ProjectParams, tags: ['hooks'] } }, async (request) => {
    const project = await ctx.project(request, request.params.id);
    await ctx.caller(request, 'write', project);
    return (await ctx.automation.hooks.list(project.id)).map(hookView);
  });

  app.get<{ Params: Static<typeof HookParams> }>('/projects/:id/hooks/:hook_id', { schema: { params: HookParams, tags: ['hooks'] } }, async (request) => {
    const project = await ctx.project(request, request.params.id);
    await ctx.caller(request, 'write', project);
    return hookView(await ctx.automation.hooks.get(project.id, request.params.hook_id));
  });

  app.post<{ Params: Static<typeof ProjectParams>; Body: Static<typeof CreateBody> }>(
    '/projects/:id/hooks',
    { schema: { params: ProjectParams, body: CreateBody, tags: ['hooks'] } },
    async (request, reply) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'write', project);
      const b = request.body;
      const hook = await ctx.automation.hooks.create(project.id, {
        url: b.url,
        token: b.token || null,
        // GitLab's defaults: push events on, the others off, TLS verified
        pushEvents: b.push_events ?? true,
        tagPushEvents: b.tag_push_events ?? false,
        pipelineEvents: b.pipeline_events ?? false,
        jobEvents: b.job_events ?? false,
        enableSslVerification: b.enable_ssl_verification ?? true,
      });
      return reply.code(201).send(hookView(hook));
    },
  );

  app.put<{ Params: Static<typeof HookParams>; Body: Static<typeof UpdateBody> }>(
    '/projects/:id/hooks/:hook_id',
    { schema: { params: HookParams, body: UpdateBody, tags: ['hooks'] } },
    async (request) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'write', project);
      const b = request.body ?? {};
      const hook = await ctx.automation.hooks.update(project.id, request.params.hook_id, {
        url: b.url,
        token: b.token === undefined ? undefined : b.token || null,
        pushEvents: b.push_events,
        tagPushEvents: b.tag_push_events,
        pipelineEvents: b.pipeline_events,
        jobEvents: b.job_events,
        enableSslVerification: b.enable_ssl_verification,
      });
      return hookView(hook);
    },
  );

  app.delete<{ Params: Static<typeof HookParams> }>('/projects/:id/hooks/:hook_id', { schema: { params: HookParams, tags: ['hooks'] } }, async (request, reply) => {
    const project = await ctx.project(request, request.params.id);
    await ctx.caller(request, 'write', project);
    await ctx.automation.hooks.delete(project.id, request.params.hook_id);
    return reply.code(204).send();
  });

  // The delivery log, newest first: status (queued | delivered | failed), attempts, response
  // code and body, duration. Paged with page/per_page (X-Page, X-Per-Page, X-Next-Page).
  app.get<{ Params: Static<typeof HookParams>; Querystring: Static<typeof EventsQuery> }>(
    '/projects/:id/hooks/:hook_id/events',
    { schema: { params: HookParams, querystring: EventsQuery, tags: ['hooks'] } },
    async (request, reply) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'write', project);
      const hook = await ctx.automation.hooks.get(project.id, request.params.hook_id);
      const perPage = request.query.per_page ?? 20;
      const page = request.query.page ?? 1;
      const rows = await ctx.automation.hooks.deliveries(project.id, hook.id, { limit: perPage * page + 1, status: request.query.status });
      const slice = rows.slice(perPage * (page - 1), perPage * page);
      reply.header('x-page', String(page)).header('x-per-page', String(perPage)).header('x-next-page', rows.length > perPage * page ? String(page + 1) : '');
      return slice.map((d) => hookEventView(d, hook, false));
    },
  );

  app.get<{ Params: Static<typeof EventParams> }>('/projects/:id/hooks/:hook_id/events/:event_id', { schema: { params: EventParams, tags: ['hooks'] } }, async (request, reply) => {
    const project = await ctx.project(request, request.params.id);
    await ctx.caller(request, 'write', project);
    const hook = await ctx.automation.hooks.get(project.id, request.params.hook_id);
    const [d] = (await ctx.automation.hooks.deliveries(project.id, hook.id, { limit: 1, beforeId: request.params.event_id + 1 })).filter((x) => x.id === request.params.event_id);
    if (!d) return reply.code(404).send({ message: '404 Hook Log Not Found' });
    return hookEventView(d, hook, true);
  });

  app.post<{ Params: Static<typeof EventParams> }>(
    '/projects/:id/hooks/:hook_id/events/:event_id/resend',
    { schema: { params: EventParams, tags: ['hooks'] } },
    async (request, reply) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'write', project);
      await ctx.automation.hooks.resend(project.id, request.params.hook_id, request.params.event_id);
      return reply.code(201).send({ message: '201 Created' });
    },
  );
}
