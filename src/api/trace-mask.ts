// Masked CI/CD variable values never reach a reader of a job log, whatever the runner did: the
// official runner and ours mask before upload, but a custom runner may not. Each occurrence is
// replaced by "[MASKED]" padded with "*" to the secret's byte length, so byte offsets, ranges
// and live-tail offsets stay those of the stored trace. A read is widened by (longest secret - 1)
// bytes on both sides, so an occurrence that crosses the range's edge is masked too.
import type { Coordinator } from '../engine/coordinator.js';
import type { Job } from '../engine/model.js';
import type { TraceStore } from '../engine/trace-store.js';

import { createMasker, type TraceMasker } from '../util/secret-mask.js';

export { createMasker, type TraceMasker };

/** The masked variables that apply to a job: instance and project ones. */
export async function maskerForJob(coordinator: Coordinator, job: Job): Promise<TraceMasker> {
  const [instance, project] = await Promise.all([coordinator.read.variables(null), coordinator.read.variables(job.projectId)]);
  return createMasker([...instance, ...project].filter((v) => v.masked).map((v) => v.value));
}

/** Bytes [start, end) of a job's trace with secrets masked, including ones crossing the edges. */
export async function readMasked(traces: TraceStore, jobId: number, start: number, end: number, masker: TraceMasker): Promise<Buffer> {
  if (masker.maxLength === 0) return traces.read(jobId, start, end);
  const pad = masker.maxLength - 1;
  const size = await traces.size(jobId);
  const from = Math.max(0, start - pad);
  const to = Math.min(size, end + pad);
  const wide = masker.mask(await traces.read(jobId, from, to));
  return wide.subarray(start - from, Math.min(wide.length, end - from));
}
