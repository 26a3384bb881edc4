// Artifacts (reference §5).
// POST /jobs/:id/artifacts: job token of a running job; 413 at once when Content-Length is over
// the limit; multipart with one `file` part streamed to the blob store (hashed, size-capped,
// never buffered), parameters from the query or from text fields; a dotenv report is parsed
// (400 if invalid) and handed to the engine with the artifact; a junit report is read into the
// engine (junit-upload.ts) -> 201.
// GET /jobs/:id/artifacts[?direct_download=true]: the archive, for the job's own token or the
// token of a running job of the same pipeline that depends on it (coordinator.mayReadArtifacts);
// no token 401, refused 403, no archive 404; single byte ranges -> 206.
import { randomUUID } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { PipelineVariable } from '../engine/model.js';
import { AppError, badRequest, forbidden, notFound, unauthorized } from '../util/errors.js';
import { artifactFilename, artifactParamsOf, type ArtifactParams } from './artifact-params.js';
import { DOTENV_MAX_BYTES, parseDotenv } from './dotenv.js';
import { jobStatusHeaders, RunnerApiError } from './http-errors.js';
import type { ResolvedRunnerApiOptions } from './options.js';
import { jobIdOf, jobTokenOf } from './request-input.js';
import { boundaryOf, readMultipart } from './multipart-stream.js';
import { readBounded } from './trace-route.js';
import { storeJunitUpload } from './junit-upload.js';

const MULTIPART_OVERHEAD = 64 * 1024;
const ACCEPTING_UPLOADS = new Set(['running', 'canceling']);

const drain = (stream: Readable) => pipeline(stream, new Writable({ write: (_c, _e, cb) => cb() }));

/** Errors of a broken multipart body are the client's (400); storage errors stay 500. */
function asUploadError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const e = error as { statusCode?: number; errno?: number; syscall?: string };
  if (typeof e?.statusCode === 'number' || e?.errno !== undefined || e?.syscall !== undefined) return error;
  return badRequest(`malformed multipart body: ${(error as Error)?.message ?? String(error)}`);
}

