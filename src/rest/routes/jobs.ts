// Jobs (GitLab's Jobs API): a project's jobs (scope[]), one job, its log as plain text (masked
// CI/CD variable values as [MASKED], as the UI shows it), retry, cancel, play (with
// job_variables_attributes), erase; and GET /job for a CI_JOB_TOKEN. Actions are the engine's use
// cases; GitLab's answers for what cannot be done (403 "Job is not retryable", 400 "Unplayable Job").
import { Type } from '@sinclair/typebox';
import { AppError, badRequest, forbidden } from '../../util/errors.js';
import { createMasker } from '../../util/secret-mask.js';
import { requireScope } from '../auth.js';
import { paginateCapped } from '../capped-pagination.js';
import type { RestRoutes } from '../context.js';
import { jobOfProject, shapeJob, shapeJobs } from '../job-loader.js';
import { projectFromParam } from '../project-param.js';
import { AuthQuery, paginated, RowId } from '../schemas/common.js';
import { JobSchema } from '../shapes/job-full.js';
import { JobScopeQuery, statusesOfScope } from './job-scope.js';
import { pipelineVariablesOf } from './pipelines.js';

const JobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }), job_id: RowId });
const RETRYABLE = ['success', 'failed', 'canceled'];

/** An engine conflict becomes GitLab's wording for that action. */
function asGitlab(error: unknown, status: 400 | 403, message: string): unknown {
  return error instanceof AppError && error.code === 'conflict' ? new AppError(status === 400 ? 'bad_request' : 'forbidden', message) : error;
}

export const jobRoutes: RestRoutes = (app, ctx) => {
  const { coordinator } = ctx;

  app.get('/projects/:id/jobs', { schema: { tags: ['jobs'], params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }) }), querystring: paginated({ ...AuthQuery, ...JobScopeQuery }), response: { 200: Type.Array(JobSchema) } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const search = { projectId: project.id, statuses: statusesOfScope(request.query.scope), bridges: false, includeRetried: true, sort: 'desc' as const };
    const jobs = await paginateCapped(request, reply, {
      baseUrl: ctx.externalUrl(),
      count: (cap) => coordinator.read.countJobs(search, cap),
      page: (offset, limit) => coordinator.read.searchJobs(search, { offset, limit }),
    });
    return shapeJobs(ctx, jobs, project);
  });

  app.get('/job', { schema: { tags: ['jobs'], querystring: Type.Object(AuthQuery), response: { 200: JobSchema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api', { jobToken: true });
    if (!principal.jobToken) throw forbidden('403 Forbidden - GET /job needs a CI_JOB_TOKEN');
    return shapeJob(ctx, principal.jobToken);
  });

  app.get('/projects/:id/jobs/:job_id', { schema: { tags: ['jobs'], params: JobParams, querystring: Type.Object(AuthQuery), response: { 200: JobSchema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    return shapeJob(ctx, await jobOfProject(ctx, project, request.params.job_id), project);
  });

  app.get('/projects/:id/jobs/:job_id/trace', { schema: { tags: ['jobs'], params: JobParams, querystring: Type.Object(AuthQuery) } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const job = await jobOfProject(ctx, project, request.params.job_id);
    const [instance, own] = await Promise.all([coordinator.read.variables(null), coordinator.read.variables(project.id)]);
    const masker = createMasker([...instance, ...own].filter((v) => v.masked).map((v) => v.value));
    reply.type('text/plain; charset=utf-8');
    if (masker.maxLength === 0) return reply.send(ctx.traces.stream(job.id));
    return reply.send(masker.mask(await ctx.traces.read(job.id)));
  });

  app.post('/projects/:id/jobs/:job_id/retry', { schema: { tags: ['jobs'], params: JobParams, querystring: Type.Object(AuthQuery), response: { 201: JobSchema } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const job = await jobOfProject(ctx, project, request.params.job_id);
    if (!RETRYABLE.includes(job.status) || job.retried) throw forbidden('403 Forbidden - Job is not retryable');
    const next = await coordinator.retryJob(job.id).catch((e: unknown) => {
      throw asGitlab(e, 403, '403 Forbidden - Job is not retryable');
    });
    return reply.code(201).send(await shapeJob(ctx, next, project));
  });

  app.post('/projects/:id/jobs/:job_id/cancel', { schema: { tags: ['jobs'], params: JobParams, querystring: Type.Object(AuthQuery), response: { 201: JobSchema } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const job = await jobOfProject(ctx, project, request.params.job_id);
    await coordinator.cancelJob(job.id);
    return reply.code(201).send(await shapeJob(ctx, (await coordinator.read.job(job.id))!, project));
  });

  app.post(
    '/projects/:id/jobs/:job_id/play',
    {
      schema: {
        tags: ['jobs'],
        params: JobParams,
        querystring: Type.Object(AuthQuery),
        body: Type.Optional(Type.Object({ job_variables_attributes: Type.Optional(Type.Array(Type.Object({ key: Type.String({ maxLength: 255 }), value: Type.Optional(Type.String()) }), { maxItems: 200 })) })),
        response: { 200: JobSchema },
      },
    },
    async (request) => {
      const principal = await requireScope(request, ctx, 'api');
      const project = await projectFromParam(ctx, principal, request.params.id);
      const job = await jobOfProject(ctx, project, request.params.job_id);
      if (job.status !== 'manual' && job.status !== 'scheduled') throw badRequest('Unplayable Job');
      const variables = pipelineVariablesOf(request.body?.job_variables_attributes);
      const played = await coordinator.playJob(job.id, variables).catch((e: unknown) => {
        throw asGitlab(e, 400, 'Unplayable Job');
      });
      return shapeJob(ctx, played, project);
    },
  );

  app.post('/projects/:id/jobs/:job_id/erase', { schema: { tags: ['jobs'], params: JobParams, querystring: Type.Object(AuthQuery), response: { 201: JobSchema } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const job = await jobOfProject(ctx, project, request.params.job_id);
    const { storageKeys } = await coordinator.eraseJob(job.id);
    for (const key of storageKeys) await ctx.blobs.remove(key).catch((e: unknown) => request.log.warn({ err: e, key }, 'artifact blob not removed'));
    return reply.code(201).send(await shapeJob(ctx, (await coordinator.read.job(job.id))!, project));
  });
};
