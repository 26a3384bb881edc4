// One place mapping errors to HTTP answers for the runner API: AppError codes (util/errors.ts),
// fastify's own errors (bad JSON -> 400, unsupported media type -> 415, body too large -> 413)
// and upload limits (413). A client mistake never becomes a 500 or a stack trace.
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, errorMessage, httpStatusOf, isOutageStatus, knownAppError, retryHeadersOf } from '../util/errors.js';
import { HEADER } from './protocol.js';

/** An AppError that also sets response headers (e.g. Job-Status on a 403). */
export class RunnerApiError extends AppError {
  constructor(
    code: AppError['code'],
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    let status = httpStatusOf(error);
    if (status < 400) status = 400;
    if (error instanceof RunnerApiError) reply.headers(error.headers);
    const known = knownAppError(error);
    if (isOutageStatus(status)) request.log.warn({ err: error }, 'runner api: service unavailable');
    else if (status >= 500) request.log.error({ err: error }, 'runner api error');
    if (reply.sent || reply.raw.headersSent) return;
    reply.headers(retryHeadersOf(error));
    // An upload refused before its body was read (disk full, too large): the connection cannot be
    // reused, and left open it would hold a graceful shutdown.
    if (!request.raw.complete) reply.header('connection', 'close');
    // gitlab-runner retries 5xx answers (honouring Retry-After); the body is only a hint.
    const message = status >= 500 ? (known ? `${status} ${known.message}` : '500 Internal Server Error') : errorMessage(error);
    reply.code(status).type('application/json').send({ message });
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).type('application/json').send({ message: '404 Not Found' });
  });
}

export const jobStatusHeaders = (jobStatus: string): Record<string, string> => ({ [HEADER.jobStatus]: jobStatus });
