// The one-job runner API the launched runner talks to (runner-protocol.md, served per job):
//   POST   /api/v4/jobs/request        one-time token → the job's payload once (201), then 204
//   POST   /api/v4/runners/verify      one-time token → 200 {id, token}; DELETE /runners(/managers) → 204
//   PUT    /api/v4/jobs/:id            ┐ the job token (or a dependency's, for downloads) must be
//   PATCH  /api/v4/jobs/:id/trace      │ one of a running session's; forwarded to the upstream
//   POST   /api/v4/jobs/:id/artifacts  │ with the token untouched; status and headers come back
//   GET    /api/v4/jobs/:id/artifacts  ┘ verbatim; bodies stream (proxy.ts)
//   /<project>.git/…                   git smart HTTP to the upstream (--proxy-git only)
//   GET    /-/health, /-/status, /metrics
// Anything else is 404; a token that is not a session's is 403.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { JobSession } from './job-session.js';
import type { RelayLogger } from './logger.js';
import type { RelayMetrics } from './metrics.js';
import { header, readBody, relayAnswer, requestHeaders, sendJson, counter, type UpstreamProxy } from './proxy.js';
import { pipeline } from 'node:stream/promises';
import { pause } from '../runner/network/sleep.js';

export interface InnerServerDeps {
  sessions(): Iterable<JobSession>;
  /** The upstream's API base, ending in /api/v4/. */
  apiBase: string;
  proxy: UpstreamProxy;
  logger: RelayLogger;
  metrics: RelayMetrics;
  onPickup(s: JobSession): void;
  /** A session's persisted fields changed (trace length, final update). */
  onChange(s: JobSession): void;
  /** The upstream says the job is over (final accepted, or 403/Job-Status canceled|failed). */
  onOver(s: JobSession, outcome: string): void;
  /** The payload as handed out (rewritten for --proxy-git/--proxy-artifacts). */
  payloadFor(s: JobSession): string;
  status(): unknown;
  health(): { ok: boolean; [k: string]: unknown };
  proxyGit: boolean;
  /** Redirects of artifact downloads to the upstream come back through the relay. */
  proxyArtifacts: boolean;
  /** Upstream unreachable this long during a final PUT → 202 (the runner repeats it). Default 20 s. */
  finalBudgetMs?: number;
}

const JOB_ROUTE = /^\/api\/v4\/jobs\/(\d{1,15})(\/trace|\/artifacts)?$/;
const GIT_ROUTE = /^\/.+\.git\/(info\/refs|git-upload-pack|info\/lfs\/.*)$/;

