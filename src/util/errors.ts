// A few typed errors with stable codes. Each HTTP edge maps them to a status in one place
// (see httpStatusOf); a user mistake never becomes a 500 or a stack trace.

export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'range_not_satisfiable'
  | 'invalid_config'
  | 'unavailable'
  | 'insufficient_storage'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  range_not_satisfiable: 416,
  invalid_config: 422,
  unavailable: 503,
  insufficient_storage: 507,
  internal: 500,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  /** Seconds for a Retry-After header (503 answers). */
  retryAfterSeconds?: number;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

/** A passing outage (database restarting or locked): 503 with Retry-After; `cause` is kept. */
export function unavailable(message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}): AppError {
  const error = new AppError('unavailable', message);
  error.retryAfterSeconds = options.retryAfterSeconds ?? 1;
  if (options.cause !== undefined) (error as { cause?: unknown }).cause = options.cause;
  return error;
}

/** Disk full (ENOSPC, EDQUOT, SQLITE_FULL): 507, nothing half-written is kept. */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

function isStorageFull(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && STORAGE_CODES.has(code)) return true;
  }
  return false;
}

export const badRequest = (message: string, details?: unknown) => new AppError('bad_request', message, details);
export const unauthorized = (message = 'Unauthorized') => new AppError('unauthorized', message);
export const forbidden = (message = 'Forbidden') => new AppError('forbidden', message);
export const notFound = (message = 'Not found') => new AppError('not_found', message);
export const conflict = (message: string) => new AppError('conflict', message);

export function httpStatusOf(error: unknown): number {
  if (error instanceof AppError) return STATUS[error.code];
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 600) return status;
  if (isStorageFull(error)) return STATUS.insufficient_storage;
  return 500;
}

/**
 * The error as an AppError when it is one of ours or a known outage (disk full); null otherwise.
 * Edges use it for the code and message they answer with.
 */
export function knownAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  return isStorageFull(error) ? insufficientStorage() : null;
}

/** The disk under the data directory is full: a passing outage (507, retry in 30 s). */
export const INSUFFICIENT_STORAGE = { message: 'insufficient storage on the server: try again later', retryAfterSeconds: 30 } as const;

export function insufficientStorage(details?: unknown): AppError {
  const e = new AppError('insufficient_storage', INSUFFICIENT_STORAGE.message, details);
  e.retryAfterSeconds = INSUFFICIENT_STORAGE.retryAfterSeconds;
  return e;
}

/** 503 (database away or locked) and 507 (disk full): passing, worth a retry, logged as warnings. */
export const isOutageStatus = (status: number): boolean => status === 503 || status === 507;

/** Headers an edge adds to an error answer: Retry-After for 503 (and 507 when known). */
export function retryHeadersOf(error: unknown): Record<string, string> {
  const known = knownAppError(error);
  if (known?.retryAfterSeconds !== undefined) return { 'retry-after': String(known.retryAfterSeconds) };
  if (httpStatusOf(error) === 503) return { 'retry-after': '1' };
  return {};
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
