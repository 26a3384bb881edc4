// One place that turns errors into GitLab's error bodies for the REST API:
//   400 validation (Fastify/Ajv against the TypeBox schema)  {"error": "ref is missing"}
//   400 AppError bad_request, bad JSON/form body             {"error": "<message>"}
//   401 / 403 / 404 / 409 / 413 …                            {"message": "404 Project Not Found"}
//   5xx                                                      {"message": "500 Internal Server Error"}
// Ajv's own text never reaches a client, and bad input is never a 500.
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, errorMessage, httpStatusOf, isOutageStatus, knownAppError, retryHeadersOf } from '../util/errors.js';

/** GitLab's reason phrases for `{"message": "<status> <reason>"}` bodies. */
const REASON: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Entity',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

interface AjvLikeError {
  keyword: string;
  instancePath?: string;
  params?: Record<string, unknown>;
}

/** `{"error": "ref is missing, per_page is invalid"}` from Ajv errors, as Grape words them. */
export function validationMessage(errors: readonly AjvLikeError[], context?: string): string {
  const parts: string[] = [];
  for (const e of errors) {
    const path = (e.instancePath ?? '').split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let field = path.length ? path[0] + path.slice(1).map((p) => `[${p}]`).join('') : '';
    let text: string;
    if (e.keyword === 'required') {
      const missing = String(e.params?.missingProperty ?? '');
      field = field ? `${field}[${missing}]` : missing;
      text = 'is missing';
    } else if (e.keyword === 'enum' || e.keyword === 'const' || e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      text = 'does not have a valid value';
    } else if (e.keyword === 'additionalProperties') {
      const extraName = String(e.params?.additionalProperty ?? '');
      field = field ? `${field}[${extraName}]` : extraName;
      text = 'is not allowed';
    } else {
      text = 'is invalid';
    }
    if (!field) field = context === 'body' ? 'body' : (context ?? 'request');
    const line = `${field} ${text}`;
    if (!parts.includes(line)) parts.push(line);
  }
  return parts.join(', ') || 'request is invalid';
}

/** The GitLab body and status for any error. */
export function restErrorBody(error: unknown): { status: number; body: { message: string } | { error: string } } {
  const validation = (error as { validation?: AjvLikeError[]; validationContext?: string }).validation;
  if (Array.isArray(validation)) return { status: 400, body: { error: validationMessage(validation, (error as { validationContext?: string }).validationContext) } };
  let status = httpStatusOf(error);
  if (status < 400) status = 400;
  const known = knownAppError(error);
  if (status >= 500 && !isOutageStatus(status)) return { status, body: { message: `${status} ${status === 500 ? 'Internal Server Error' : (REASON[status] ?? 'Server Error')}` } };
  const text = known ? known.message : errorMessage(error);
  if (status === 400) return { status, body: { error: text.replace(/^400 (Bad request - )?/, '') } };
  // "404 Project Not Found" keeps its status prefix; a bare message gets one.
  const message = /^\d{3} /.test(text) ? text : `${status} ${text || REASON[status] || ''}`.trim();
  return { status, body: { message } };
}

export function installRestErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const { status, body } = restErrorBody(error);
    if (isOutageStatus(status)) request.log.warn({ err: error }, 'rest api: service unavailable');
    else if (status >= 500) request.log.error({ err: error }, 'rest api request failed');
    if (reply.sent || reply.raw.headersSent) return;
    reply.removeHeader('content-disposition');
    reply.code(status).type('application/json').headers(retryHeadersOf(error)).send(body);
  });
}

/** GitLab's 404 for a missing record: `notFoundError('Project')` → "404 Project Not Found". */
export function notFoundError(what: string): AppError {
  return new AppError('not_found', `404 ${what} Not Found`);
}
