// Who calls the REST API, as GitLab reads it (first match wins):
//   PRIVATE-TOKEN header · Authorization: Bearer <token> · private_token / access_token query
//   → a user's token (admin, personal or project access token) with its scopes;
//   JOB-TOKEN header · job_token query or body field → the running job of a CI_JOB_TOKEN.
// A presented token that is unknown, revoked or expired is a 401 (GitLab: "401 Unauthorized").
// Read endpoints need `read_api` or `api`; writes need `api`; a project access token reaches its
// project only; a job token reaches its own project (route modules may allow more).
import type { FastifyRequest } from 'fastify';
import type { ApiToken, Job, Project, TokenScope, User } from '../engine/model.js';
import { AppError } from '../util/errors.js';
import type { RestContext } from './context.js';

export interface Principal {
  /** The token's user; null for a job token. */
  user: User | null;
  /** The token's scopes (a job token has none of its own: see `jobToken`). */
  scopes: TokenScope[];
  /** The user token presented (null for a job token). */
  token: ApiToken | null;
  /** The running job whose CI_JOB_TOKEN was presented. */
  jobToken: Job | null;
  /** The project the credentials are limited to (project access token, job token); null = any. */
  projectId: number | null;
  isAdmin: boolean;
}

export const unauthorized = () => new AppError('unauthorized', '401 Unauthorized');
export const forbidden = (why = '403 Forbidden') => new AppError('forbidden', why);

function first(value: unknown): string | undefined {
  if (Array.isArray(value)) return first(value[0]);
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function presented(request: FastifyRequest): { kind: 'user' | 'job'; token: string } | null {
  const h = request.headers;
  const pat = first(h['private-token']);
  if (pat) return { kind: 'user', token: pat };
  const authz = first(h.authorization);
  if (authz) {
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    if (m) return { kind: 'user', token: m[1] };
  }
  const job = first(h['job-token']);
  if (job) return { kind: 'job', token: job };
  const query = (request.query ?? {}) as Record<string, unknown>;
  const qt = first(query.private_token) ?? first(query.access_token);
  if (qt) return { kind: 'user', token: qt };
  const body = request.body && typeof request.body === 'object' && !Buffer.isBuffer(request.body) ? (request.body as Record<string, unknown>) : {};
  const jt = first(query.job_token) ?? first(body.job_token);
  if (jt) return { kind: 'job', token: jt };
  return null;
}

const principals = new WeakMap<FastifyRequest, Promise<Principal | null>>();

/** The caller of this request, or null when it presented no credentials (memoised per request). */
export function restAuth(request: FastifyRequest, ctx: RestContext): Promise<Principal | null> {
  let p = principals.get(request);
  if (!p) {
    p = (async (): Promise<Principal | null> => {
      const cred = presented(request);
      if (!cred) return null;
      if (cred.kind === 'job') {
        const job = await ctx.coordinator.jobForToken(cred.token);
        if (!job) throw unauthorized();
        return { user: null, scopes: [], token: null, jobToken: job, projectId: job.projectId, isAdmin: false };
      }
      const found = await ctx.coordinator.authenticateUser(cred.token);
      if (!found) throw unauthorized();
      return {
        user: found.user,
        scopes: found.apiToken.scopes,
        token: found.apiToken,
        jobToken: null,
        projectId: found.apiToken.projectId,
        isAdmin: found.user.isAdmin,
      };
    })();
    principals.set(request, p);
  }
  return p;
}

export type ScopeNeed = 'read_api' | 'api';

export interface RequireOptions {
  /** Accept a CI_JOB_TOKEN (for the endpoints GitLab opens to job tokens). */
  jobToken?: boolean;
}

/**
 * The caller, who must hold `need`: `read_api` is met by `read_api` or `api`, `api` only by `api`.
 * 401 without credentials, 403 with too narrow a token (GitLab: insufficient_scope).
 */
export async function requireScope(request: FastifyRequest, ctx: RestContext, need: ScopeNeed, options: RequireOptions = {}): Promise<Principal> {
  const principal = await restAuth(request, ctx);
  if (!principal) throw unauthorized();
  if (principal.jobToken) {
    if (!options.jobToken) throw forbidden('403 Forbidden - this endpoint does not accept a job token');
    return principal;
  }
  const ok = need === 'api' ? principal.scopes.includes('api') : principal.scopes.includes('api') || principal.scopes.includes('read_api');
  if (!ok) throw forbidden(`403 Forbidden - insufficient_scope: the token needs the ${need} scope`);
  return principal;
}

/** An administrator's token with the `api` scope (GitLab's admin endpoints). */
export async function requireAdmin(request: FastifyRequest, ctx: RestContext, need: ScopeNeed = 'api'): Promise<Principal> {
  const principal = await requireScope(request, ctx, need);
  if (!principal.isAdmin) throw forbidden();
  return principal;
}

/** May the caller reach `project` at all? (404 otherwise, as GitLab hides what you cannot see.) */
export function canSeeProject(principal: Principal, project: Project): boolean {
  return principal.projectId === null || principal.projectId === project.id;
}

/**
 * May the caller change `project`'s settings (variables, protected refs, runners, tokens)? GitLab
 * needs Maintainer (40): every user is treated as one of every project here; a project access
 * token needs access level 40 or more; a job token never.
 */
export function canAdministerProject(principal: Principal, project: Project): boolean {
  if (principal.jobToken || !canSeeProject(principal, project)) return false;
  return principal.token?.accessLevel === null || principal.token?.accessLevel === undefined || principal.token.accessLevel >= 40;
}
