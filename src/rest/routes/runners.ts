// Runners: GET /runners (the caller's: every runner for an admin, project runners otherwise),
// GET /runners/all (admin), GET/PUT/DELETE /runners/:id (PUT: paused/active, description,
// tag_list, run_untagged, locked, access_level, maximum_timeout), GET /runners/:id/jobs and
// GET /projects/:id/runners. Same use cases as the UI API (engine/use-cases/runners.ts).
// The runner API keeps POST /runners, POST /runners/verify and DELETE /runners (by token).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { JobStatus, Pipeline, Project, Runner, RunnerManager } from '../../engine/model.js';
import { lastContact, runnerStatus } from '../../engine/runner-status.js';
import { badRequest } from '../../util/errors.js';
import { forbidden, requireScope, type Principal } from '../auth.js';
import type { RestContext, RestRoutes } from '../context.js';
import { notFoundError } from '../errors.js';
import { paginate, paginateWith } from '../pagination.js';
import { projectFromParam } from '../project-param.js';
import { paginated, RowId } from '../schemas/common.js';
import { JobBasicSchema, jobBasic } from '../shapes/job.js';

const RunnerSchema = Type.Object({
  id: Type.Integer(),
  description: Type.String(),
  ip_address: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
  paused: Type.Boolean(),
  is_shared: Type.Boolean(),
  runner_type: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  online: Type.Boolean(),
  status: Type.String(),
  created_at: Type.String(),
});

const RunnerDetailSchema = Type.Composite([
  RunnerSchema,
  Type.Object({
    tag_list: Type.Array(Type.String()),
    run_untagged: Type.Boolean(),
    locked: Type.Boolean(),
    maximum_timeout: Type.Union([Type.Integer(), Type.Null()]),
    access_level: Type.String(),
    version: Type.Union([Type.String(), Type.Null()]),
    revision: Type.Union([Type.String(), Type.Null()]),
    platform: Type.Union([Type.String(), Type.Null()]),
    architecture: Type.Union([Type.String(), Type.Null()]),
    contacted_at: Type.Union([Type.String(), Type.Null()]),
    maintenance_note: Type.Union([Type.String(), Type.Null()]),
    projects: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), name_with_namespace: Type.String(), path: Type.String(), path_with_namespace: Type.String() })),
    groups: Type.Array(Type.Unknown()),
  }),
]);

type Entry = { runner: Runner; managers: RunnerManager[] };

function runnerShape({ runner, managers }: Entry): Static<typeof RunnerSchema> {
  const status = runnerStatus(lastContact(runner, managers));
  const latest = [...managers].sort((a, b) => b.contactedAt.localeCompare(a.contactedAt))[0];
  return {
    id: runner.id,
    description: runner.description,
    ip_address: null,
    active: !runner.paused,
    paused: runner.paused,
    is_shared: runner.projectId === null,
    runner_type: runner.projectId === null ? 'instance_type' : 'project_type',
    name: latest?.name || null,
    online: status === 'online',
    status,
    created_at: runner.createdAt,
  };
}

async function runnerDetail(ctx: RestContext, entry: Entry): Promise<Static<typeof RunnerDetailSchema>> {
  const { runner, managers } = entry;
  const latest = [...managers].sort((a, b) => b.contactedAt.localeCompare(a.contactedAt))[0];
  const last = lastContact(runner, managers);
  const project = runner.projectId === null ? null : await ctx.coordinator.read.project(runner.projectId);
  return {
    ...runnerShape(entry),
    tag_list: runner.tags,
    run_untagged: runner.runUntagged,
    locked: runner.locked,
    maximum_timeout: runner.maximumTimeout,
    access_level: runner.accessLevel,
    version: latest?.version ?? null,
    revision: latest?.revision ?? null,
    platform: latest?.platform ?? null,
    architecture: latest?.architecture ?? null,
    contacted_at: last === null ? null : new Date(last).toISOString(),
    maintenance_note: null,
    projects: project ? [{ id: project.id, name: project.name, name_with_namespace: project.path.split('/').join(' / '), path: project.path.split('/').pop() ?? project.path, path_with_namespace: project.path }] : [],
    groups: [],
  };
}

