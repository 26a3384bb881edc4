// PATCH /jobs/:id/trace (reference §4): incremental log upload, append-only.
//   Content-Range "<start>-<end>" (end inclusive) missing or malformed -> 400.
//   start == stored length -> append -> 202 + Range: 0-<new length>.
//   start != stored length -> 416 + Range: 0-<stored length> (the runner resends from there).
//   job no longer running, or the log over its limit -> 403.
// Every answer carries Job-Status and X-GitLab-Trace-Update-Interval. The body (<= 1 MiB from the
// runner) is read with a hard cap, never more. Bytes are stored exactly as sent (the runner masks
// secrets itself, and the final PUT's CRC32 must match); masking for display is the UI's job.
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError, badRequest, forbidden } from '../util/errors.js';
import { parseContentRange } from './content-range.js';
import { createJobTokenCache, type JobTokenCache } from './job-token-cache.js';
import { RunnerApiError } from './http-errors.js';
import type { ResolvedRunnerApiOptions } from './options.js';
import { HEADER } from './protocol.js';
import { jobIdOf, jobTokenOf } from './request-input.js';

/**
 * Reads a body of at most `max` bytes (payload_too_large beyond). With `keepOpen` (an HTTP
 * request, whose connection must carry the 413) the stream is not destroyed: the rest is drained.
 */
export function readBounded(stream: Readable, max: number, options: { expected?: number; keepOpen?: boolean } = {}): Promise<Buffer> {
  // events rather than an async iterator: a trace PATCH per job, and the iterator's machinery
  // cost more than the copy
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const overflow = () => {
      done();
      if (options.keepOpen) stream.resume();
      else stream.destroy();
      reject(new AppError('payload_too_large', `body larger than ${max} bytes`));
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += b.length;
      if (size > max) return overflow();
      chunks.push(b);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (e: Error) => {
      done();
      reject(e);
    };
    const onClose = () => {
      done();
      const e = new Error('the body ended before it was complete') as Error & { code: string };
      e.code = 'ERR_STREAM_PREMATURE_CLOSE';
      reject(e);
    };
    if (options.expected !== undefined && options.expected > max) return overflow();
    if (stream.readableEnded) return resolve(Buffer.alloc(0));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

export function registerTraceRoute(app: FastifyInstance, options: ResolvedRunnerApiOptions, jobTokens?: JobTokenCache): void {
  const { coordinator } = options;
  const tokens = jobTokens ?? createJobTokenCache(coordinator);

  app.patch('/jobs/:id/trace', async (request, reply) => {
    const id = jobIdOf(request);
    const token = jobTokenOf(request);
    const job = token ? await tokens.authenticate(id, token) : null;
    if (!job) throw forbidden('403 Forbidden');
    const range = parseContentRange(request.headers['content-range']);
    if (!range) throw badRequest('400 Bad request - Content-Range is missing or invalid');
    const body = request.body;
    let data: Buffer;
    if (body === undefined || body === null) data = Buffer.alloc(0);
    else if (Buffer.isBuffer(body)) data = body;
    else if (typeof body === 'string') data = Buffer.from(body, 'utf8');
    else if (typeof (body as Readable).pipe === 'function') {
      const length = Number(request.headers['content-length']);
      try {
        data = await readBounded(body as Readable, options.maxTracePatchBytes, { expected: Number.isFinite(length) ? length : undefined, keepOpen: true });
      } catch (error) {
        if (error instanceof AppError && error.code === 'payload_too_large') {
          throw new RunnerApiError('payload_too_large', `trace patch larger than ${options.maxTracePatchBytes} bytes`, { connection: 'close' });
        }
        throw error;
      }
    } else throw badRequest('unexpected trace body');

    const result = await coordinator.appendTrace(job, range.start, data);
    const headers: Record<string, string> = {
      [HEADER.jobStatus]: result.jobStatus,
      [HEADER.traceUpdateInterval]: String(coordinator.traceUpdateInterval(job.id)),
    };
    if (result.kind === 'not_running' || result.kind === 'limit_exceeded' || result.abort) {
      throw new RunnerApiError('forbidden', result.kind === 'limit_exceeded' ? '403 Forbidden - trace size exceeded' : '403 Forbidden - Job is not running', headers);
    }
    headers[HEADER.range] = `0-${result.length}`;
    if (result.kind === 'range_mismatch') {
      return reply.code(416).headers(headers).type('text/plain').send('416 Range Not Satisfiable');
    }
    return reply.code(202).headers(headers).type('text/plain').send('202');
  });
}
