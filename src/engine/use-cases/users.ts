// Users and their access tokens (GitLab personal and project access tokens). Every API token
// belongs to a user: the admin token to the first administrator (root, created by migration 11),
// a `user` token to a user of the token's name. Tokens are random (glpat- prefix), stored only as a
// SHA-256 hash, looked up by that hash; revoked and expired ones do not authenticate.
import { AppError, badRequest, notFound } from '../../util/errors.js';
import { hashToken, randomToken } from '../../util/tokens.js';
import type { EngineContext } from '../context.js';
import type { AuthenticatedUser, CreateAccessTokenInput, CreateUserInput } from '../coordinator.js';
import { TOKEN_SCOPES, type ApiToken, type Job, type TokenScope, type User } from '../model.js';

export const PAT_PREFIX = 'glpat-';

const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function checkScopes(scopes: readonly string[]): TokenScope[] {
  if (!scopes.length) throw badRequest('scopes is missing');
  for (const s of scopes) if (!(TOKEN_SCOPES as readonly string[]).includes(s)) throw badRequest(`scopes does not have a valid value: ${s}`);
  return [...new Set(scopes)] as TokenScope[];
}

export async function createUser(ctx: EngineContext, input: CreateUserInput): Promise<User> {
  if (!USERNAME.test(input.username)) throw badRequest('username is invalid');
  const user = await ctx.store.users.insert({
    username: input.username,
    name: input.name?.trim() || input.username,
    email: input.email ?? `${input.username}@noreply.localhost`,
    isAdmin: input.isAdmin ?? false,
    bot: input.bot ?? false,
    state: 'active',
    createdAt: ctx.now(),
  });
  if (!user) throw new AppError('conflict', 'Username has already been taken');
  return user;
}

/** Today as YYYY-MM-DD (UTC) per the engine clock. */
const today = (ctx: EngineContext) => ctx.now().slice(0, 10);

export function isTokenActive(ctx: EngineContext, t: ApiToken): boolean {
  return !t.revoked && (t.expiresAt === null || t.expiresAt > today(ctx));
}

export async function createAccessToken(ctx: EngineContext, input: CreateAccessTokenInput): Promise<{ token: string; apiToken: ApiToken }> {
  const name = input.name.trim();
  if (!name) throw badRequest('name is missing');
  if (name.length > 255) throw badRequest('name is too long (maximum is 255 characters)');
  const scopes = checkScopes(input.scopes);
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt !== null && (!DATE.test(expiresAt) || Number.isNaN(Date.parse(expiresAt)))) throw badRequest('expires_at is invalid');
  if (expiresAt !== null && expiresAt <= today(ctx)) throw badRequest('expires_at must be in the future');
  const user = await ctx.store.users.byId(input.userId);
  if (!user) throw notFound('404 User Not Found');
  const token = randomToken(PAT_PREFIX);
  const apiToken = await ctx.store.tokens.insertApiToken({
    name,
    scope: user.isAdmin ? 'admin' : 'user',
    tokenHash: hashToken(token),
    createdAt: ctx.now(),
    userId: user.id,
    scopes,
    projectId: input.projectId ?? null,
    accessLevel: input.accessLevel ?? null,
    expiresAt,
  });
  return { token, apiToken };
}

/**
 * A project access token: GitLab makes a bot user for it (project_<id>_bot_<n>), member of that
 * project only; the token reaches only that project.
 */
export async function createProjectAccessToken(
  ctx: EngineContext,
  input: { projectId: number; name: string; scopes: readonly string[]; accessLevel?: number; expiresAt?: string | null },
): Promise<{ token: string; apiToken: ApiToken; user: User }> {
  const project = await ctx.store.projects.byId(input.projectId);
  if (!project) throw notFound('404 Project Not Found');
  const accessLevel = input.accessLevel ?? 40;
  if (![10, 20, 30, 40, 50].includes(accessLevel)) throw badRequest('access_level does not have a valid value');
  checkScopes(input.scopes);
  if (!input.name.trim()) throw badRequest('name is missing');
  const suffix = randomToken().slice(0, 8).toLowerCase().replace(/[^a-z0-9]/g, 'x');
  const user = await createUser(ctx, { username: `project_${project.id}_bot_${suffix}`, name: input.name.trim(), bot: true });
  const created = await createAccessToken(ctx, { ...input, userId: user.id, projectId: project.id, accessLevel });
  return { ...created, user };
}

/** The user and token behind a presented token; null when unknown, revoked or expired. */
export async function authenticateUser(ctx: EngineContext, token: string): Promise<AuthenticatedUser | null> {
  if (!token || token.length > 512) return null;
  const apiToken = await ctx.store.tokens.apiTokenByHash(hashToken(token));
  if (!apiToken || !isTokenActive(ctx, apiToken) || apiToken.userId === null) return null;
  const user = await ctx.store.users.byId(apiToken.userId);
  if (!user || user.state !== 'active') return null;
  return { user, apiToken };
}

/** The user an old-style `createApiToken(name, scope)` token belongs to. */
export async function ownerForApiToken(ctx: EngineContext, name: string, scope: 'admin' | 'user'): Promise<User> {
  if (scope === 'admin') {
    const admin = await ctx.store.users.firstAdmin();
    if (admin) return admin;
    return createUser(ctx, { username: 'root', name: 'Administrator', email: 'admin@localhost', isAdmin: true });
  }
  const username = name.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]+/, '').slice(0, 200) || 'user';
  const existing = await ctx.store.users.byUsername(username);
  if (existing && !existing.isAdmin && !existing.bot) return existing;
  if (!existing) {
    const made = await ctx.store.users.insert({ username, name, email: `${username}@noreply.localhost`, isAdmin: false, bot: false, state: 'active', createdAt: ctx.now() });
    if (made) return made;
  }
  return createUser(ctx, { username: `${username}-${randomToken().slice(0, 6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`, name });
}

const LIVE_JOB = ['running', 'canceling'];

/** The running job a job token (CI_JOB_TOKEN) belongs to; null once the job finished. */
export async function jobForToken(ctx: EngineContext, token: string): Promise<Job | null> {
  if (!token || token.length > 512) return null;
  const job = await ctx.store.jobs.byTokenHash(hashToken(token));
  return job && LIVE_JOB.includes(job.status) ? job : null;
}
