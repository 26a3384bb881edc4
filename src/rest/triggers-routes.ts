// Pipeline triggers: trigger tokens (`/projects/:id/triggers`) and triggering a pipeline with one
// (`POST /projects/:id/trigger/pipeline`, `POST /projects/:id/ref/:ref/trigger/pipeline`), as
// GitLab: the token authenticates by itself (no user token), `variables` comes as a JSON object
// or as `variables[KEY]=value` form fields, and the pipeline's CI_PIPELINE_SOURCE is `trigger`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { AppError, badRequest, notFound } from '../util/errors.js';
import type { PipelineVariable } from '../engine/model.js';
import type { AutomationRoutesContext } from './automation-context.js';
import { triggerView } from './automation-views.js';

const ProjectParams = Type.Object({ id: Type.String() });
const TriggerParams = Type.Object({ id: Type.String(), trigger_id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });
const Description = Type.Object({ description: Type.String({ maxLength: 1024 }) });
const Variables = Type.Union([Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])), Type.Array(Type.Object({ key: Type.String(), value: Type.String() }))]);
const TriggerBody = Type.Object({
  token: Type.Optional(Type.String({ maxLength: 512 })),
  ref: Type.Optional(Type.String({ maxLength: 1024 })),
  variables: Type.Optional(Variables),
  inputs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
const TriggerQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 512 })), ref: Type.Optional(Type.String({ maxLength: 1024 })) });

const VARIABLE_KEY = /^[A-Za-z0-9_]{1,255}$/;

/** `variables` of a trigger: {"K": "V"} (JSON, or form fields variables[K]=V) or [{key, value}]. */
export function triggerVariables(raw: Static<typeof Variables> | undefined): PipelineVariable[] {
  if (raw === undefined) return [];
  const pairs = Array.isArray(raw) ? raw.map((v) => [v.key, v.value] as const) : Object.entries(raw).map(([k, v]) => [k, String(v)] as const);
  if (pairs.length > 200) throw badRequest('variables: at most 200 are allowed');
  return pairs.map(([key, value]) => {
    if (!VARIABLE_KEY.test(key)) throw badRequest(`variables: ${JSON.stringify(key.slice(0, 60))} is not a valid variable name (letters, digits and _ only)`);
    if (value.includes('\u0000')) throw badRequest('variables must not contain NUL characters');
    return { key, value };
  });
}

export function triggerRoutes(app: FastifyInstance, ctx: AutomationRoutesContext): void {
  const base = () => ({ baseUrl: ctx.baseUrl() });

  app.get<{ Params: Static<typeof ProjectParams> }>('/projects/:id/triggers', { schema: { params: ProjectParams, tags: ['triggers'] } }, async (request) => {
    const project = await ctx.project(request, request.params.id);
    await ctx.caller(request, 'write', project);
    return (await ctx.automation.triggers.list(project.id)).map((t) => triggerView(t, base()));
  });

  app.get<{ Params: Static<typeof TriggerParams> }>('/projects/:id/triggers/:trigger_id', { schema: { params: TriggerParams, tags: ['triggers'] } }, async (request) => {
    const project = await ctx.project(request, request.params.id);
    await ctx.caller(request, 'write', project);
    return triggerView(await ctx.automation.triggers.get(project.id, request.params.trigger_id), base());
  });

  app.post<{ Params: Static<typeof ProjectParams>; Body: Static<typeof Description> }>(
    '/projects/:id/triggers',
    { schema: { params: ProjectParams, body: Description, tags: ['triggers'] } },
    async (request, reply) => {
      const project = await ctx.project(request, request.params.id);
      const caller = await ctx.caller(request, 'write', project);
      const { trigger, token } = await ctx.automation.triggers.create(project.id, request.body.description, caller.name);
      return reply.code(201).send(triggerView(trigger, base(), token));
    },
  );

  app.put<{ Params: Static<typeof TriggerParams>; Body: Static<typeof Description> }>(
    '/projects/:id/triggers/:trigger_id',
    { schema: { params: TriggerParams, body: Description, tags: ['triggers'] } },
    async (request) => {
      const project = await ctx.project(request, request.params.id);
      await ctx.caller(request, 'write', project);
      return triggerView(await ctx.automation.triggers.update(project.id, request.params.trigger_id, request.body.description), base());
    },
  );

  app.delete<{ Params: Static<typeof TriggerParams> }>('/projects/:id/triggers/:trigger_id', { schema: { params: TriggerParams, tags: ['triggers'] } }, async (request, reply) => {
    const project = await ctx.project(request, request.params.id);
    await ctx.caller(request, 'write', project);
    await ctx.automation.triggers.delete(project.id, request.params.trigger_id);
    return reply.code(204).send();
  });

  const trigger = async (request: FastifyRequest, projectId: string, input: { token?: string; ref?: string; variables?: Static<typeof Variables> }) => {
    if (!input.token) throw badRequest('token is missing');
    if (!input.ref) throw badRequest('ref is missing');
    const variables = triggerVariables(input.variables);
    // An unknown project and a wrong token look the same (404), as in GitLab.
    const project = await ctx.project(request, projectId);
    // a trigger token of this project (source trigger), or a running job's CI_JOB_TOKEN (a
    // multi-project pipeline, source pipeline, as GitLab)
    const trigger = await ctx.automation.triggers.authenticate(project.id, input.token);
    const job = trigger ? null : await ctx.jobForToken(input.token);
    if (!trigger && !job) throw notFound('404 Not Found');
    const { pipeline } = await ctx.pipelineForRef({ project, ref: input.ref, source: trigger ? 'trigger' : 'pipeline', variables });
    if (!pipeline) throw new AppError('bad_request', 'Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline.', { base: true });
    return ctx.pipelineView(pipeline, project);
  };

  app.post<{ Params: Static<typeof ProjectParams>; Body: Static<typeof TriggerBody> | undefined; Querystring: Static<typeof TriggerQuery> }>(
    '/projects/:id/trigger/pipeline',
    { schema: { params: ProjectParams, body: Type.Optional(TriggerBody), querystring: TriggerQuery, tags: ['triggers'] } },
    async (request, reply) => {
      const body = request.body ?? {};
      const pipeline = await trigger(request, request.params.id, { token: body.token ?? request.query.token, ref: body.ref ?? request.query.ref, variables: body.variables });
      return reply.code(201).send(pipeline);
    },
  );

  const RefParams = Type.Object({ id: Type.String(), ref: Type.String() });
  app.post<{ Params: Static<typeof RefParams>; Body: Static<typeof TriggerBody> | undefined; Querystring: Static<typeof TriggerQuery> }>(
    '/projects/:id/ref/:ref/trigger/pipeline',
    { schema: { params: RefParams, body: Type.Optional(TriggerBody), querystring: TriggerQuery, tags: ['triggers'] } },
    async (request, reply) => {
      const body = request.body ?? {};
      const pipeline = await trigger(request, request.params.id, { token: body.token ?? request.query.token, ref: request.params.ref, variables: body.variables });
      return reply.code(201).send(pipeline);
    },
  );
}
