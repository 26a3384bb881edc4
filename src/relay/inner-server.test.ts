// The inner runner API over real sockets: a scripted upstream (node:http) behind the relay's
// inner server. One-time token semantics, job-token checks, headers and status codes passed
// verbatim (Job-Status, Range on 416, X-GitLab-Trace-Update-Interval, Retry-After), the final PUT
// answered 202 while the upstream is unreachable, and a 1 GiB artifact streamed both ways in
// constant memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { JobSession } from './job-session.js';
import { createInnerServer } from './inner-server.js';
import { relayMetrics } from './metrics.js';
import { UpstreamProxy } from './proxy.js';
import { silentRelayLogger } from './logger.js';

const GiB = 1024 * 1024 * 1024;
const DOWN = 256 * 1024 * 1024;
let upstream: http.Server;
let upstreamUrl = '';
let inner: http.Server;
let base = '';
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; bytes: number }[] = [];
const overs: string[] = [];
const session = new JobSession({
  job: { id: 42, token: 'job-token-42', job_info: { name: 'build' }, runner_info: { timeout: 60 }, dependencies: [{ id: 41, token: 'dep-token-41' }] },
  payload: '{"id":42,"token":"job-token-42"}',
});
const proxy = new UpstreamProxy();

const listen = (s: http.Server) => new Promise<string>((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, bytes });
      if (req.method === 'PATCH' && req.headers['content-range'] === '0-4') return res.writeHead(416, { range: '0-3', 'job-status': 'running' }).end();
      if (req.method === 'PATCH') return res.writeHead(202, { range: '0-10', 'job-status': 'canceling', 'x-gitlab-trace-update-interval': '7' }).end();
      if (req.method === 'PUT') return res.writeHead(429, { 'retry-after': '9', 'content-type': 'application/json' }).end('{"message":"slow down"}');
      if (req.method === 'POST') return res.writeHead(201, { 'content-type': 'application/json' }).end(`{"bytes":${bytes}}`);
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(DOWN) });
        let left = DOWN;
        const chunk = Buffer.alloc(1024 * 1024, 7);
        Readable.from((function* () {
          while (left > 0) {
            left -= chunk.length;
            yield chunk;
          }
        })()).pipe(res);
      }
    });
  });
  upstreamUrl = await listen(upstream);
  inner = createInnerServer({
    sessions: () => [session],
    apiBase: `${upstreamUrl}/api/v4/`,
    proxy,
    logger: silentRelayLogger,
    metrics: relayMetrics(),
    onPickup: (s) => s.markPickedUp(),
    onChange: () => {},
    onOver: (s, outcome) => overs.push(outcome),
    payloadFor: (s) => s.payload!,
    status: () => ({ jobs: [] }),
    health: () => ({ ok: true }),
    proxyGit: false,
    proxyArtifacts: false,
    finalBudgetMs: 500,
  });
  base = await listen(inner);
});