const ListQuery = paginated({
  type: Type.Optional(Type.Union([Type.Literal('instance_type'), Type.Literal('group_type'), Type.Literal('project_type')])),
  status: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('stale'), Type.Literal('never_contacted'), Type.Literal('active'), Type.Literal('paused')])),
  paused: Type.Optional(Type.Boolean()),
  tag_list: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 255 })), Type.String({ maxLength: 4096 })])),
  scope: Type.Optional(Type.String({ maxLength: 32 })),
});
type ListQuery = Static<typeof ListQuery>;

const tagsOf = (v: string | string[] | undefined): string[] | undefined =>
  // "a,b" or ["a", "b"] (Ajv may also hand a string over as ["a,b"])
  v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);

function filterRunners(list: Entry[], q: ListQuery): Entry[] {
  const tags = tagsOf(q.tag_list);
  return list.filter((e) => {
    const shape = runnerShape(e);
    if (q.type && shape.runner_type !== q.type) return false;
    const status = q.status ?? q.scope;
    if (status === 'active' && e.runner.paused) return false;
    if (status === 'paused' && !e.runner.paused) return false;
    if ((status === 'online' || status === 'offline' || status === 'never_contacted') && shape.status !== status) return false;
    if (status === 'stale') return false;
    if (q.paused !== undefined && e.runner.paused !== q.paused) return false;
    if (tags && !tags.every((t) => e.runner.tags.includes(t))) return false;
    return true;
  });
}

/** May the caller manage this runner? Admins any; a maintainer (any user here) the runners of a project they reach. */
function mayManage(principal: Principal, runner: Runner): boolean {
  if (principal.isAdmin && principal.projectId === null) return true;
  return runner.projectId !== null && (principal.projectId === null || principal.projectId === runner.projectId) && principal.token?.accessLevel !== undefined && (principal.token.accessLevel === null || principal.token.accessLevel >= 40);
}

const UpdateBody = Type.Object({
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  paused: Type.Optional(Type.Boolean()),
  active: Type.Optional(Type.Boolean()),
  tag_list: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 255 })), Type.String({ maxLength: 4096 })])),
  run_untagged: Type.Optional(Type.Boolean()),
  locked: Type.Optional(Type.Boolean()),
  access_level: Type.Optional(Type.Union([Type.Literal('not_protected'), Type.Literal('ref_protected')])),
  maximum_timeout: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  maintenance_note: Type.Optional(Type.String({ maxLength: 1024 })),
});

const JOB_STATUSES = ['created', 'pending', 'running', 'success', 'failed', 'canceled', 'canceling', 'skipped', 'manual', 'scheduled', 'waiting_for_resource'] as const;

