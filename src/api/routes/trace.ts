// Job logs: a ranged read of the stored trace, and a live tail over server-sent events.
//
// Live tail state machine (per connection):
//   open ──► pumping: send bytes [offset, size) in ≤64 KiB `append` events, each cut at a UTF-8
//            character boundary (the cut-off bytes go in the next event)
//        ──► idle: wait for a `trace` or `job` event of this job from coordinator.subscribe()
//        ──► (job finished) pump to the end, send `end`, close
//   Client gone / server closing ──► closed (unsubscribe, stop the watch timer).
// While open, coordinator.watchTrace(job) is renewed every 8 s so the runner sends the log often.
import { Readable } from 'node:stream';
import type { Job } from '../../engine/model.js';
import { FINISHED_JOB_STATUSES } from '../../engine/model.js';
import { AppError, notFound } from '../../util/errors.js';
import type { ApiApp, ApiContext } from '../context.js';
import { IdParams, TraceQuery, TraceStreamQuery } from '../schemas/inputs.js';
import { jobView } from '../views.js';
import { maskerForJob, readMasked, type TraceMasker } from '../trace-mask.js';
import { createPlainTextConverter } from '../trace-plain.js';
import type { TraceStore } from '../../engine/trace-store.js';

const CHUNK = 64 * 1024;
const MAX_RANGE = 16 * 1024 * 1024;
const WATCH_RENEW_MS = 8_000;
const PLAIN_CHUNK = 1024 * 1024;

/** The whole trace as clean plain text (see trace-plain.ts), masked, read and sent 1 MiB at a time. */
async function* plainTrace(traces: TraceStore, jobId: number, size: number, masker: TraceMasker): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const plain = createPlainTextConverter();
  for (let at = 0; at < size; at += PLAIN_CHUNK) {
    const buf = await readMasked(traces, jobId, at, Math.min(size, at + PLAIN_CHUNK), masker);
    const out = plain.push(decoder.decode(buf, { stream: true }));
    if (out) yield out;
  }
  const rest = plain.push(decoder.decode()) + plain.end();
  if (rest) yield rest;
}

export const isFinished = (job: Job) => FINISHED_JOB_STATUSES.includes(job.status);

/** Bytes of `buf` that form complete UTF-8 characters (a trailing partial sequence is left out). */
export function completeUtf8Length(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buf[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

export interface ByteRange {
  start: number;
  /** Exclusive. */
  end: number;
}

/** Parses `Range: bytes=a-b | a- | -n` against `size`; null = no (usable) header; throws 416. */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  }
  if (start >= size && !(size === 0 && start === 0)) throw new AppError('range_not_satisfiable', `range starts past the end (${size} bytes)`, { size });
  if (end < start) throw new AppError('range_not_satisfiable', 'range ends before it starts', { size });
  return { start, end };
}

export function traceRoutes(app: ApiApp, ctx: ApiContext): void {
  const { coordinator, traces } = ctx;

  const load = async (id: number) => {
    const job = await coordinator.read.job(id);
    if (!job) throw notFound(`job ${id} not found`);
    return job;
  };

  app.get('/jobs/:id/trace', { schema: { tags: ['jobs'], params: IdParams, querystring: TraceQuery } }, async (request, reply) => {
    await ctx.require(request, 'read');
    const format = request.query.format;
    const job = await load(request.params.id);
    const size = await traces.size(job.id);
    if (format === 'plain') {
      // What a reader sees: no escape codes, section markers or runner timestamps. No ranges.
      reply.header('content-type', 'text/plain; charset=utf-8');
      reply.header('x-job-status', job.status);
      reply.header('x-trace-complete', String(isFinished(job)));
      reply.header('cache-control', 'no-store');
      reply.header('x-content-type-options', 'nosniff');
      const masker = await maskerForJob(coordinator, job);
      return reply.send(Readable.from(plainTrace(traces, job.id, size, masker)));
    }
    reply.header('content-type', 'text/plain; charset=utf-8');
    reply.header('x-trace-size', String(size));
    reply.header('x-job-status', job.status);
    reply.header('x-trace-complete', String(isFinished(job)));
    reply.header('accept-ranges', 'bytes');
    reply.header('cache-control', 'no-store');
    let range: ByteRange | null;
    try {
      range = parseRange(request.headers.range, size);
    } catch (error) {
      reply.header('content-range', `bytes */${size}`);
      throw error;
    }
    const masker = await maskerForJob(coordinator, job);
    if (!range) {
      if (size === 0) return '';
      return masker.maxLength === 0 ? reply.send(traces.stream(job.id, 0)) : readMasked(traces, job.id, 0, size, masker);
    }
    const end = Math.min(range.end, range.start + MAX_RANGE);
    reply.code(206);
    reply.header('content-range', end > range.start ? `bytes ${range.start}-${end - 1}/${size}` : `bytes */${size}`);
    return end > range.start ? readMasked(traces, job.id, range.start, end, masker) : '';
  });

  app.get('/jobs/:id/trace/stream', { schema: { tags: ['jobs'], params: IdParams, querystring: TraceStreamQuery } }, async (request, reply) => {
    await ctx.require(request, 'read');
    const job0 = await load(request.params.id);
    const size0 = await traces.size(job0.id);
    let offset = Math.min(request.query.offset ?? 0, size0);

    const masker = await maskerForJob(coordinator, job0);
    // While the job runs, hold back the bytes that could be the start of a secret still being written.
    const holdBack = masker.maxLength > 0 ? masker.maxLength - 1 : 0;
    const sse = ctx.hub.open(request, reply);
    const jobId = job0.id;
    let job = job0;
    let pumping = false;
    let again = false;
    let ended = false;

    coordinator.watchTrace(jobId);
    const watch = setInterval(() => coordinator.watchTrace(jobId), WATCH_RENEW_MS);
    watch.unref();

    const pump = async (): Promise<void> => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          const finished = isFinished(job);
          const stored = await traces.size(jobId);
          const size = finished ? stored : Math.max(offset, stored - holdBack);
          while (!sse.closed && offset < size) {
            const buf = await readMasked(traces, jobId, offset, Math.min(size, offset + CHUNK), masker);
            if (buf.length === 0) break;
            let used = completeUtf8Length(buf);
            if (used === 0) used = buf.length; // garbage bytes: send them replaced rather than stall
            await sse.send('append', { offset, next: offset + used, text: buf.subarray(0, used).toString('utf8') });
            offset += used;
          }
          if (finished && !ended && !sse.closed && offset >= size) {
            ended = true;
            await sse.send('end', { job: jobView(job), size });
            sse.close();
          }
        } while (again && !sse.closed);
      } catch (error) {
        request.log.warn({ err: error, jobId }, 'trace stream failed');
        sse.close();
      } finally {
        pumping = false;
      }
    };

    const unsubscribe = coordinator.subscribe((event) => {
      if (event.type === 'trace' && event.jobId === jobId) void pump();
      else if (event.type === 'job' && event.job.id === jobId) {
        job = event.job;
        void sse.send('status', { job: jobView(job) });
        void pump();
      }
    });
    sse.signal.addEventListener('abort', () => {
      unsubscribe();
      clearInterval(watch);
    });
    await sse.send('status', { job: jobView(job) });
    // The job may have changed between load() and subscribe(): re-read once.
    const fresh = await coordinator.read.job(jobId);
    if (fresh) job = fresh;
    await pump();
  });
}
