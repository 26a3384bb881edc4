// The built UI is served at "/" with an SPA fallback that never swallows API or git paths.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { webStaticPlugin } from './static.js';

let dir: string;
let app: FastifyInstance;
let url: string;
const big = `console.log(${JSON.stringify('x'.repeat(4000))});`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gcd-static-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><div id="app"></div>');
  await writeFile(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(path.join(dir, 'assets', 'big-abc.js'), big);
  app = Fastify({ logger: false });
  await app.register(async (api) => {
    api.get('/projects', async () => []);
  }, { prefix: '/api/ui' });
  await app.register(webStaticPlugin, { root: dir });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

it('serves index.html at / and for client-side routes', async () => {
  for (const p of ['/', '/pipelines/12', '/jobs/3?x=1', '/projects/group%2Fdemo']) {
    const res = await fetch(url + p);
    expect(res.status, p).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('id="app"');
  }
});

it('serves hashed assets with a long cache', async () => {
  const res = await fetch(`${url}/assets/index-abc.js`);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toMatch(/immutable/);
  expect(await res.text()).toBe('console.log(1)');
});

it('does not answer API, git or missing asset paths with the page', async () => {
  expect((await fetch(`${url}/api/ui/projects`)).status).toBe(200);
  for (const p of ['/api/ui/nope', '/api/v4/jobs/request', '/group/demo.git/info/refs', '/assets/missing.js']) {
    const res = await fetch(url + p);
    expect(res.status, p).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/json/);
  }
  expect((await fetch(`${url}/anything`, { method: 'POST' })).status).toBe(404);
});

it('compresses what it serves with brotli or gzip, as asked', async () => {
  for (const encoding of ['br', 'gzip']) {
    for (const p of ['/assets/big-abc.js', '/']) {
      const res = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        // fetch() would decode (and hide) the encoding: a raw request sees the header.
        const req = http.get(url + p, { headers: { 'accept-encoding': encoding } }, (r) => {
          r.resume();
          r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers }));
        });
        req.on('error', reject);
      });
      expect(res.status, p).toBe(200);
      if (p !== '/') expect(res.headers['content-encoding'], `${p} ${encoding}`).toBe(encoding);
    }
  }
  const plain = await fetch(`${url}/assets/big-abc.js`, { headers: { 'accept-encoding': 'identity' } });
  expect(await plain.text()).toBe(big);
});

it('without a build, "/" and client routes answer a page that says how to build the UI', async () => {
  const bare = Fastify({ logger: false });
  await bare.register(webStaticPlugin, { root: path.join(dir, 'not-built') });
  await bare.listen({ host: '127.0.0.1', port: 0 });
  try {
    const a = bare.server.address();
    const base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    for (const p of ['/', '/pipelines/3']) {
      const res = await fetch(base + p);
      expect(res.headers.get('content-type'), p).toMatch(/text\/html/);
      expect(await res.text()).toContain('npm run build');
    }
    expect((await fetch(`${base}/api/ui/nope`)).headers.get('content-type')).toMatch(/json/);
  } finally {
    await bare.close();
  }
});
