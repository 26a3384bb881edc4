// Typed errors of the runner. `JobFailure` carries what gitlab-runner reports in the final PUT.
import { AppError } from '../util/errors.js';

/** Runner-side failure reasons (mapped through features.failure_reasons before sending). */
export type FailureReason =
  | 'script_failure'
  | 'runner_system_failure'
  | 'job_execution_timeout'
  | 'image_pull_failure'
  | 'unknown_failure'
  | 'runner_configuration_error'
  | 'runner_external_dependency_failure'
  | 'runner_interrupted'
  | 'job_canceled';

/** A job that ended in failure: the reason and, for a script that exited non-zero, its code. */
export class JobFailure extends Error {
  readonly reason: FailureReason;
  readonly exitCode?: number;
  constructor(reason: FailureReason, message: string, exitCode?: number) {
    super(message);
    this.name = 'JobFailure';
    this.reason = reason;
    this.exitCode = exitCode;
  }
}

/** The coordinator's answer could not be used (wrong content type, undecodable payload). */
export class ProtocolError extends AppError {
  constructor(message: string, details?: unknown) {
    super('bad_request', message, details);
    this.name = 'ProtocolError';
  }
}

/** The coordinator refused our token (403): the runner stops and says why. */
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('forbidden', message);
    this.name = 'ForbiddenError';
  }
}

export const isAbortError = (e: unknown): boolean =>
  e instanceof Error && (e.name === 'AbortError' || (e as { code?: string }).code === 'ABORT_ERR');
