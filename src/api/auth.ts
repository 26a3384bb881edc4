// Who is calling: a token from `Authorization: Bearer`, `PRIVATE-TOKEN`, or the `gcd_token`
// cookie set by the sign-in form. Reads are open when `anonymousRead`; every action needs a token;
// admin routes need an admin token. A cookie alone is not enough for a state-changing request:
// it must also carry `X-Requested-With` (a header a cross-site form cannot set), on top of the
// cookie being SameSite=Strict.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Coordinator } from '../engine/coordinator.js';
import type { ApiToken } from '../engine/model.js';
import { AppError, forbidden, unauthorized } from '../util/errors.js';

export const COOKIE_NAME = 'gcd_token';

export interface AuthOptions {
  anonymousRead: boolean;
}

export interface Caller {
  token: ApiToken | null;
  via: 'header' | 'cookie' | null;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

function presentedToken(request: FastifyRequest): { token: string; via: 'header' | 'cookie' } | null {
  const authz = request.headers.authorization;
  if (typeof authz === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
    if (m) return { token: m[1], via: 'header' };
  }
  const pt = request.headers['private-token'];
  if (typeof pt === 'string' && pt.trim()) return { token: pt.trim(), via: 'header' };
  const cookie = parseCookies(request.headers.cookie)[COOKIE_NAME];
  if (cookie) return { token: cookie, via: 'cookie' };
  return null;
}

const callers = new WeakMap<FastifyRequest, Promise<Caller>>();

/** The caller of this request (memoised per request). A presented but unknown token is a 401. */
export function callerOf(request: FastifyRequest, coordinator: Coordinator): Promise<Caller> {
  let p = callers.get(request);
  if (!p) {
    p = (async () => {
      const presented = presentedToken(request);
      if (!presented) return { token: null, via: null };
      const token = await coordinator.authenticateApiToken(presented.token);
      if (!token) {
        // A stale cookie should not lock an anonymous reader out: treat it as absent.
        if (presented.via === 'cookie') return { token: null, via: null };
        throw unauthorized('invalid token');
      }
      return { token, via: presented.via };
    })();
    callers.set(request, p);
  }
  return p;
}

export type Access = 'read' | 'act' | 'admin';

export async function requireAccess(request: FastifyRequest, coordinator: Coordinator, auth: AuthOptions, access: Access): Promise<Caller> {
  const caller = await callerOf(request, coordinator);
  if (access === 'read') {
    if (!caller.token && !auth.anonymousRead) throw unauthorized('sign in with a token to read');
    return caller;
  }
  if (!caller.token) throw unauthorized('this action needs a token');
  const safe = request.method === 'GET' || request.method === 'HEAD';
  if (!safe && caller.via === 'cookie' && !request.headers['x-requested-with']) throw forbidden('missing X-Requested-With header');
  if (!caller.token.scopes.includes('api')) throw forbidden('this token may only read (it lacks the api scope)');
  if (access === 'admin' && caller.token.scope !== 'admin') throw forbidden('this action needs an admin token');
  return caller;
}

export function setTokenCookie(reply: FastifyReply, token: string | null, secure: boolean): void {
  const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  if (token === null) reply.header('set-cookie', `${COOKIE_NAME}=; Max-Age=0; ${attrs.join('; ')}`);
  else reply.header('set-cookie', `${COOKIE_NAME}=${encodeURIComponent(token)}; Max-Age=${30 * 24 * 3600}; ${attrs.join('; ')}`);
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
