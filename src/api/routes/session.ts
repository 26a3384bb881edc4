// Sign-in for the browser: POST a token, get an HttpOnly SameSite=Strict cookie. GET tells the UI
// who it is and whether anonymous reading is on.
import { unauthorized } from '../../util/errors.js';
import { callerOf, setTokenCookie } from '../auth.js';
import type { ApiApp, ApiContext } from '../context.js';
import { SessionBody } from '../schemas/inputs.js';
import { SessionSchema } from '../schemas/views.js';

export function sessionRoutes(app: ApiApp, ctx: ApiContext): void {
  const tags = ['session'];

  app.get('/session', { schema: { tags, response: { 200: SessionSchema } } }, async (request) => {
    const caller = await callerOf(request, ctx.coordinator);
    return {
      authenticated: caller.token !== null,
      name: caller.token?.name ?? null,
      scope: caller.token?.scope ?? null,
      anonymousRead: ctx.auth.anonymousRead,
    };
  });

  app.post('/session', { schema: { tags, body: SessionBody, response: { 200: SessionSchema } } }, async (request, reply) => {
    const token = request.body.token.trim();
    const apiToken = await ctx.coordinator.authenticateApiToken(token);
    if (!apiToken) throw unauthorized('invalid token');
    setTokenCookie(reply, token, request.protocol === 'https');
    return { authenticated: true, name: apiToken.name, scope: apiToken.scope, anonymousRead: ctx.auth.anonymousRead };
  });

  app.delete('/session', { schema: { tags } }, async (request, reply) => {
    setTokenCookie(reply, null, request.protocol === 'https');
    reply.code(204);
    return reply.send();
  });
}
