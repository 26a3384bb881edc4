// Sign-in for the browser: POST a token, get an HttpOnly SameSite=Strict cookie. GET tells the UI
// who it is and whether anonymous reading is on. GET /session/local?code=…&to=/path is the
// sign-in link `run` prints (local-sessions.ts): from loopback only, the code works once.
import { unauthorized } from '../../util/errors.js';
import { callerOf, localCookieName, setLocalSessionCookie, setTokenCookie } from '../auth.js';
import type { ApiApp, ApiContext } from '../context.js';
import { LocalSessionQuery, SessionBody } from '../schemas/inputs.js';
import { SessionSchema } from '../schemas/views.js';

export function sessionRoutes(app: ApiApp, ctx: ApiContext): void {
  const tags = ['session'];

  app.get('/session', { schema: { tags, response: { 200: SessionSchema } } }, async (request) => {
    const caller = await callerOf(request, ctx.coordinator, ctx.auth);
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

  // An invalid or used link is an HTML page (a browser opened it), never a JSON 400: the query
  // schema takes any strings, the checks are here.
  app.get('/session/local', { schema: { tags, querystring: LocalSessionQuery, hide: true } }, async (request, reply) => {
    const q = request.query;
    const to = typeof q.to === 'string' && /^\/(?![/\\])[!-~]{0,2000}$/.test(q.to) ? q.to : '/';
    const sessions = ctx.auth.localSessions;
    const secret = sessions && isLoopback(request.socket.remoteAddress) && typeof q.code === 'string' && q.code.length <= 100 ? sessions.redeem(q.code) : null;
    if (!secret) {
      reply.code(403).type('text/html; charset=utf-8').header('cache-control', 'no-store');
      return `<!doctype html><meta charset="utf-8"><title>Sign-in link not valid</title><p>This sign-in link is not valid here or was already used: a link printed by <code>run</code> works once, in one browser, on this machine.</p><p><a href="${escapeHtml(to)}">Continue without signing in</a></p>`;
    }
    setLocalSessionCookie(request, reply, secret);
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    return reply.redirect(to, 303);
  });

  app.delete('/session', { schema: { tags } }, async (request, reply) => {
    if (ctx.auth.localSessions) reply.header('set-cookie', `${localCookieName(request)}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`);
    setTokenCookie(reply, null, request.protocol === 'https');
    reply.code(204);
    return reply.send();
  });
}

const isLoopback = (address: string | undefined) => !!address && (address === '::1' || /^(::ffff:)?127\./.test(address));
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