afterAll(async () => {
  inner.closeAllConnections();
  upstream.closeAllConnections();
  await new Promise((r) => inner.close(r));
  await new Promise((r) => upstream.close(r));
  await proxy.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('inner runner API', () => {
  it('hands the payload out once for the one-time token, then 204; other tokens get 403', async () => {
    expect((await post('/api/v4/jobs/request', { token: 'glrt-wrong' })).status).toBe(403);
    const first = await post('/api/v4/jobs/request', { token: session.oneTimeToken });
    expect(first.status).toBe(201);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(await first.text()).toBe('{"id":42,"token":"job-token-42"}');
    expect((await post('/api/v4/jobs/request', {}, { 'RUNNER-TOKEN': session.oneTimeToken })).status).toBe(204);
    const verify = await post('/api/v4/runners/verify', { token: session.oneTimeToken });
    expect(verify.status).toBe(200);
    expect(((await verify.json()) as { id: number }).id).toBe(42);
    expect((await post('/api/v4/runners/verify', { token: 'x' })).status).toBe(403);
  });

  it('passes PATCH answers back verbatim and learns the trace length', async () => {
    const ok = await fetch(`${base}/api/v4/jobs/42/trace?debug_trace=false`, { method: 'PATCH', headers: { 'job-token': 'job-token-42', 'content-range': '0-10' }, body: 'hello world' });
    expect(ok.status).toBe(202);
    expect([ok.headers.get('range'), ok.headers.get('job-status'), ok.headers.get('x-gitlab-trace-update-interval')]).toEqual(['0-10', 'canceling', '7']);
    expect(session.traceLength).toBe(10);
    const last = seen.at(-1)!;
    expect([last.url, last.headers['job-token'], last.headers['content-range'], last.bytes]).toEqual(['/api/v4/jobs/42/trace?debug_trace=false', 'job-token-42', '0-10', 11]);
    const range = await fetch(`${base}/api/v4/jobs/42/trace`, { method: 'PATCH', headers: { 'job-token': 'job-token-42', 'content-range': '0-4' }, body: 'hello' });
    expect([range.status, range.headers.get('range')]).toEqual([416, '0-3']);
  });

  it('refuses a job id or token that is not the session\'s', async () => {
    expect((await fetch(`${base}/api/v4/jobs/42/trace`, { method: 'PATCH', headers: { 'job-token': 'dep-token-41', 'content-range': '0-0' }, body: 'x' })).status).toBe(403);
    expect((await fetch(`${base}/api/v4/jobs/43`, { method: 'PUT', headers: { 'job-token': 'job-token-42' }, body: '{}' })).status).toBe(403);
    expect((await fetch(`${base}/api/v4/jobs/42/artifacts`, { headers: { 'job-token': 'guess' } })).status).toBe(403);
    expect((await fetch(`${base}/api/v4/jobs/42/nope`, { headers: { 'job-token': 'job-token-42' } })).status).toBe(404);
  });

  it('passes a 429 with Retry-After back and keeps the final state', async () => {
    const put = await fetch(`${base}/api/v4/jobs/42`, { method: 'PUT', headers: { 'content-type': 'application/json', 'job-token': 'job-token-42' }, body: '{"token":"job-token-42","state":"success"}' });
    expect([put.status, put.headers.get('retry-after'), await put.text()]).toEqual([429, '9', '{"message":"slow down"}']);
    expect(session.final).toEqual({ body: '{"token":"job-token-42","state":"success"}', state: 'success' });
    expect(overs).toEqual([]);
  });

  it('streams a 1 GiB artifact up and a 256 MiB one down (a dependency\'s token) in constant memory', async () => {
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    try {
      let left = GiB;
      const chunk = Buffer.alloc(1024 * 1024, 1);
      const body = Readable.from((function* () {
        while (left > 0) {
          left -= chunk.length;
          yield chunk;
        }
      })());
      const up = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(`${base}/api/v4/jobs/42/artifacts?artifact_format=zip&artifact_type=archive`, { method: 'POST', headers: { 'job-token': 'job-token-42', 'content-type': 'multipart/form-data; boundary=x' } }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject);
        body.pipe(req);
      });
      expect(up).toEqual({ status: 201, text: `{"bytes":${GiB}}` });
      expect(seen.at(-1)!.url).toBe('/api/v4/jobs/42/artifacts?artifact_format=zip&artifact_type=archive');
      const down = await fetch(`${base}/api/v4/jobs/41/artifacts?direct_download=true`, { headers: { 'job-token': 'job-token-42' } });
      expect([down.status, down.headers.get('content-length')]).toEqual([200, String(DOWN)]);
      let got = 0;
      for await (const c of down.body as unknown as AsyncIterable<Uint8Array>) got += c.length;
      expect(got).toBe(DOWN);
    } finally {
      clearInterval(sampler);
    }
    expect(peak - rss0).toBeLessThan(200 * 1024 * 1024);
  }, 120_000);

  it('answers a final PUT 202 while the upstream is unreachable (the runner repeats it)', async () => {
    const gone = http.createServer();
    const url = await listen(gone);
    await new Promise((r) => gone.close(r));
    const s2 = new JobSession({ job: { id: 7, token: 'jt-7' }, payload: null });
    const srv = createInnerServer({
      sessions: () => [s2], apiBase: `${url}/api/v4/`, proxy, logger: silentRelayLogger, metrics: relayMetrics(), onPickup: () => {}, onChange: () => {}, onOver: () => {},
      payloadFor: () => '{}', status: () => ({}), health: () => ({ ok: true }), proxyGit: false, proxyArtifacts: false, finalBudgetMs: 300,
    });
    const b = await listen(srv);
    try {
      const put = await fetch(`${b}/api/v4/jobs/7`, { method: 'PUT', headers: { 'job-token': 'jt-7' }, body: '{"state":"failed","failure_reason":"script_failure"}' });
      expect(put.status).toBe(202);
      expect(s2.final?.state).toBe('failed');
      const patch = await fetch(`${b}/api/v4/jobs/7/trace`, { method: 'PATCH', headers: { 'job-token': 'jt-7', 'content-range': '0-0' }, body: 'x' });
      expect([patch.status, patch.headers.get('retry-after')]).toEqual([503, '1']);
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  }, 30_000);
});
