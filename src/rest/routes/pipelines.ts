// Pipelines (GitLab's Pipelines API): list with GitLab's filters, get, latest, create from a ref
// with variables, retry, cancel, delete, variables, test reports, bridges and jobs of a pipeline.
// Every action is the engine use case the UI uses (create via server/'s pipeline-from-ref).
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { bridgeChildName } from '../../engine/bridge-name.js';
import type { PipelineDetail } from '../../engine/coordinator.js';
import type { Pipeline, PipelineVariable, Project } from '../../engine/model.js';
import { gitlabTestReport, gitlabTestReportSummary } from '../../engine/test-report-json.js';
import type { PipelineSearch } from '../../store/ports.js';
import { AppError, badRequest } from '../../util/errors.js';
import { createMasker, maskText } from '../../util/secret-mask.js';
import { requireScope, type Principal } from '../auth.js';
import { paginateCapped } from '../capped-pagination.js';
import { extra, type RestContext, type RestRoutes } from '../context.js';
import { notFoundError } from '../errors.js';
import { shapeJobs } from '../job-loader.js';
import { projectFromParam } from '../project-param.js';
import { AuthQuery, paginated, RowId } from '../schemas/common.js';
import { BridgeSchema, JobSchema, jobShape } from '../shapes/job-full.js';
import { pipelineBasic, PipelineBasicSchema } from '../shapes/pipeline.js';
import { pipelineShape, PipelineSchema } from '../shapes/pipeline-full.js';
import { JobScopeQuery, statusesOfScope } from './job-scope.js';

/** server/'s pipeline-from-ref (passed in extras as `createPipelineFromRef`). */
type CreatePipelineFromRef = (input: { project: Project; ref: string; variables?: PipelineVariable[]; source: string; pusher?: { tokenId: number; login: string } }) => Promise<PipelineDetail>;

const PIPELINE_STATUSES = ['created', 'waiting_for_resource', 'preparing', 'pending', 'running', 'success', 'failed', 'canceling', 'canceled', 'skipped', 'manual', 'scheduled'] as const;
const lit = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));
const PipelineParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }), pipeline_id: RowId });
const VAR_KEY = /^[A-Za-z0-9_]{1,255}$/;

const VariableInput = Type.Object({
  key: Type.String({ maxLength: 255 }),
  value: Type.Optional(Type.String({ maxLength: 1024 * 1024 })),
  variable_type: Type.Optional(lit(['env_var', 'file'] as const)),
});
/** `[{key, value, variable_type}]` (JSON or `variables[][key]=` forms) or `{K: V}` (trigger style). */
const VariablesInput = Type.Union([Type.Array(VariableInput, { maxItems: 500 }), Type.Record(Type.String(), Type.String())]);

export function pipelineVariablesOf(input: unknown): PipelineVariable[] {
  if (input === undefined || input === null) return [];
  const list = Array.isArray(input)
    ? (input as { key: string; value?: string; variable_type?: string }[])
    : Object.entries(input as Record<string, string>).map(([key, value]) => ({ key, value, variable_type: 'env_var' }));
  return list.map((v) => {
    if (!VAR_KEY.test(v.key)) throw badRequest(`variables key ${JSON.stringify(v.key)} can contain only letters, digits and '_'`);
    return { key: v.key, value: v.value ?? '', ...(v.variable_type === 'file' ? { file: true } : {}) };
  });
}

export async function pipelineOfProject(ctx: RestContext, project: Project, id: number): Promise<Pipeline> {
  const p = await ctx.coordinator.read.pipelineRow(id);
  if (!p || p.projectId !== project.id) throw notFoundError('Pipeline');
  return p;
}