export function createInnerServer(d: InnerServerDeps): http.Server {
  const server = http.createServer((req, res) => {
    handle(d, req, res).catch((e: Error) => {
      d.logger.warn('inner request failed', { method: req.method, url: req.url?.split('?')[0], error: e.message });
      if (!res.headersSent) sendJson(res, 502, { message: `relay: ${e.message}` });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 0;
  return server;
}

const forbidden = (res: ServerResponse) => sendJson(res, 403, { message: '403 Forbidden' });

function runnerToken(req: IncomingMessage, body: Buffer): string {
  try {
    const t = (JSON.parse(body.toString('utf8') || '{}') as { token?: unknown }).token;
    if (typeof t === 'string' && t) return t;
  } catch {
    // fall back to the header
  }
  return String(req.headers['runner-token'] ?? '');
}

async function handle(d: InnerServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://relay');
  const p = url.pathname;
  if (req.method === 'GET' && p === '/-/health') {
    const h = d.health();
    return sendJson(res, h.ok ? 200 : 503, h);
  }
  if (req.method === 'GET' && p === '/-/status') return sendJson(res, 200, d.status());
  if (req.method === 'GET' && p === '/metrics') {
    const text = await d.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': d.metrics.registry.contentType });
    return void res.end(text);
  }
  const bySession = (token: string) => [...d.sessions()].find((s) => s.state !== 'torn-down' && s.oneTimeMatches(token));
  if (p === '/api/v4/jobs/request' && req.method === 'POST') {
    const body = await readBody(req, 64 * 1024);
    if (!body) return sendJson(res, 413, { message: 'request too large' });
    const s = bySession(runnerToken(req, body));
    if (!s) return forbidden(res);
    if (s.handedOut || s.isOver) return void res.writeHead(204, { 'x-gitlab-last-update': `relay-${s.jobId}` }).end();
    const payload = d.payloadFor(s);
    s.handedOut = true;
    d.onPickup(s);
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    return void res.end(payload);
  }
  if ((p === '/api/v4/runners/verify' && req.method === 'POST') || ((p === '/api/v4/runners' || p === '/api/v4/runners/managers') && req.method === 'DELETE')) {
    const body = await readBody(req, 64 * 1024);
    const token = body ? runnerToken(req, body) : '';
    const s = token ? bySession(token) : undefined;
    if (!s) return forbidden(res);
    if (req.method === 'DELETE') return void res.writeHead(204).end();
    return sendJson(res, 200, { id: s.jobId, token, token_expires_at: null });
  }
  const m = JOB_ROUTE.exec(p);
  if (m) return jobRoute(d, req, res, url, Number(m[1]), m[2] ?? '');
  if (d.proxyGit && GIT_ROUTE.test(p) && (req.method === 'GET' || req.method === 'POST')) return gitRoute(d, req, res, url);
  req.resume();
  sendJson(res, 404, { message: '404 Not Found' });
}

function jobToken(req: IncomingMessage, url: URL, body?: Buffer): string {
  const h = req.headers['job-token'];
  if (typeof h === 'string' && h) return h;
  if (body && body.length) {
    try {
      const t = (JSON.parse(body.toString('utf8')) as { token?: unknown }).token;
      if (typeof t === 'string') return t;
    } catch {
      // no token in the body
    }
  }
  return url.searchParams.get('token') ?? '';
}

async function jobRoute(d: InnerServerDeps, req: IncomingMessage, res: ServerResponse, url: URL, id: number, sub: string): Promise<void> {
  const method = req.method ?? 'GET';
  const known = (method === 'PUT' && sub === '') || (method === 'PATCH' && sub === '/trace') || (sub === '/artifacts' && (method === 'POST' || method === 'GET'));
  if (!known) {
    req.resume();
    return sendJson(res, 404, { message: '404 Not Found' });
  }
  const target = new URL(`jobs/${id}${sub}`, d.apiBase);
  target.search = url.search;
  const buffered = method === 'PUT' || method === 'PATCH';
  const body = buffered ? await readBody(req, 4 * 1024 * 1024) : undefined;
  if (body === null) return sendJson(res, 413, { message: 'request too large' });
  const token = jobToken(req, url, body);
  const own = method !== 'GET';
  const s = [...d.sessions()].find((x) => x.state !== 'torn-down' && (own ? x.jobId === id && x.ownsToken(token) : x.allows(id, token)));
  if (!s) {
    req.resume();
    return forbidden(res);
  }
  if (!buffered) return streamRoute(d, req, res, s, target.toString(), method, sub);
  const headers = requestHeaders(req, { 'content-length': String(body!.length) });
  let finalState: string | null = null;
  if (method === 'PUT') {
    try {
      const state = (JSON.parse(body!.toString('utf8')) as { state?: unknown }).state;
      if (state === 'success' || state === 'failed') finalState = state;
    } catch {
      // the upstream answers a bad body itself
    }
    if (finalState) {
      s.final = { body: body!.toString('utf8'), state: finalState };
      d.onChange(s);
    }
  }
  const budget = finalState ? (d.finalBudgetMs ?? 20_000) : 5000;
  const until = Date.now() + budget;
  for (let attempt = 0; ; attempt++) {
    let up;
    try {
      up = await d.proxy.forward({ url: target.toString(), method, headers, body: body! });
    } catch (e) {
      d.metrics.upstreamErrors.inc({ kind: method === 'PUT' ? 'update' : 'trace' });
      if (Date.now() + 250 * 2 ** Math.min(attempt, 4) > until) {
        d.logger.warn('upstream unreachable', { job: id, method, error: (e as Error).message });
        // 202 to a final PUT: "accepted, not completed" — the runner repeats it, never drops it
        if (finalState) return void res.writeHead(202, { 'x-gitlab-trace-update-interval': '3', 'content-length': '3' }).end('202');
        return sendJson(res, 503, { message: 'relay: upstream unreachable' }, { 'retry-after': '1' });
      }
      await pause(250 * 2 ** Math.min(attempt, 4));
      continue;
    }
    observe(d, s, method, finalState, up.status, up.headers);
    return relayAnswer(res, up);
  }
}

/** What a PUT/PATCH answer tells the relay about the job. */
function observe(d: InnerServerDeps, s: JobSession, method: string, finalState: string | null, status: number, headers: Record<string, string | string[] | undefined>): void {
  const jobStatus = header(headers, 'job-status')?.trim().toLowerCase();
  if (method === 'PATCH' && status === 202) {
    const m = /^\s*\d+-(\d+)/.exec(header(headers, 'range') ?? '');
    if (m) {
      s.traceLength = Number(m[1]);
      d.onChange(s);
    }
  }
  const abort = status === 403 || jobStatus === 'canceled' || jobStatus === 'failed';
  if (method === 'PUT' && finalState && (status === 200 || status === 404 || abort)) {
    d.onOver(s, status === 200 ? finalState : jobStatus === 'canceled' ? 'canceled' : status === 404 ? 'not-found' : 'aborted');
  } else if (abort) {
    d.logger.info('upstream aborts the job', { job: s.jobId, status, jobStatus });
  }
}

async function streamRoute(d: InnerServerDeps, req: IncomingMessage, res: ServerResponse, s: JobSession, target: string, method: string, sub: string): Promise<void> {
  const ctl = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) ctl.abort();
  };
  res.once('close', onClose);
  const kind = method === 'POST' ? 'artifact_upload' : 'artifact_download';
  const count = (n: number) => d.metrics.proxiedBytes.inc({ kind }, n);
  let up;
  try {
    const body: Readable | undefined = method === 'POST' ? req.pipe(counter(count)) : undefined;
    up = await d.proxy.forward({ url: target, method, headers: requestHeaders(req), body, signal: ctl.signal });
  } catch (e) {
    d.metrics.upstreamErrors.inc({ kind: 'artifacts' });
    if (ctl.signal.aborted) return;
    d.logger.warn('upstream unreachable', { job: s.jobId, method, path: sub, error: (e as Error).message });
    return sendJson(res, 503, { message: 'relay: upstream unreachable' }, { 'retry-after': '1' });
  }
  const headers: Record<string, string> = {};
  const location = header(up.headers, 'location');
  if (location && d.proxyArtifacts) {
    const rewritten = rewriteLocation(location, d.apiBase, req);
    if (rewritten) headers.location = rewritten;
  }
  await relayAnswer(res, up, { headers, onBytes: method === 'GET' ? count : undefined });
}

/** A redirect to the upstream itself goes back through the relay (same path, relay host). */
function rewriteLocation(location: string, apiBase: string, req: IncomingMessage): string | null {
  try {
    const loc = new URL(location, apiBase);
    const base = new URL(apiBase);
    if (loc.origin !== base.origin || !req.headers.host) return null;
    return `http://${req.headers.host}${loc.pathname}${loc.search}`;
  } catch {
    return null;
  }
}

/** Git smart HTTP (clone/fetch) to the upstream, for environments that only reach the relay. */
async function gitRoute(d: InnerServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const target = new URL(url.pathname + url.search, new URL(d.apiBase).origin);
  // the repo URL carries the job token (Basic gitlab-ci-token:<token>); the upstream checks it,
  // but only tokens of a running session are let through the relay
  const auth = String(req.headers.authorization ?? '');
  const basic = /^Basic\s+(.+)$/i.exec(auth);
  const token = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':').slice(1).join(':') : '';
  if (!token) {
    req.resume();
    return void res.writeHead(401, { 'www-authenticate': 'Basic realm="gitlab-ci-dispatcher relay"', 'content-length': '0' }).end();
  }
  const s = [...d.sessions()].find((x) => x.state !== 'torn-down' && x.ownsToken(token));
  if (!s) {
    req.resume();
    return forbidden(res);
  }
  const up = await d.proxy.forward({ url: target.toString(), method: req.method ?? 'GET', headers: requestHeaders(req), body: req.method === 'POST' ? req : undefined });
  res.writeHead(up.status, Object.fromEntries(Object.entries(up.headers).filter(([k]) => !['connection', 'transfer-encoding', 'keep-alive'].includes(k))) as Record<string, string>);
  await pipeline(up.body, res);
}
