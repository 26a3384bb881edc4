// The HTTP transport of the runner: one place that builds URLs, sets the headers gitlab-runner
// sets (User-Agent, X-Request-Id, Content-Type/Accept for JSON) and applies the retry policy.
// It never throws for an HTTP status: callers get { status, headers, response }; a transport
// error after the last attempt is status -1 (as the Go client reports it).
// Each client has its own connections (node-transport.ts: node:http/https keep-alive agents):
// close() ends every socket, so a runner that stops leaves no connection behind that would keep a
// server from closing.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { drain, readAll, Transport, type RequestBody } from './node-transport.js';
import { apiBaseUrl } from './base-url.js';
import { defaultRetryPolicy, isRetriableStatus, retryDelayMs, type RetryPolicy } from './retry-policy.js';
import { sleep } from './sleep.js';
import { ProtocolError } from '../errors.js';
import { silentLogger, type RunnerLogger } from '../logger.js';
import { goArch, RUNNER_NAME, RUNNER_VERSION } from './runner-identity.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to /api/v4/ (e.g. "jobs/request"), or an absolute http(s) URL. */
  path: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  /** A JSON body (sets Content-Type and Accept). */
  json?: unknown;
  /** A body factory, called once per attempt and again for a redirect that keeps the body (streams cannot be replayed). */
  body?: () => { body: string | Buffer | Readable; contentType?: string; contentLength?: number };
  signal?: AbortSignal;
  /** false: one attempt only. */
  retry?: boolean;
  redirect?: 'follow' | 'manual';
}

/** Response headers by name, case-insensitive (repeated ones joined with ", "). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** The body of an answer, read once. */
export interface ResponseBody {
  text(): Promise<string>;
  /** The bytes as a Node stream. */
  readonly stream: Readable;
  /** Throws what is left away (a small rest is read so that the connection is reused). */
  discard(): Promise<void>;
}

export interface HttpResult {
  /** HTTP status, or -1 when no HTTP answer arrived (transport error). */
  status: number;
  headers: ResponseHeaders;
  response?: ResponseBody;
  error?: Error;
}

const NO_HEADERS: ResponseHeaders = { get: () => null };

function headersOf(raw: IncomingHttpHeaders): ResponseHeaders {
  return {
    get(name) {
      const v = raw[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
}

export interface HttpClientOptions {
  url: string;
  userAgent?: string;
  retry?: Partial<RetryPolicy>;
  logger?: RunnerLogger;
}

export class HttpClient {
  readonly baseUrl: string;
  private readonly userAgent: string;
  private readonly policy: RetryPolicy;
  private readonly logger: RunnerLogger;
  private readonly transport = new Transport();

  constructor(opts: HttpClientOptions) {
    this.baseUrl = apiBaseUrl(opts.url);
    this.userAgent = opts.userAgent ?? defaultUserAgent();
    this.policy = { ...defaultRetryPolicy, ...opts.retry };
    this.logger = opts.logger ?? silentLogger;
  }

  urlOf(path: string, query?: Record<string, string | undefined>): string {
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(path.replace(/^\//, ''), this.baseUrl);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, v);
    return url.toString();
  }

  /** Closes every connection of this client; later requests fail. */
  async close(): Promise<void> {
    this.transport.close();
  }

  async request(req: HttpRequest): Promise<HttpResult> {
    const attempts = req.retry === false ? 1 : Math.max(1, this.policy.attempts);
    const url = this.urlOf(req.path, req.query);
    let last: HttpResult = { status: -1, headers: NO_HEADERS };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      last = await this.once(url, req);
      const retriable = last.status === -1 ? !req.signal?.aborted : isRetriableStatus(last.status);
      if (!retriable || attempt === attempts) return last;
      const wait = retryDelayMs(this.policy, attempt, last.status === -1 ? undefined : last.headers);
      this.logger.debug('retrying request', { method: req.method, url: redact(url), status: last.status, wait });
      await discard(last);
      await sleep(wait, req.signal);
    }
    return last;
  }

  private async once(url: string, req: HttpRequest): Promise<HttpResult> {
    const headers: Record<string, string> = {
      'User-Agent': this.userAgent,
      'X-Request-Id': randomBytes(16).toString('hex'),
      ...req.headers,
    };
    let body: () => RequestBody = () => undefined;
    if (req.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Accept'] ??= 'application/json';
      const json = JSON.stringify(req.json);
      body = () => json;
    } else if (req.body) {
      const b = req.body();
      // the first send takes this attempt's body; a redirect that keeps the body asks the factory again
      let sends = 0;
      body = () => (sends++ === 0 ? b.body : req.body!().body);
      if (b.contentType) headers['Content-Type'] = b.contentType;
      if (b.contentLength !== undefined) headers['Content-Length'] = String(b.contentLength);
    }
    try {
      const res = await this.transport.send({ method: req.method, url, headers, body, signal: req.signal, redirect: req.redirect ?? 'follow' });
      return {
        status: res.statusCode ?? -1,
        headers: headersOf(res.headers),
        response: { text: async () => (await readAll(res)).toString('utf8'), stream: res, discard: () => drain(res) },
      };
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason ?? error;
      const e = error as Error & { cause?: Error };
      this.logger.debug('transport error', { url: redact(url), error: e.cause?.message ?? e.message });
      return { status: -1, headers: NO_HEADERS, error: e };
    }
  }
}

/** The JSON body of a response; a non-JSON media type is a protocol error, as in the Go client. */
export async function readJson(result: HttpResult): Promise<unknown> {
  const type = result.headers.get('content-type') ?? '';
  if (!result.response || !/^application\/json\s*(;|$)/i.test(type)) {
    await discard(result);
    throw new ProtocolError(`response is not application/json (status ${result.status}, content-type "${type}")`);
  }
  const text = await result.response.text();
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(`response is not valid JSON: ${(e as Error).message}`);
  }
}

/** Reads `{"message": ...}` of an error answer for logging; never throws. */
export async function errorMessageOf(result: HttpResult): Promise<string> {
  if (result.status === -1) return result.error?.message ?? 'transport error';
  try {
    const type = result.headers.get('content-type') ?? '';
    const text = (await result.response?.text()) ?? '';
    if (/json/i.test(type)) {
      const body = JSON.parse(text) as { message?: unknown; error?: unknown };
      const m = body.message ?? body.error;
      if (typeof m === 'string') return `${result.status} ${m}`;
      if (m && typeof m === 'object') return `${result.status} ${JSON.stringify(m)}`;
    }
    return `${result.status} ${text.slice(0, 200)}`.trim();
  } catch {
    return String(result.status);
  }
}

export async function discard(result: HttpResult): Promise<void> {
  await result.response?.discard().catch(() => {});
}

export function defaultUserAgent(): string {
  return `${RUNNER_NAME} ${RUNNER_VERSION} (main; node ${process.version}; ${process.platform}/${goArch()})`;
}

/** Drops credentials from a URL before it is logged. */
export function redact(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//[MASKED]@');
}