/** GitLab's 400 for a pipeline that cannot be created: {"message": {"base": [...]}}. */
function sendCreateError(reply: FastifyReply, error: unknown): boolean {
  const details = error instanceof AppError ? (error.details as { base?: unknown } | undefined) : undefined;
  if (!error || !(error instanceof AppError) || error.code !== 'bad_request' || !Array.isArray(details?.base)) return false;
  void reply.code(400).type('application/json').send({ message: { base: details.base } });
  return true;
}

async function createFromRef(ctx: RestContext, principal: Principal, project: Project, ref: string, variables: PipelineVariable[]): Promise<PipelineDetail> {
  const create = extra<CreatePipelineFromRef>(ctx, 'createPipelineFromRef');
  return create({ project, ref, variables, source: 'api', pusher: principal.user ? { tokenId: principal.user.id, login: principal.user.username } : undefined });
}

async function reportMasker(ctx: RestContext, projectId: number): Promise<(t: string) => string> {
  const [instance, project] = await Promise.all([ctx.coordinator.read.variables(null), ctx.coordinator.read.variables(projectId)]);
  const masker = createMasker([...instance, ...project].filter((v) => v.masked).map((v) => v.value));
  return (t) => maskText(masker, t);
}

const ListQuery = paginated({
  ...AuthQuery,
  scope: Type.Optional(lit(['running', 'pending', 'finished', 'branches', 'tags'] as const)),
  status: Type.Optional(lit(PIPELINE_STATUSES)),
  ref: Type.Optional(Type.String({ maxLength: 1024 })),
  sha: Type.Optional(Type.String({ maxLength: 64 })),
  source: Type.Optional(Type.String({ maxLength: 64 })),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  username: Type.Optional(Type.String({ maxLength: 255 })),
  updated_after: Type.Optional(Type.String({ format: 'date-time' })),
  updated_before: Type.Optional(Type.String({ format: 'date-time' })),
  yaml_errors: Type.Optional(Type.Boolean()),
});

const ORDER_BY = ['id', 'status', 'ref', 'updated_at', 'user_id'] as const;

