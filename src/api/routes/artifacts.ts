// A job's artifacts: the list, a whole download, the zip's listing and one file out of the zip.
// Single files are served so that they can never run as a page of this origin: no HTML or SVG
// content type, `nosniff`, and a sandboxing Content-Security-Policy.
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { Artifact } from '../../engine/model.js';
import { listZipEntries, openZipEntry, zipSourceFromBlob } from '../../artifacts/zip-read.js';
import { badRequest, notFound } from '../../util/errors.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ArtifactParams, IdParams, ZipEntriesQuery, ZipFileQuery } from '../schemas/inputs.js';
import { ArtifactSchema, PipelineArtifactSchema, ZipListingSchema } from '../schemas/views.js';
import { artifactView } from '../views.js';

const SAFE_TYPES: Record<string, string> = {
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  md: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xml: 'text/plain; charset=utf-8',
  csv: 'text/plain; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
};

const TEXT_EXTENSIONS = new Set(['yml', 'yaml', 'sh', 'js', 'ts', 'html', 'htm', 'css', 'svg', 'env', 'toml', 'ini', 'py', 'go', 'rs', 'c', 'h', 'java', 'rb']);

export function contentTypeFor(path: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  if (SAFE_TYPES[ext]) return SAFE_TYPES[ext];
  if (TEXT_EXTENSIONS.has(ext)) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

function disposition(kind: 'inline' | 'attachment', filename: string): string {
  const base = filename.split('/').pop() || 'download';
  const ascii = base.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}

function hardenFile(reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
}

export function artifactRoutes(app: ApiApp, ctx: ApiContext): void {
  const { coordinator, blobs } = ctx;
  const tags = ['artifacts'];

  /** An artifact of the job by numeric id or by file type ("archive", "junit"…). */
  const find = async (jobId: number, ref: string): Promise<Artifact> => {
    const job = await coordinator.read.job(jobId);
    if (!job) throw notFound(`job ${jobId} not found`);
    const artifacts = await coordinator.read.artifacts(jobId);
    const found = /^\d+$/.test(ref)
      ? artifacts.find((a) => a.id === Number(ref))
      : artifacts.filter((a) => a.fileType === ref).sort((a, b) => b.id - a.id)[0];
    if (!found) throw notFound(`job ${jobId} has no artifact ${ref}`);
    // kept past expire_in while its pipeline is locked; the expiry sweep removes it otherwise
    return found;
  };

  const requireZip = (a: Artifact) => {
    if (a.fileFormat !== 'zip') throw badRequest(`artifact ${a.id} is ${a.fileFormat}, not a zip archive`);
  };

  app.get('/jobs/:id/artifacts', { schema: { tags, params: IdParams, response: { 200: Type.Array(ArtifactSchema) } } }, async (request) => {
    await ctx.require(request, 'read');
    const jobId = request.params.id;
    if (!(await coordinator.read.job(jobId))) throw notFound(`job ${jobId} not found`);
    return (await coordinator.read.artifacts(jobId)).map(artifactView);
  });

  // GitLab's "Keep": the job's artifacts no longer expire.
  app.post('/jobs/:id/artifacts/keep', { schema: { tags, params: IdParams, response: { 200: Type.Array(ArtifactSchema) } } }, async (request) => {
    await ctx.require(request, 'act');
    return (await coordinator.keepArtifacts(request.params.id)).map(artifactView);
  });

  // Every artifact of the pipeline's current jobs, with the job's name (the list's download menu).
  app.get('/pipelines/:id/artifacts', { schema: { tags, params: IdParams, response: { 200: Type.Array(PipelineArtifactSchema) } } }, async (request) => {
    await ctx.require(request, 'read');
    const id = request.params.id;
    const detail = await coordinator.read.pipeline(id);
    if (!detail) throw notFound(`pipeline ${id} not found`);
    const jobs = new Map(detail.jobs.filter((j) => !j.retried).map((j) => [j.id, j]));
    const artifacts = jobs.size ? await ctx.coordinator.read.artifactsOfJobs([...jobs.keys()]) : [];
    return artifacts.map((a) => ({ ...artifactView(a), jobName: jobs.get(a.jobId)?.name ?? '' }));
  });

  app.get('/jobs/:id/artifacts/:artifact/download', { schema: { tags, params: ArtifactParams } }, async (request, reply) => {
    await ctx.require(request, 'read');
    const artifact = await find(request.params.id, request.params.artifact);
    const stat = await blobs.stat(artifact.storageKey);
    if (!stat) throw notFound(`artifact ${artifact.id} has no stored file`);
    reply.header('content-type', 'application/octet-stream');
    reply.header('content-length', String(stat.size));
    reply.header('content-disposition', disposition('attachment', artifact.filename));
    hardenFile(reply);
    return reply.send(await blobs.get(artifact.storageKey));
  });

  app.get('/jobs/:id/artifacts/:artifact/entries', { schema: { tags, params: ArtifactParams, querystring: ZipEntriesQuery, response: { 200: ZipListingSchema } } }, async (request) => {
    await ctx.require(request, 'read');
    const artifact = await find(request.params.id, request.params.artifact);
    requireZip(artifact);
    const limit = Math.min(request.query.limit ?? 20_000, 100_000);
    const source = await zipSourceFromBlob(blobs, artifact.storageKey);
    return { artifact: artifactView(artifact), ...(await listZipEntries(source, { limit })) };
  });

  app.get(
    '/jobs/:id/artifacts/:artifact/file',
    { schema: { tags, params: ArtifactParams, querystring: ZipFileQuery } },
    async (request, reply) => {
      await ctx.require(request, 'read');
      const path = request.query.path;
      const artifact = await find(request.params.id, request.params.artifact);
      requireZip(artifact);
      const source = await zipSourceFromBlob(blobs, artifact.storageKey);
      const ac = new AbortController();
      reply.raw.on('close', () => ac.abort());
      const { entry, stream } = await openZipEntry(source, path, { signal: ac.signal });
      const download = request.query.download === '1' || request.query.download === 'true';
      reply.header('content-type', download ? 'application/octet-stream' : contentTypeFor(entry.path));
      reply.header('content-length', String(entry.size));
      reply.header('content-disposition', disposition(download ? 'attachment' : 'inline', entry.path));
      hardenFile(reply);
      return reply.send(stream);
    },
  );
}
