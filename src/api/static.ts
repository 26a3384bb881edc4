// Serves the built UI (web/dist) at "/", with the SPA fallback: any GET that is not a file and not
// under /api/ (or the git and runner endpoints) answers index.html so client-side routes load.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

export interface WebStaticOptions {
  /** Directory with index.html and assets/. */
  root: string;
}

const NOT_UI = /^\/(api\/|[^?]*\.git(\/|$))/;

export const webStaticPlugin: FastifyPluginAsync<WebStaticOptions> = async (app, options) => {
  const root = path.resolve(options.root);
  const indexFile = path.join(root, 'index.html');
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
  const html = () => (existsSync(indexFile) ? readFileSync(indexFile) : null);
  const sendIndex = async (_request: FastifyRequest, reply: FastifyReply) => {
    const page = html();
    if (!page) return reply.code(404).send({ error: 'not_found', message: 'the web UI is not built (npm run build:web)' });
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
  };
  app.get('/', sendIndex);
  app.setNotFoundHandler((request, reply) => {
    const url = request.url;
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${url}` });
    if (NOT_UI.test(url) || /^\/assets\//.test(url)) return reply.code(404).send({ error: 'not_found', message: `not found: ${url}` });
    return sendIndex(request, reply);
  });
};
