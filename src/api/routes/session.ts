// Sign-in for the browser: POST a token, get an HttpOnly SameSite=Strict cookie. GET tells the UI
// who it is and whether anonymous reading is on.
import type { FastifyInstance } from 'fastify';
import { badRequest, unauthorized } from '../../util/errors.js';
import { callerOf, setTokenCookie } from '../auth.js';
import { body, type ApiContext } from '../context.js';

export function sessionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/session', async (request) => {
    const caller = await callerOf(request, ctx.coordinator);
    return {
      authenticated: caller.token !== null,
      name: caller.token?.name ?? null,
      scope: caller.token?.scope ?? null,
      anonymousRead: ctx.auth.anonymousRead,
    };
  });

  app.post('/session', async (request, reply) => {
    const token = body(request).token;
    if (typeof token !== 'string' || token.trim() === '' || token.length > 512) throw badRequest('token is required');
    const apiToken = await ctx.coordinator.authenticateApiToken(token.trim());
    if (!apiToken) throw unauthorized('invalid token');
    setTokenCookie(reply, token.trim(), request.protocol === 'https');
    return { authenticated: true, name: apiToken.name, scope: apiToken.scope, anonymousRead: ctx.auth.anonymousRead };
  });

  app.delete('/session', async (request, reply) => {
    setTokenCookie(reply, null, request.protocol === 'https');
    reply.code(204);
    return reply.send();
  });
}