export const runnerRoutes: RestRoutes = (app, ctx) => {
  const find = async (request: FastifyRequest, id: number, need: 'read_api' | 'api'): Promise<{ principal: Principal; entry: Entry }> => {
    const principal = await requireScope(request, ctx, need);
    const entry = (await ctx.coordinator.read.runners()).find((r) => r.runner.id === id);
    // a runner the caller cannot manage is not there for them (GitLab answers 404 or 403)
    if (!entry) throw notFoundError('Runner');
    if (!mayManage(principal, entry.runner)) throw forbidden();
    return { principal, entry };
  };

  app.get('/runners', { schema: { tags: ['runners'], summary: "The caller's runners", querystring: ListQuery, response: { 200: Type.Array(RunnerSchema) } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const all = (await ctx.coordinator.read.runners()).filter((e) => mayManage(principal, e.runner));
    return paginate(request, reply, filterRunners(all, request.query), { baseUrl: ctx.externalUrl(), idOf: (e) => e.runner.id }).map(runnerShape);
  });

  app.get('/runners/all', { schema: { tags: ['runners'], summary: 'Every runner (admin)', querystring: ListQuery, response: { 200: Type.Array(RunnerSchema) } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'read_api');
    if (!principal.isAdmin) throw forbidden();
    return paginate(request, reply, filterRunners(await ctx.coordinator.read.runners(), request.query), { baseUrl: ctx.externalUrl(), idOf: (e) => e.runner.id }).map(runnerShape);
  });

  app.get('/runners/:id', { schema: { tags: ['runners'], summary: 'Get a runner', params: Type.Object({ id: RowId }), response: { 200: RunnerDetailSchema } } }, async (request) => {
    const { entry } = await find(request, request.params.id, 'read_api');
    return runnerDetail(ctx, entry);
  });

  app.put('/runners/:id', { schema: { tags: ['runners'], summary: 'Update a runner (pause with paused=true)', params: Type.Object({ id: RowId }), body: UpdateBody, response: { 200: RunnerDetailSchema } } }, async (request) => {
    const { entry } = await find(request, request.params.id, 'api');
    const b = request.body ?? {};
    if (b.paused !== undefined && b.active !== undefined && b.paused === b.active) throw badRequest('active, paused are mutually exclusive');
    const patch = {
      paused: b.paused ?? (b.active === undefined ? undefined : !b.active),
      description: b.description,
      tags: tagsOf(b.tag_list),
      runUntagged: b.run_untagged,
      locked: b.locked,
      accessLevel: b.access_level,
      maximumTimeout: b.maximum_timeout,
    };
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const runner = await ctx.coordinator.updateRunner(entry.runner.id, defined);
    return runnerDetail(ctx, { runner, managers: entry.managers });
  });

  app.delete('/runners/:id', { schema: { tags: ['runners'], summary: 'Delete a runner', params: Type.Object({ id: RowId }) } }, async (request, reply) => {
    const { entry } = await find(request, request.params.id, 'api');
    await ctx.coordinator.deleteRunner(entry.runner.id);
    return reply.code(204).send();
  });

  app.get(
    '/runners/:id/jobs',
    {
      schema: {
        tags: ['runners'],
        summary: "Jobs a runner took (newest first by default)",
        params: Type.Object({ id: RowId }),
        querystring: paginated({ status: Type.Optional(Type.Union(JOB_STATUSES.map((s) => Type.Literal(s)))) }),
        response: { 200: Type.Array(JobBasicSchema) },
      },
    },
    async (request, reply) => {
      const { entry } = await find(request, request.params.id, 'read_api');
      const q = request.query;
      const statuses: JobStatus[] | undefined = q.status ? [q.status] : undefined;
      const jobs = await paginateWith(request, reply, async (offset, limit) => {
        const page = await ctx.coordinator.read.runnerJobs(entry.runner.id, { statuses, offset, limit, desc: (q.sort ?? 'desc') === 'desc' });
        return { total: page.total, items: page.jobs };
      }, { baseUrl: ctx.externalUrl() });
      const pipelines = new Map<number, { pipeline: Pipeline; project: Project } | null>();
      const out = [];
      for (const job of jobs) {
        if (!pipelines.has(job.pipelineId)) {
          const d = await ctx.coordinator.read.pipeline(job.pipelineId);
          pipelines.set(job.pipelineId, d ? { pipeline: d.pipeline, project: d.project } : null);
        }
        const p = pipelines.get(job.pipelineId);
        if (p) out.push(jobBasic(job, p.pipeline, p.project, ctx.externalUrl()));
      }
      return out;
    },
  );

  app.get('/projects/:id/runners', { schema: { tags: ['runners'], summary: "Runners a project's jobs can use", params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }) }), querystring: ListQuery, response: { 200: Type.Array(RunnerSchema) } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const list = (await ctx.coordinator.read.runners()).filter((e) => e.runner.projectId === null || e.runner.projectId === project.id);
    return paginate(request, reply, filterRunners(list, request.query), { baseUrl: ctx.externalUrl(), idOf: (e) => e.runner.id }).map(runnerShape);
  });
};
