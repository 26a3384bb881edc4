// The runner's PUT /jobs/:id and PATCH /jobs/:id/trace.
//   PUT running|pending: keep-alive (records activity) while running; `canceling` is reported back.
//   PUT success|failed: checks the trace size/checksum, then finishes the job (a job that was
//     canceling ends `canceled`). Anything after the job stopped: not_running (403 + Job-Status).
//   PATCH: append at offset == current length, else range_mismatch (416); bounded by traceLimitBytes.
import { crc32 } from 'node:zlib';
import type { EngineContext } from '../context.js';
import { emit } from '../context.js';
import type { AppendTraceResult, JobSignal, UpdateJobInput, UpdateJobResult } from '../coordinator.js';
import type { Job, JobStatus } from '../model.js';
import { AppError } from '../../util/errors.js';
import { autoCancelOnFailure } from './cancel.js';
import { finishJob } from './finish-job.js';

const LIVE_STATUSES: JobStatus[] = ['running', 'canceling'];
const LIVE = new Set<string>(LIVE_STATUSES);

export function signalOf(status: string): JobSignal {
  return { jobStatus: status, abort: !LIVE.has(status) };
}

async function traceChecksum(ctx: EngineContext, jobId: number): Promise<string> {
  let crc = 0;
  const stream = ctx.traces.stream(jobId, 0);
  for await (const chunk of stream as AsyncIterable<Buffer | string>) crc = crc32(chunk, crc);
  return `crc32:${(crc >>> 0).toString(16).padStart(8, '0')}`;
}

export async function updateJob(ctx: EngineContext, job: Job, input: UpdateJobInput): Promise<UpdateJobResult> {
  // Only the status is read (or, for a keep-alive, checked by the write itself): the caller's
  // `job` gives the identity, which never changes.
  if (input.state === 'running' || input.state === 'pending') {
    const live = await ctx.store.jobs.touch(job.id, LIVE_STATUSES, { lastActivityAt: ctx.now() });
    if (live) return { kind: 'ok', ...signalOf(live) };
    return { kind: 'not_running', ...signalOf((await ctx.store.jobs.status(job.id)) ?? 'failed') };
  }
  const status = await ctx.store.jobs.status(job.id);
  if (!status) return { kind: 'not_running', ...signalOf('failed') };
  if (!LIVE.has(status)) return { kind: 'not_running', ...signalOf(status) };
  const current = { id: job.id, pipelineId: job.pipelineId };
  if (input.bytesize !== undefined || input.checksum !== undefined) {
    const size = await ctx.traces.size(current.id);
    if (input.bytesize !== undefined && input.bytesize !== size) return { kind: 'trace_mismatch', ...signalOf(status) };
    if (input.checksum !== undefined && input.checksum.startsWith('crc32:')) {
      const sum = await traceChecksum(ctx, current.id);
      if (sum !== input.checksum.toLowerCase()) return { kind: 'trace_mismatch', ...signalOf(status) };
    }
  }
  const finished = await finishJob(
    ctx,
    current,
    {
      status: input.state,
      failureReason: input.state === 'failed' ? (input.failureReason ?? 'script_failure') : null,
      exitCode: input.exitCode ?? null,
    },
    ['running', 'canceling'],
  );
  await autoCancelOnFailure(ctx, finished);
  if (!finished) {
    return { kind: 'not_running', ...signalOf((await ctx.store.jobs.status(current.id)) ?? 'failed') };
  }
  return { kind: 'ok', ...signalOf(finished.status) };
}

export async function appendTrace(ctx: EngineContext, job: Job, offset: number, data: Buffer): Promise<AppendTraceResult> {
  const status = await ctx.store.jobs.status(job.id);
  if (!status || !LIVE.has(status)) return { kind: 'not_running', ...signalOf(status ?? 'failed') };
  const sig = signalOf(status);
  // The trace store checks the offset atomically; no separate size read on this hot path.
  if (data.length === 0 || offset + data.length > ctx.config.traceLimitBytes) {
    const size = await ctx.traces.size(job.id);
    if (offset !== size) return { kind: 'range_mismatch', length: size, ...sig };
    if (data.length > 0) return { kind: 'limit_exceeded', ...sig };
  }
  let length = offset;
  if (data.length > 0) {
    try {
      length = await ctx.traces.append(job.id, offset, data);
    } catch (error) {
      const stored = error instanceof AppError && error.code === 'range_not_satisfiable' ? (error.details as { length?: unknown } | undefined)?.length : undefined;
      if (typeof stored !== 'number') throw error;
      return { kind: 'range_mismatch', length: stored, ...sig };
    }
  }
  await ctx.store.jobs.update(job.id, { traceSize: length, lastActivityAt: ctx.now() });
  emit(ctx, { type: 'trace', jobId: job.id, length });
  return { kind: 'appended', length, ...sig };
}
