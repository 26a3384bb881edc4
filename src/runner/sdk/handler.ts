// The SDK's handler API: what a custom runner implements to run jobs in-process instead of in
// bash (a hardware lab, a task system...). A handler gets the job and returns its outcome.
import type { DecodedJob } from '../network/job-payload.js';
import type { TraceWriter } from '../trace/job-trace.js';
import type { FailureReason } from '../errors.js';
import type { RunnerLogger } from '../logger.js';

export interface HandlerContext {
  /** The decoded job payload, as the coordinator sent it. */
  job: DecodedJob;
  /** Job id, name and stage, for convenience. */
  id: number;
  name: string;
  stage: string;
  /** The job's variables after `$VAR` expansion (file variables → path of their temp file). */
  variables: Readonly<Record<string, string>>;
  /** Expands `$VAR`/`${VAR}` against the job's variables. */
  expand(text: string): string;
  /** Directory holding the extracted artifacts of the job's dependencies (also the cwd of a shell). */
  dependenciesDir: string;
  /** Absolute path of a file taken from the dependencies' artifacts, or null when absent. */
  dependencyFile(relativePath: string): Promise<string | null>;
  /** Files written here are uploaded per the job's `artifacts:` (paths are globbed in this dir). */
  artifactsDir: string;
  /** The job log: masked, streamed to the coordinator. */
  trace: TraceWriter;
  /** Aborted when the job is canceled, times out or the runner stops hard. Stop promptly. */
  signal: AbortSignal;
  logger: RunnerLogger;
}

export type HandlerResult =
  | { ok: true }
  | {
      ok: false;
      /** Shown in the log as "ERROR: Job failed: <reason>". */
      reason: string;
      /** Sent as failure_reason (mapped through the job's features). Default script_failure. */
      failureReason?: FailureReason;
      exitCode?: number;
    };

/** A job handler. Returning nothing means success; throwing means failure (runner_system_failure). */
export type JobHandler = (ctx: HandlerContext) => Promise<HandlerResult | void>;

/** A script-line handler: `submit lava-job.yaml` calls handlers.submit(ctx, ["lava-job.yaml"]). */
export type CommandHandler = (ctx: HandlerContext, args: string[]) => Promise<HandlerResult | void>;

export const ok = (): HandlerResult => ({ ok: true });
export const fail = (reason: string, opts: { failureReason?: FailureReason; exitCode?: number } = {}): HandlerResult => ({
  ok: false,
  reason,
  ...opts,
});