export const pipelineRoutes: RestRoutes = (app, ctx) => {
  const base = () => ctx.externalUrl();
  const { coordinator } = ctx;

  app.get('/projects/:id/pipelines', { schema: { tags: ['pipelines'], params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }) }), querystring: ListQuery, response: { 200: Type.Array(PipelineBasicSchema) } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const q = request.query;
    if (q.order_by !== undefined && !(ORDER_BY as readonly string[]).includes(q.order_by)) throw badRequest('order_by does not have a valid value');
    const search: PipelineSearch = {
      projectId: project.id,
      ref: q.ref,
      sha: q.sha,
      source: q.source,
      username: q.username,
      updatedAfter: q.updated_after ? new Date(q.updated_after).toISOString() : undefined,
      updatedBefore: q.updated_before ? new Date(q.updated_before).toISOString() : undefined,
      orderBy: (q.order_by as PipelineSearch['orderBy']) ?? 'id',
      sort: q.sort ?? 'desc',
    };
    if (q.status) search.statuses = [q.status];
    if (q.scope === 'running' || q.scope === 'pending') search.statuses = [q.scope];
    if (q.scope === 'finished') search.statuses = ['success', 'failed', 'canceled', 'skipped'];
    if (q.scope === 'branches') search.tag = false;
    if (q.scope === 'tags') search.tag = true;
    if (q.status && search.statuses && !search.statuses.includes(q.status)) search.statuses = ['-none-'];
    const rows = await paginateCapped(request, reply, {
      baseUrl: base(),
      count: (cap) => coordinator.read.countPipelines(search, cap),
      page: (offset, limit) => coordinator.read.searchPipelines(search, { offset, limit }),
    });
    const filtered = q.yaml_errors === undefined ? rows : rows.filter((p) => !!p.yamlErrors?.length === q.yaml_errors);
    return (q.name === undefined ? filtered : filtered.filter((p) => p.name === q.name)).map((p) => pipelineBasic(p, project, base()));
  });

  app.get('/projects/:id/pipelines/latest', { schema: { tags: ['pipelines'], params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }) }), querystring: Type.Object({ ...AuthQuery, ref: Type.Optional(Type.String({ maxLength: 1024 })) }), response: { 200: PipelineSchema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const [latest] = await coordinator.read.searchPipelines({ projectId: project.id, ref: request.query.ref ?? project.defaultBranch }, { offset: 0, limit: 1 });
    if (!latest) throw notFoundError('Pipeline');
    return pipelineShape(latest, project, base());
  });

  app.get('/projects/:id/pipelines/:pipeline_id', { schema: { tags: ['pipelines'], params: PipelineParams, querystring: Type.Object(AuthQuery), response: { 200: PipelineSchema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    return pipelineShape(await pipelineOfProject(ctx, project, request.params.pipeline_id), project, base());
  });

  app.post(
    '/projects/:id/pipeline',
    {
      schema: {
        tags: ['pipelines'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }) }),
        querystring: Type.Object({ ...AuthQuery, ref: Type.Optional(Type.String({ maxLength: 1024 })) }),
        body: Type.Optional(Type.Object({ ref: Type.Optional(Type.String({ maxLength: 1024 })), variables: Type.Optional(VariablesInput) })),
        response: { 201: PipelineSchema },
      },
    },
    async (request, reply) => {
      const principal = await requireScope(request, ctx, 'api');
      const project = await projectFromParam(ctx, principal, request.params.id);
      const ref = request.body?.ref ?? request.query.ref;
      if (!ref) throw badRequest('ref is missing');
      const variables = pipelineVariablesOf(request.body?.variables);
      try {
        const detail = await createFromRef(ctx, principal, project, ref, variables);
        return reply.code(201).send(pipelineShape(detail.pipeline, project, base()));
      } catch (error) {
        if (sendCreateError(reply, error)) return reply;
        throw error;
      }
    },
  );

  app.post('/projects/:id/pipelines/:pipeline_id/retry', { schema: { tags: ['pipelines'], params: PipelineParams, querystring: Type.Object(AuthQuery), response: { 201: PipelineSchema } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const p = await pipelineOfProject(ctx, project, request.params.pipeline_id);
    await coordinator.retryPipeline(p.id);
    return reply.code(201).send(pipelineShape((await coordinator.read.pipelineRow(p.id))!, project, base()));
  });

  app.post('/projects/:id/pipelines/:pipeline_id/cancel', { schema: { tags: ['pipelines'], params: PipelineParams, querystring: Type.Object(AuthQuery), response: { 200: PipelineSchema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const p = await pipelineOfProject(ctx, project, request.params.pipeline_id);
    await coordinator.cancelPipeline(p.id);
    return pipelineShape((await coordinator.read.pipelineRow(p.id))!, project, base());
  });

  app.delete('/projects/:id/pipelines/:pipeline_id', { schema: { tags: ['pipelines'], params: PipelineParams, querystring: Type.Object(AuthQuery) } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const p = await pipelineOfProject(ctx, project, request.params.pipeline_id);
    const { storageKeys } = await coordinator.deletePipeline(p.id);
    for (const key of storageKeys) await ctx.blobs.remove(key).catch((e: unknown) => request.log.warn({ err: e, key }, 'artifact blob not removed'));
    // refs/pipelines/<id> in the project's repository goes too (server/ passes git's delete)
    const dropRef = ctx.extras.deletePipelineRef as ((project: Project, pipelineId: number) => Promise<void>) | undefined;
    await dropRef?.(project, p.id).catch((e: unknown) => request.log.warn({ err: e, pipelineId: p.id }, 'pipeline ref not removed'));
    return reply.code(204).send();
  });

  app.get(
    '/projects/:id/pipelines/:pipeline_id/variables',
    { schema: { tags: ['pipelines'], params: PipelineParams, querystring: Type.Object(AuthQuery), response: { 200: Type.Array(Type.Object({ variable_type: Type.String(), key: Type.String(), value: Type.String(), raw: Type.Boolean() })) } } },
    async (request) => {
      const principal = await requireScope(request, ctx, 'read_api');
      const project = await projectFromParam(ctx, principal, request.params.id);
      const p = await pipelineOfProject(ctx, project, request.params.pipeline_id);
      return p.variables.map((v) => ({ variable_type: v.file ? 'file' : 'env_var', key: v.key, value: v.value, raw: false }));
    },
  );

  app.get('/projects/:id/pipelines/:pipeline_id/test_report', { schema: { tags: ['pipelines'], params: PipelineParams, querystring: Type.Object(AuthQuery) } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const p = await pipelineOfProject(ctx, project, request.params.pipeline_id);
    const report = await coordinator.read.testReport(p.id, { cases: true });
    if (!report) throw notFoundError('Pipeline');
    return gitlabTestReport(report, await reportMasker(ctx, project.id));
  });

  app.get('/projects/:id/pipelines/:pipeline_id/test_report_summary', { schema: { tags: ['pipelines'], params: PipelineParams, querystring: Type.Object(AuthQuery) } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const p = await pipelineOfProject(ctx, project, request.params.pipeline_id);
    const report = await coordinator.read.testReport(p.id, { cases: false });
    if (!report) throw notFoundError('Pipeline');
    return gitlabTestReportSummary(report);
  });

  app.get(
    '/projects/:id/pipelines/:pipeline_id/jobs',
    { schema: { tags: ['jobs'], params: PipelineParams, querystring: paginated({ ...AuthQuery, ...JobScopeQuery, include_retried: Type.Optional(Type.Boolean()) }), response: { 200: Type.Array(JobSchema) } } },
    async (request, reply) => {
      const principal = await requireScope(request, ctx, 'read_api');
      const project = await projectFromParam(ctx, principal, request.params.id);
      const p = await pipelineOfProject(ctx, project, request.params.pipeline_id);
      const search = { pipelineId: p.id, statuses: statusesOfScope(request.query.scope), includeRetried: request.query.include_retried === true, bridges: false, sort: 'asc' as const };
      const jobs = await paginateCapped(request, reply, {
        baseUrl: base(),
        count: (cap) => coordinator.read.countJobs(search, cap),
        page: (offset, limit) => coordinator.read.searchJobs(search, { offset, limit }),
      });
      return shapeJobs(ctx, jobs, project);
    },
  );

  app.get(
    '/projects/:id/pipelines/:pipeline_id/bridges',
    { schema: { tags: ['jobs'], params: PipelineParams, querystring: paginated({ ...AuthQuery, ...JobScopeQuery }), response: { 200: Type.Array(BridgeSchema) } } },
    async (request, reply) => {
      const principal = await requireScope(request, ctx, 'read_api');
      const project = await projectFromParam(ctx, principal, request.params.id);
      const p = await pipelineOfProject(ctx, project, request.params.pipeline_id);
      const search = { pipelineId: p.id, statuses: statusesOfScope(request.query.scope), bridges: true, sort: 'asc' as const };
      const jobs = await paginateCapped(request, reply, {
        baseUrl: base(),
        count: (cap) => coordinator.read.countJobs(search, cap),
        page: (offset, limit) => coordinator.read.searchJobs(search, { offset, limit }),
      });
      const children = await coordinator.read.childPipelines(p.id);
      return jobs.map((job) => {
        const child = children.find((c) => c.name === bridgeChildName(job));
        const { artifacts: _a, artifacts_file: _f, artifacts_expire_at: _e, runner: _r, tag_list: _t, ...rest } = jobShape({ job, pipeline: p, project, artifacts: [], erasedAt: null }, base());
        return { ...rest, downstream_pipeline: child ? pipelineBasic(child, project, base()) : null };
      });
    },
  );
};
