// Pipeline schedules (`/projects/:id/pipeline_schedules`): CRUD, take_ownership, play (run now,
// CI_PIPELINE_SOURCE=schedule) and the schedule's variables, in GitLab's shapes. The server's
// scheduler (server/pipeline-scheduler.ts) fires them at their cron time.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { PipelineSchedule } from '../engine/model.js';
import type { Project } from '../engine/model.js';
import type { AutomationRoutesContext } from './automation-context.js';
import { pipelineBasicView, scheduleVariableView, scheduleView } from './automation-views.js';
import { paginateWith } from './pagination.js';
import { PaginationQuery } from './schemas/common.js';

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const ProjectParams = Type.Object({ id: Type.String() });
const ScheduleParams = Type.Object({ id: Type.String(), pipeline_schedule_id: Id });
const VariableParams = Type.Object({ id: Type.String(), pipeline_schedule_id: Id, key: Type.String({ maxLength: 255 }) });
const Text = (max: number) => Type.String({ maxLength: max });
const CreateBody = Type.Object({
  description: Text(1024),
  ref: Text(1024),
  cron: Text(255),
  cron_timezone: Type.Optional(Text(255)),
  active: Type.Optional(Type.Boolean()),
});
const UpdateBody = Type.Partial(CreateBody);
const PageQuery = Type.Pick(PaginationQuery, ['page', 'per_page']);
const ListQuery = Type.Object({ scope: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive')])) });
const VariableType = Type.Union([Type.Literal('env_var'), Type.Literal('file')]);
const VariableBody = Type.Object({ key: Text(255), value: Text(10_000), variable_type: Type.Optional(VariableType) });
const VariableUpdate = Type.Object({ value: Text(10_000), variable_type: Type.Optional(VariableType) });

export function scheduleRoutes(app: FastifyInstance, ctx: AutomationRoutesContext): void {
  const v = () => ({ baseUrl: ctx.baseUrl() });
  const lastPipeline = async (s: PipelineSchedule) => (s.lastPipelineId === null ? null : ((await ctx.coordinator.read.pipeline(s.lastPipelineId))?.pipeline ?? null));
  const full = async (s: PipelineSchedule, project: Project) => scheduleView(s, v(), { lastPipeline: await lastPipeline(s), project, withVariables: true });

  app.get<{ Params: Static<typeof ProjectParams>; Querystring: Static<typeof ListQuery> }>(
    '/projects/:id/pipeline_schedules',
    { schema: { params: ProjectParams, querystring: ListQuery, tags: ['pipeline_schedules'] } },
    async (request) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'read', project);
      const list = await ctx.automation.schedules.list(project.id, request.query.scope);
      return Promise.all(list.map(async (s) => scheduleView(s, v(), { lastPipeline: await lastPipeline(s), project })));
    },
  );

  app.get<{ Params: Static<typeof ScheduleParams> }>('/projects/:id/pipeline_schedules/:pipeline_schedule_id', { schema: { params: ScheduleParams, tags: ['pipeline_schedules'] } }, async (request) => {
    const project = await ctx.project(request, request.params.id);
    await ctx.caller(request, 'read', project);
    return full(await ctx.automation.schedules.get(project.id, request.params.pipeline_schedule_id), project);
  });

  // Every pipeline the schedule created, newest first, paginated (a deleted pipeline is left out).
  app.get<{ Params: Static<typeof ScheduleParams>; Querystring: Static<typeof PageQuery> }>(
    '/projects/:id/pipeline_schedules/:pipeline_schedule_id/pipelines',
    { schema: { params: ScheduleParams, querystring: PageQuery, tags: ['pipeline_schedules'] } },
    async (request, reply) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'read', project);
      const sid = request.params.pipeline_schedule_id;
      return paginateWith(request, reply, async (offset, limit) => {
        const { total, ids } = await ctx.automation.schedules.pipelineIds(project.id, sid, { offset, limit });
        const pipelines = await Promise.all(ids.map(async (id) => (await ctx.coordinator.read.pipeline(id))?.pipeline ?? null));
        return { total, items: pipelines.filter((p) => p !== null).map((p) => pipelineBasicView(p, project, v())) };
      }, { baseUrl: ctx.baseUrl() });
    },
  );

  app.post<{ Params: Static<typeof ProjectParams>; Body: Static<typeof CreateBody> }>(
    '/projects/:id/pipeline_schedules',
    { schema: { params: ProjectParams, body: CreateBody, tags: ['pipeline_schedules'] } },
    async (request, reply) => {
      const project = await ctx.project(request, request.params.id);
      const caller = await ctx.caller(request, 'write', project);
      const b = request.body;
      const s = await ctx.automation.schedules.create(project.id, { description: b.description, ref: b.ref, cron: b.cron, cronTimezone: b.cron_timezone, active: b.active }, caller.name);
      return reply.code(201).send(await full(s, project));
    },
  );

  app.put<{ Params: Static<typeof ScheduleParams>; Body: Static<typeof UpdateBody> }>(
    '/projects/:id/pipeline_schedules/:pipeline_schedule_id',
    { schema: { params: ScheduleParams, body: UpdateBody, tags: ['pipeline_schedules'] } },
    async (request) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'write', project);
      const b = request.body ?? {};
      const s = await ctx.automation.schedules.update(project.id, request.params.pipeline_schedule_id, { description: b.description, ref: b.ref, cron: b.cron, cronTimezone: b.cron_timezone, active: b.active });
      return full(s, project);
    },
  );

  app.post<{ Params: Static<typeof ScheduleParams> }>(
    '/projects/:id/pipeline_schedules/:pipeline_schedule_id/take_ownership',
    { schema: { params: ScheduleParams, tags: ['pipeline_schedules'] } },
    async (request, reply) => {
      const project = await ctx.project(request, request.params.id);
      const caller = await ctx.caller(request, 'write', project);
      return reply.code(201).send(await full(await ctx.automation.schedules.takeOwnership(project.id, request.params.pipeline_schedule_id, caller.name), project));
    },
  );

  app.delete<{ Params: Static<typeof ScheduleParams> }>('/projects/:id/pipeline_schedules/:pipeline_schedule_id', { schema: { params: ScheduleParams, tags: ['pipeline_schedules'] } }, async (request, reply) => {
    const project = await ctx.project(request, request.params.id);
    await ctx.caller(request, 'write', project);
    await ctx.automation.schedules.delete(project.id, request.params.pipeline_schedule_id);
    return reply.code(204).send();
  });

  // "Run now": GitLab queues it and answers 201 {"message": "201 Created"}; we create it at once.
  app.post<{ Params: Static<typeof ScheduleParams> }>(
    '/projects/:id/pipeline_schedules/:pipeline_schedule_id/play',
    { schema: { params: ScheduleParams, tags: ['pipeline_schedules'] } },
    async (request, reply) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'write', project);
      const s = await ctx.automation.schedules.get(project.id, request.params.pipeline_schedule_id);
      const { pipeline } = await ctx.pipelineForRef({ project, ref: s.ref, source: 'schedule', variables: s.variables.map((x) => ({ key: x.key, value: x.value })) });
      if (pipeline) await ctx.automation.schedules.recordPipeline(s.id, pipeline.id);
      return reply.code(201).send({ message: '201 Created' });
    },
  );

  app.post<{ Params: Static<typeof ScheduleParams>; Body: Static<typeof VariableBody> }>(
    '/projects/:id/pipeline_schedules/:pipeline_schedule_id/variables',
    { schema: { params: ScheduleParams, body: VariableBody, tags: ['pipeline_schedules'] } },
    async (request, reply) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'write', project);
      const b = request.body;
      const saved = await ctx.automation.schedules.setVariable(project.id, request.params.pipeline_schedule_id, { key: b.key, value: b.value, variableType: b.variable_type ?? 'env_var' }, 'create');
      return reply.code(201).send(scheduleVariableView(saved));
    },
  );

  app.put<{ Params: Static<typeof VariableParams>; Body: Static<typeof VariableUpdate> }>(
    '/projects/:id/pipeline_schedules/:pipeline_schedule_id/variables/:key',
    { schema: { params: VariableParams, body: VariableUpdate, tags: ['pipeline_schedules'] } },
    async (request) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'write', project);
      const { pipeline_schedule_id: sid, key } = request.params;
      const saved = await ctx.automation.schedules.setVariable(project.id, sid, { key, value: request.body.value, variableType: request.body.variable_type ?? 'env_var' }, 'update');
      return scheduleVariableView(saved);
    },
  );

  app.delete<{ Params: Static<typeof VariableParams> }>(
    '/projects/:id/pipeline_schedules/:pipeline_schedule_id/variables/:key',
    { schema: { params: VariableParams, tags: ['pipeline_schedules'] } },
    async (request) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'write', project);
      return scheduleVariableView(await ctx.automation.schedules.deleteVariable(project.id, request.params.pipeline_schedule_id, request.params.key));
    },
  );
}
