// Pure scheduling rules (GitLab semantics), no I/O.
//
// Job state machine:
//   created --deps done--> pending | manual | scheduled | waiting_for_resource | skipped
//   waiting_for_resource --group free--> pending        scheduled --start_in elapsed / play--> pending
//   manual --play--> pending        pending --claim--> running
//   running --PUT success/failed, timeout, stale--> success | failed      running --cancel--> canceling
//   canceling --runner final PUT / sweep--> canceled    created|pending|manual|scheduled|waiting --cancel--> canceled
//   failed/canceled/success --retry--> (old: retried=true) + new attempt
import type { JobLite } from '../store/ports.js';
import type { PipelineStatus } from './model.js';

/** What a dependency means for a waiting job. */
export type DepState = 'wait' | 'ok' | 'failed' | 'canceled' | 'skipped';

/**
 * `dag`: the dependency is an explicit `needs` (a skipped need skips the dependant, a manual need
 * is waited for); otherwise it is stage order (skipped is fine, a non-blocking manual job is ignored).
 */
export function depState(d: Pick<JobLite, 'status' | 'allowFailure'>, dag: boolean): DepState {
  switch (d.status) {
    case 'success':
      return 'ok';
    case 'failed':
      return d.allowFailure ? 'ok' : 'failed';
    case 'canceled':
      return 'canceled';
    case 'skipped':
      return dag ? 'skipped' : 'ok';
    case 'manual':
      return !dag && d.allowFailure ? 'ok' : 'wait';
    default:
      return 'wait';
  }
}

export function combine(states: Iterable<DepState>): DepState {
  let wait = false;
  let failed = false;
  let canceled = false;
  let skipped = false;
  for (const s of states) {
    if (s === 'wait') wait = true;
    else if (s === 'failed') failed = true;
    else if (s === 'canceled') canceled = true;
    else if (s === 'skipped') skipped = true;
  }
  if (wait) return 'wait';
  if (failed) return 'failed';
  if (canceled) return 'canceled';
  if (skipped) return 'skipped';
  return 'ok';
}

export type Decision = 'wait' | 'activate' | 'manual' | 'scheduled' | 'skip';

/** What a `created` job becomes once its dependencies settle. */
export function decide(when: string, deps: DepState): Decision {
  if (deps === 'wait') return 'wait';
  switch (when) {
    case 'on_failure':
      return deps === 'failed' ? 'activate' : 'skip';
    case 'always':
      return 'activate';
    case 'manual':
      return deps === 'ok' ? 'manual' : 'skip';
    case 'delayed':
      return deps === 'ok' ? 'scheduled' : 'skip';
    default:
      return deps === 'ok' ? 'activate' : 'skip';
  }
}

/** Pipeline status from its current (non-retried) jobs, as GitLab's composite status does. */
export function pipelineStatus(jobs: Pick<JobLite, 'status' | 'allowFailure'>[]): PipelineStatus {
  if (jobs.length === 0) return 'skipped';
  const seen = new Set<string>();
  for (const j of jobs) {
    if (j.status === 'failed' && j.allowFailure) seen.add('warn');
    else if (j.status === 'manual' && j.allowFailure) seen.add('ignored');
    else seen.add(j.status);
  }
  const only = (...allowed: string[]) => [...seen].every((s) => allowed.includes(s));
  const any = (...wanted: string[]) => wanted.some((s) => seen.has(s));
  if (only('skipped', 'ignored')) return 'skipped';
  if (only('success', 'skipped', 'warn', 'ignored')) return 'success';
  if (only('created', 'warn', 'ignored')) return 'created';
  if (only('canceled', 'success', 'skipped', 'warn', 'ignored')) return 'canceled';
  if (only('pending', 'created', 'skipped', 'warn', 'ignored')) return 'pending';
  if (any('running', 'pending')) return 'running';
  if (any('canceling')) return 'canceling';
  if (any('waiting_for_resource')) return 'waiting_for_resource';
  if (any('manual')) return 'manual';
  if (any('scheduled')) return 'scheduled';
  if (any('created')) return 'running';
  return 'failed';
}

export const FINISHED_PIPELINE: readonly PipelineStatus[] = ['success', 'failed', 'canceled', 'skipped'];

/** Should a failed job be retried automatically? (`retry: max/when/exit_codes`) */
export function shouldRetry(
  retry: { max: number; when: string[]; exitCodes: number[] },
  attempt: number,
  reason: string,
  exitCode: number | null,
): boolean {
  if (attempt >= Math.min(retry.max, 2)) return false;
  const whenOk = retry.when.length === 0 || retry.when.includes('always') || retry.when.includes(reason);
  const codesOk = retry.exitCodes.length === 0 || (exitCode !== null && retry.exitCodes.includes(exitCode));
  return whenOk && codesOk;
}
