// Job artifacts (GitLab's Job Artifacts API): the archive of a job, one file out of it, the same
// by ref and job name (the latest successful pipeline of the ref that has that job succeeded),
// and keep. A CI_JOB_TOKEN reaches these for jobs of its own project while its job runs (auth.ts;
// project-param.ts turns another project into 404). Files out of an archive are served as
// attachments (never rendered as HTML of this origin).
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { openZipEntry, zipSourceFromBlob } from '../../artifacts/zip-read.js';
import type { Artifact, Job, Project } from '../../engine/model.js';
import { badRequest } from '../../util/errors.js';
import { requireScope } from '../auth.js';
import type { RestContext, RestRoutes } from '../context.js';
import { notFoundError } from '../errors.js';
import { jobOfProject, shapeJob } from '../job-loader.js';
import { projectFromParam } from '../project-param.js';
import { AuthQuery, RowId } from '../schemas/common.js';
import { JobSchema } from '../shapes/job-full.js';

const IdParam = Type.String({ minLength: 1, maxLength: 1024 });
const JobParams = Type.Object({ id: IdParam, job_id: RowId });
const JobFileParams = Type.Object({ id: IdParam, job_id: RowId, '*': Type.String({ maxLength: 4096 }) });
const RefParams = Type.Object({ id: IdParam, ref_name: Type.String({ minLength: 1, maxLength: 1024 }) });
const RefFileParams = Type.Object({ id: IdParam, ref_name: Type.String({ minLength: 1, maxLength: 1024 }), '*': Type.String({ maxLength: 4096 }) });
const ByName = Type.Object({ ...AuthQuery, job: Type.String({ minLength: 1, maxLength: 255 }), job_token: Type.Optional(Type.String()) });
const SEARCH_PIPELINES = 20;

function attachment(reply: FastifyReply, filename: string): void {
  const base = filename.split('/').pop() || 'download';
  const ascii = base.replace(/[^\x20-\x7e]|["\\]/g, '_');
  reply.header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`);
  reply.header('content-security-policy', "default-src 'none'; sandbox");
}

async function archiveOf(ctx: RestContext, job: Job): Promise<Artifact> {
  const archive = (await ctx.coordinator.read.artifacts(job.id)).filter((a) => a.fileType === 'archive').sort((a, b) => b.id - a.id)[0];
  if (!archive || !(await ctx.blobs.stat(archive.storageKey))) throw notFoundError('');
  return archive;
}

/** The job named `name` of the latest successful pipeline on `ref` that has it (with an archive). */
async function jobByRef(ctx: RestContext, project: Project, ref: string, name: string): Promise<Job> {
  const pipelines = await ctx.coordinator.read.searchPipelines({ projectId: project.id, ref, statuses: ['success'] }, { offset: 0, limit: SEARCH_PIPELINES });
  for (const p of pipelines) {
    const jobs = await ctx.coordinator.read.searchJobs({ pipelineId: p.id, statuses: ['success'] }, { offset: 0, limit: 1000 });
    const job = jobs.find((j) => j.name === name);
    if (!job) continue;
    if ((await ctx.coordinator.read.artifacts(job.id)).some((a) => a.fileType === 'archive')) return job;
  }
  throw notFoundError('');
}

async function sendArchive(ctx: RestContext, reply: FastifyReply, job: Job) {
  const archive = await archiveOf(ctx, job);
  attachment(reply, archive.filename);
  reply.type(archive.fileFormat === 'zip' ? 'application/zip' : 'application/octet-stream').header('content-length', String(archive.size));
  return reply.send(await ctx.blobs.get(archive.storageKey));
}

async function sendFile(ctx: RestContext, request: FastifyRequest, reply: FastifyReply, job: Job, path: string) {
  if (!path) throw badRequest('artifact_path is missing');
  const archive = await archiveOf(ctx, job);
  if (archive.fileFormat !== 'zip') throw badRequest('the archive is not a zip');
  const ac = new AbortController();
  reply.raw.on('close', () => ac.abort());
  const { entry, stream } = await openZipEntry(await zipSourceFromBlob(ctx.blobs, archive.storageKey), path, { signal: ac.signal });
  attachment(reply, entry.path);
  request.log.debug({ jobId: job.id, path: entry.path }, 'artifact file');
  return reply.type('application/octet-stream').header('content-length', String(entry.size)).send(stream);
}

export const jobArtifactRoutes: RestRoutes = (app, ctx) => {
  const project = async (request: FastifyRequest, id: string) => projectFromParam(ctx, await requireScope(request, ctx, 'read_api', { jobToken: true }), id);

  app.get('/projects/:id/jobs/:job_id/artifacts', { schema: { tags: ['job artifacts'], params: JobParams, querystring: Type.Object(AuthQuery) } }, async (request, reply) => {
    const p = await project(request, request.params.id);
    return sendArchive(ctx, reply, await jobOfProject(ctx, p, request.params.job_id));
  });

  app.get('/projects/:id/jobs/:job_id/artifacts/*', { schema: { tags: ['job artifacts'], params: JobFileParams, querystring: Type.Object(AuthQuery) } }, async (request, reply) => {
    const p = await project(request, request.params.id);
    return sendFile(ctx, request, reply, await jobOfProject(ctx, p, request.params.job_id), request.params['*']);
  });

  app.get('/projects/:id/jobs/artifacts/:ref_name/download', { schema: { tags: ['job artifacts'], params: RefParams, querystring: ByName } }, async (request, reply) => {
    const p = await project(request, request.params.id);
    return sendArchive(ctx, reply, await jobByRef(ctx, p, request.params.ref_name, request.query.job));
  });

  app.get('/projects/:id/jobs/artifacts/:ref_name/raw/*', { schema: { tags: ['job artifacts'], params: RefFileParams, querystring: ByName } }, async (request, reply) => {
    const p = await project(request, request.params.id);
    return sendFile(ctx, request, reply, await jobByRef(ctx, p, request.params.ref_name, request.query.job), request.params['*']);
  });

  app.post('/projects/:id/jobs/:job_id/artifacts/keep', { schema: { tags: ['job artifacts'], params: JobParams, querystring: Type.Object(AuthQuery), response: { 200: JobSchema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'api');
    const p = await projectFromParam(ctx, principal, request.params.id);
    const job = await jobOfProject(ctx, p, request.params.job_id);
    await ctx.coordinator.keepArtifacts(job.id);
    return shapeJob(ctx, job, p);
  });
};