export function registerArtifactRoutes(app: FastifyInstance, options: ResolvedRunnerApiOptions): void {
  const { coordinator, blobs, maxArtifactBytes } = options;

  async function dotenvOf(key: string, params: ArtifactParams): Promise<PipelineVariable[]> {
    if (params.format !== 'gzip' && params.format !== 'raw') throw badRequest('dotenv reports must be gzip or raw');
    const source = await blobs.get(key);
    const stream = params.format === 'gzip' ? source.pipe(createGunzip()) : source;
    source.on('error', (error) => stream.destroy(error));
    try {
      return parseDotenv(await readBounded(stream, DOTENV_MAX_BYTES + 1));
    } catch (error) {
      if (error instanceof AppError && error.code === 'payload_too_large') throw badRequest(`dotenv report is larger than ${DOTENV_MAX_BYTES} bytes`);
      if (error instanceof AppError) throw error;
      throw badRequest('dotenv report is not valid gzip');
    }
  }

  app.post('/jobs/:id/artifacts', async (request, reply) => {
    const id = jobIdOf(request);
    const token = jobTokenOf(request);
    const job = token ? await coordinator.authenticateJob(id, token) : null;
    if (!job) throw forbidden('403 Forbidden');
    if (!ACCEPTING_UPLOADS.has(job.status)) {
      throw new RunnerApiError('forbidden', '403 Forbidden - Job is not running', jobStatusHeaders(job.status));
    }
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length > maxArtifactBytes + MULTIPART_OVERHEAD) {
      // Answer at once and close the connection rather than receive the body.
      throw new RunnerApiError('payload_too_large', `413 Request Entity Too Large (limit ${maxArtifactBytes} bytes)`, { connection: 'close' });
    }
    const boundary = boundaryOf(request.headers['content-type']);
    if (!boundary) throw badRequest('expected a multipart/form-data body with a `file` part');
    const body = request.body as Readable | undefined;
    if (!body || typeof body.pipe !== 'function') throw badRequest('expected a multipart/form-data body with a `file` part');
    const query = (request.query ?? {}) as Record<string, unknown>;
    artifactParamsOf(query); // refuse bad query parameters before reading the body

    let stored: { key: string; size: number; sha256: string; filename?: string } | null = null;
    const fields: Record<string, string> = {};
    try {
      // destroyOnReturn: false keeps the connection usable for the error answer (see catch).
      await readMultipart(body.iterator({ destroyOnReturn: false }), boundary, {
        onField: (name, value) => {
          fields[name] = value;
        },
        onFile: async (part) => {
          if (part.name !== 'file' || stored) {
            await drain(part.stream);
            return;
          }
          const key = `jobs/${job.id}/${randomUUID()}`;
          const result = await blobs.put(key, part.stream, { maxBytes: maxArtifactBytes });
          stored = { key, ...result, filename: part.filename };
        },
      });
      const upload = stored as { key: string; size: number; sha256: string; filename?: string } | null;
      if (!upload) throw badRequest('400 Bad request - file is missing');
      const params = artifactParamsOf({ ...fields, ...query });
      if (params.type === 'dotenv') {
        const dotenv = await dotenvOf(upload.key, params);
        if (coordinator.setJobDotenv) await coordinator.setJobDotenv(job.id, dotenv);
        else request.log.warn({ jobId: job.id }, 'coordinator cannot store dotenv variables');
      }
      const artifact = await coordinator.addArtifact({
        jobId: job.id,
        pipelineId: job.pipelineId,
        fileType: params.type,
        fileFormat: params.format,
        filename: artifactFilename(upload.filename, params),
        size: upload.size,
        storageKey: upload.key,
        sha256: upload.sha256,
        expireAt: params.expireAt,
      });
      if (params.type === 'junit') await storeJunitUpload({ sink: coordinator, blobs, jobId: job.id, storageKey: upload.key, format: params.format, log: request.log });
      return reply.code(201).type('application/json').send({ id: artifact.id, file_type: artifact.fileType, size: artifact.size });
    } catch (error) {
      const leftover = stored as { key: string } | null;
      if (leftover) await blobs.remove(leftover.key).catch(() => undefined);
      if (!body.readableEnded) {
        // Refused mid-body: discard the rest and close the connection after the answer.
        reply.header('connection', 'close');
        body.resume();
      }
      throw asUploadError(error);
    }
  });

  app.get('/jobs/:id/artifacts', async (request, reply) => {
    const id = jobIdOf(request);
    const token = jobTokenOf(request);
    if (!token) throw unauthorized('401 Unauthorized');
    if (!(await coordinator.mayReadArtifacts(token, id))) throw forbidden('403 Forbidden');
    // an artifact exists until the expiry sweep removes it: past expire_in it is kept while its
    // pipeline is locked (unfinished, or the latest success of its ref), as GitLab keeps it
    const archive = (await coordinator.read.artifacts(id))
      .filter((a) => a.fileType === 'archive')
      .sort((a, b) => b.id - a.id)[0];
    if (!archive) throw notFound('404 Not Found');
    const stat = await blobs.stat(archive.storageKey);
    if (!stat) throw notFound('404 Not Found');

    reply
      .header('content-type', archive.fileFormat === 'zip' ? 'application/zip' : 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${archive.filename.replace(/"/g, '')}"`)
      .header('accept-ranges', 'bytes');
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(request.headers.range ?? ''));
    if (range && (range[1] || range[2]) && stat.size > 0) {
      let start = range[1] ? Number(range[1]) : Math.max(0, stat.size - Number(range[2]));
      let end = range[1] && range[2] ? Math.min(Number(range[2]), stat.size - 1) : stat.size - 1;
      if (!range[1]) end = stat.size - 1;
      if (start >= stat.size || start > end) {
        return reply.code(416).header('content-range', `bytes */${stat.size}`).send();
      }
      start = Math.max(0, start);
      return reply
        .code(206)
        .header('content-range', `bytes ${start}-${end}/${stat.size}`)
        .header('content-length', String(end - start + 1))
        .send(await blobs.get(archive.storageKey, { start, end }));
    }
    return reply.code(200).header('content-length', String(stat.size)).send(await blobs.get(archive.storageKey));
  });
}
