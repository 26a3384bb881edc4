// The HTTP layer against a small real server: retries like gitlab-runner, statuses mapped to
// the runner's outcomes, last_update echoed.
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorClient } from './coordinator-client.js';
import { apiBaseUrl } from './base-url.js';
import { tinyServer } from '../test-support/tiny-server.js';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

const fast = { minBackoffMs: 1, maxBackoffMs: 5 };

describe('CoordinatorClient', () => {
  it('normalises the URL like gitlab-runner', () => {
    expect(apiBaseUrl('https://h/prefix/ci/')).toBe('https://h/prefix/api/v4/');
    expect(apiBaseUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/api/v4/');
  });

  it('retries 5xx/429 up to 5 attempts, honours Retry-After, then hands over the last answer', async () => {
    const s = await tinyServer((req, res, n) => {
      if (n === 1) {
        res.writeHead(429, { 'retry-after': '0' }).end();
      } else if (n < 3) res.writeHead(502).end();
      else {
        res.writeHead(204, { 'x-gitlab-last-update': 'v1' }).end();
      }
    });
    close = s.close;
    const c = new CoordinatorClient({ url: s.url, retry: fast });
    const r = await c.requestJob({ token: 'glrt-x', systemId: 's_1' });
    expect(r.kind).toBe('none');
    expect(s.requests).toHaveLength(3);
    expect(c.lastUpdate).toBe('v1');
    const second = await c.requestJob({ token: 'glrt-x' });
    expect(second.kind).toBe('none');
    const body = JSON.parse(s.requests[3].body.toString());
    expect(body).toMatchObject({ token: 'glrt-x', last_update: 'v1' });
    expect(s.requests[3].headers['runner-token']).toBe('glrt-x');
    expect(s.requests[3].headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    await c.close();
  });

  it('gives up after 5 attempts and does not retry 403', async () => {
    const s = await tinyServer((req, res) => {
      if (req.url!.includes('jobs/request')) res.writeHead(503).end();
      else res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"403 Forbidden"}');
    });
    close = s.close;
    const c = new CoordinatorClient({ url: s.url, retry: fast });
    expect(await c.requestJob({ token: 't' })).toMatchObject({ kind: 'failed', status: 503 });
    expect(s.requests).toHaveLength(5);
    const put = await c.updateJob(1, 'jt', { state: 'running' });
    expect(put.outcome).toBe('abort');
    expect(s.requests).toHaveLength(6);
    await c.close();
  });

  it('a 201 with a wrong content type or an undecodable payload is a failed request (job lost, as in Go)', async () => {
    const s = await tinyServer((req, res, n) => {
      if (n === 1) res.writeHead(201, { 'content-type': 'text/plain' }).end('{}');
      else res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":1,"variables":[{"key":"A","value":1}]}');
    });
    close = s.close;
    const c = new CoordinatorClient({ url: s.url, retry: fast });
    expect(await c.requestJob({ token: 't' })).toMatchObject({ kind: 'failed', status: -1 });
    expect(await c.requestJob({ token: 't' })).toMatchObject({ kind: 'failed', message: expect.stringContaining('cannot unmarshal number') });
    await c.close();
  });

  it('retries transport errors and reports -1 when the server is gone', async () => {
    const s = await tinyServer((req, res) => void res.writeHead(204).end());
    const url = s.url;
    await s.close();
    const c = new CoordinatorClient({ url, retry: fast });
    expect(await c.requestJob({ token: 't' })).toMatchObject({ kind: 'failed', status: -1 });
    await c.close();
  });

  it('maps PUT and PATCH answers (§3.2, §4)', async () => {
    const answers: [number, Record<string, string>][] = [
      [200, { 'job-status': 'canceling', 'x-gitlab-trace-update-interval': '7' }],
      [202, {}],
      [412, {}],
      [404, {}],
      [200, { 'job-status': 'canceled' }],
      [416, { range: '0-17' }],
      [202, { 'job-status': 'failed' }],
    ];
    const s = await tinyServer((req, res, n) => void res.writeHead(...answers[n - 1]).end());
    close = s.close;
    const c = new CoordinatorClient({ url: s.url, retry: fast });
    expect(await c.updateJob(9, 'jt', { state: 'running' })).toMatchObject({ outcome: 'ok', jobStatus: 'canceling', updateIntervalMs: 7000 });
    expect((await c.updateJob(9, 'jt', { state: 'success' })).outcome).toBe('accepted');
    expect((await c.updateJob(9, 'jt', { state: 'success' })).outcome).toBe('trace-reset');
    expect((await c.updateJob(9, 'jt', { state: 'success' })).outcome).toBe('not-found');
    expect((await c.updateJob(9, 'jt', { state: 'success' })).outcome).toBe('abort');
    expect(await c.patchTrace(9, 'jt', 20, Buffer.from('abc'))).toMatchObject({ outcome: 'range', serverLength: 17 });
    expect(s.requests[5].headers['content-range']).toBe('20-22');
    expect(s.requests[5].headers['job-token']).toBe('jt');
    expect(s.requests[5].url).toBe('/api/v4/jobs/9/trace?debug_trace=false');
    expect((await c.patchTrace(9, 'jt', 0, Buffer.from('x'))).outcome).toBe('abort');
    expect(JSON.parse(s.requests[0].body.toString())).toMatchObject({ token: 'jt', state: 'running' });
    await c.close();
  });
});
