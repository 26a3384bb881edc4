// Serves the built UI (web/dist) at "/", with the SPA fallback: any GET that is not a file and not
// under /api/ (or the git and runner endpoints) answers index.html so client-side routes load.
// Responses are compressed (brotli or gzip, as the browser accepts). Without a build (a checkout
// where `npm run build` was not run), "/" and the client-side routes answer an HTML page that
// says how to build the UI, not a JSON 404.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

export interface WebStaticOptions {
  /** Directory with index.html and assets/ (it may not exist yet). */
  root: string;
}

const NOT_UI = /^\/(api\/|[^?]*\.git(\/|$))/;

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>gitlab-ci-dispatcher: the web UI is not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f1e24}code,pre{background:#ececef;border-radius:4px;padding:.1em .3em}pre{padding:.6em .8em;overflow-x:auto}</style>
</head><body>
<h1>The web UI is not built</h1>
<p>This server runs from a checkout where the UI has not been built yet. Build it, then reload this page:</p>
<pre>npm run build</pre>
<p>(<code>npm run build</code> builds the server and the UI; <code>npm run build:web</code> builds only the UI, into <code>web/dist</code>.)</p>
<p>The JSON API answers meanwhile under <a href="/api/ui/projects"><code>/api/ui/</code></a>.</p>
</body></html>
`;

export const webStaticPlugin: FastifyPluginAsync<WebStaticOptions> = async (app, options) => {
  const root = path.resolve(options.root);
  const indexFile = path.join(root, 'index.html');
  // Only this plugin's routes (the UI files): the API and the runner API keep their own encoding.
  await app.register(fastifyCompress, { global: true, encodings: ['br', 'gzip'], threshold: 1024 });
  if (existsSync(root)) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders: (res, file) => {
        // Hashed asset names never change: cache them for good. Everything else revalidates.
        res.header('cache-control', /[\\/]assets[\\/]/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
        res.header('x-content-type-options', 'nosniff');
      },
    });
  }
  const html = () => (existsSync(indexFile) ? readFileSync(indexFile) : null);
  const sendIndex = async (_request: FastifyRequest, reply: FastifyReply) => {
    const page = html();
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
    if (!page) return reply.code(503).send(NOT_BUILT);
    return reply.send(page);
  };
  app.get('/', sendIndex);
  app.setNotFoundHandler((request, reply) => {
    const url = request.url;
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${url}` });
    if (NOT_UI.test(url) || /^\/assets\//.test(url)) return reply.code(404).send({ error: 'not_found', message: `not found: ${url}` });
    return sendIndex(request, reply);
  });
};
