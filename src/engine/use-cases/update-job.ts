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

/** Traces up to this size are checked from one read; longer ones are streamed. */
const CHECKSUM_READ_BYTES = 1024 * 1024;

/** The stored trace's length and, when asked, its crc32 ("crc32:<hex>"). */
async function storedTrace(ctx: EngineContext, jobId: number, wantChecksum: boolean): Promise<{ size: number; checksum: string | null }> {
  const head = await ctx.traces.read(jobId, 0, CHECKSUM_READ_BYTES + 1);
  const hex = (crc: number) => `crc32:${(crc >>> 0).toString(16).padStart(8, '0')}`;
  if (head.length <= CHECKSUM_READ_BYTES) return { size: head.length, checksum: wantChecksum ? hex(crc32(head)) : null };
  const size = await ctx.traces.size(jobId);
  if (!wantChecksum) return { size, checksum: null };
  let crc = 0;
  for await (const chunk of ctx.traces.stream(jobId, 0) as AsyncIterable<Buffer | string>) crc = crc32(chunk, crc);
  return { size, checksum: hex(crc) };
}

export async function updateJob(ctx: EngineContext, job: Job, input: UpdateJobInput): Promise<UpdateJobResult> {
  // Only the status is read (or, for a keep-alive, checked by the write itself): the caller's
  // `job` gives the identity, which never changes.
  if (input.state === 'running' || input.state === 'pending') return keepAlive(ctx, job);
  const current = { id: job.id, pipelineId: job.pipelineId };
  // The status is read only where the answer needs it: finishJob re-reads it under the
  // pipeline's lock and finishes only a live job (a query a job less).
  if (input.bytesize !== undefined || input.checksum !== undefined) {
    const wantChecksum = input.checksum !== undefined && input.checksum.startsWith('crc32:');
    const stored = await storedTrace(ctx, current.id, wantChecksum);
    const mismatch = (input.bytesize !== undefined && input.bytesize !== stored.size) || (wantChecksum && stored.checksum !== input.checksum!.toLowerCase());
    if (mismatch) {
      const status = await ctx.store.jobs.status(current.id);
      return status && LIVE.has(status) ? { kind: 'trace_mismatch', ...signalOf(status) } : { kind: 'not_running', ...signalOf(status ?? 'failed') };
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
  if (!finished) return { kind: 'not_running', ...signalOf((await ctx.store.jobs.status(current.id)) ?? 'failed') };
  return { kind: 'ok', ...signalOf(finished.status) };
}

/**
 * Longest a keep-alive leaves the stored activity unchanged (ms): a tenth of the stale limit, at
 * most a minute. Like GitLab (a running build is touched only when its updated_at is old), a
 * keep-alive right after the claim or a trace PATCH is a read, not a write; the stale sweep still
 * sees activity far younger than its limit.
 */
function activityWriteMs(ctx: EngineContext): number {
  return Math.min(60_000, ctx.config.staleJobSeconds * 100);
}

async function keepAlive(ctx: EngineContext, job: Job): Promise<UpdateJobResult> {
  const seen = await ctx.store.jobs.activity(job.id);
  if (!seen || !LIVE.has(seen.status)) return { kind: 'not_running', ...signalOf(seen?.status ?? 'failed') };
  const now = ctx.clock.now();
  const last = seen.lastActivityAt ? Date.parse(seen.lastActivityAt) : NaN;
  if (now.getTime() - last < activityWriteMs(ctx)) return { kind: 'ok', ...signalOf(seen.status) };
  const live = await ctx.store.jobs.touch(job.id, LIVE_STATUSES, { lastActivityAt: now.toISOString() });
  if (live) return { kind: 'ok', ...signalOf(live) };
  return { kind: 'not_running', ...signalOf((await ctx.store.jobs.status(job.id)) ?? 'failed') };
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
