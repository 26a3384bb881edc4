// Personal and project access tokens: GET /personal_access_tokens[/:id|/self] (own; an admin any,
// `user_id` filter), DELETE /personal_access_tokens/:id|self (revoke), POST
// /users/:id/personal_access_tokens (admin) and /user/personal_access_tokens (self);
// GET/POST /projects/:id/access_tokens, GET/DELETE /projects/:id/access_tokens/:token_id.
// The plaintext token is in the creation answer only; revoked and expired tokens stop working.
import { Type, type Static } from '@sinclair/typebox';
import type { ApiToken } from '../../engine/model.js';
import { TOKEN_SCOPES } from '../../engine/model.js';
import { forbidden, requireScope, type Principal } from '../auth.js';
import type { RestContext, RestRoutes } from '../context.js';
import { notFoundError } from '../errors.js';
import { paginate } from '../pagination.js';
import { projectToAdminister } from '../project-param.js';
import { paginated, RowId } from '../schemas/common.js';

const TokenSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  revoked: Type.Boolean(),
  created_at: Type.String(),
  scopes: Type.Array(Type.String()),
  user_id: Type.Union([Type.Integer(), Type.Null()]),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
  expires_at: Type.Union([Type.String(), Type.Null()]),
  access_level: Type.Optional(Type.Integer()),
  token: Type.Optional(Type.String()),
});
type TokenShape = Static<typeof TokenSchema>;

const today = () => new Date().toISOString().slice(0, 10);

function tokenShape(t: ApiToken, plaintext?: string): TokenShape {
  return {
    id: t.id,
    name: t.name,
    description: null,
    revoked: t.revoked,
    created_at: t.createdAt,
    scopes: t.scopes,
    user_id: t.userId,
    last_used_at: null,
    active: !t.revoked && (t.expiresAt === null || t.expiresAt > today()),
    expires_at: t.expiresAt,
    ...(t.accessLevel !== null ? { access_level: t.accessLevel } : {}),
    ...(plaintext ? { token: plaintext } : {}),
  };
}

const CreateBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  scopes: Type.Array(Type.Union(TOKEN_SCOPES.map((s) => Type.Literal(s))), { minItems: 1, maxItems: 20 }),
  expires_at: Type.Optional(Type.Union([Type.String({ format: 'date' }), Type.Null()])),
  description: Type.Optional(Type.String({ maxLength: 255 })),
});
const ProjectCreateBody = Type.Composite([CreateBody, Type.Object({ access_level: Type.Optional(Type.Union([10, 20, 30, 40, 50].map((n) => Type.Literal(n)))) })]);

/** A token the caller may see: their own (personal ones), or any for an admin. */
async function ownToken(ctx: RestContext, principal: Principal, id: number): Promise<ApiToken> {
  const t = await ctx.coordinator.read.accessToken(id);
  if (!t || t.projectId !== null || (!principal.isAdmin && t.userId !== principal.user?.id)) throw notFoundError('Personal Access Token');
  return t;
}

export const accessTokenRoutes: RestRoutes = (app, ctx) => {
  const tags = ['access tokens'];
  const user = (p: Principal) => {
    if (!p.user) throw forbidden();
    return p.user;
  };

  app.get('/personal_access_tokens', { schema: { tags, summary: 'List personal access tokens', querystring: paginated({ user_id: Type.Optional(RowId), revoked: Type.Optional(Type.Boolean()), state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive')])), search: Type.Optional(Type.String({ maxLength: 255 })) }), response: { 200: Type.Array(TokenSchema) } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const q = request.query;
    const me = user(principal);
    const userId = principal.isAdmin ? q.user_id : me.id;
    let list = (await ctx.coordinator.read.accessTokens({ userId, projectId: null })).map((t) => tokenShape(t));
    if (q.revoked !== undefined) list = list.filter((t) => t.revoked === q.revoked);
    if (q.state) list = list.filter((t) => t.active === (q.state === 'active'));
    if (q.search) list = list.filter((t) => t.name.includes(q.search!));
    return paginate(request, reply, list, { baseUrl: ctx.externalUrl(), idOf: (t) => t.id });
  });

  app.get('/personal_access_tokens/self', { schema: { tags, summary: 'The token used for this request', response: { 200: TokenSchema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api');
    if (!principal.token) throw forbidden();
    return tokenShape(principal.token);
  });

  app.get('/personal_access_tokens/:id', { schema: { tags, summary: 'Get a personal access token', params: Type.Object({ id: RowId }), response: { 200: TokenSchema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api');
    return tokenShape(await ownToken(ctx, principal, request.params.id));
  });

  app.delete('/personal_access_tokens/self', { schema: { tags, summary: 'Revoke the token used for this request' } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'read_api');
    if (!principal.token) throw forbidden();
    await ctx.coordinator.revokeAccessToken(principal.token.id);
    return reply.code(204).send();
  });

  app.delete('/personal_access_tokens/:id', { schema: { tags, summary: 'Revoke a personal access token', params: Type.Object({ id: RowId }) } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const t = await ownToken(ctx, principal, request.params.id);
    if (t.revoked) throw notFoundError('Personal Access Token');
    await ctx.coordinator.revokeAccessToken(t.id);
    return reply.code(204).send();
  });

  app.post('/users/:id/personal_access_tokens', { schema: { tags, summary: "Create a user's personal access token (admin)", params: Type.Object({ id: RowId }), body: CreateBody, response: { 201: TokenSchema } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    if (!principal.isAdmin || principal.projectId !== null) throw forbidden();
    const b = request.body;
    const created = await ctx.coordinator.createAccessToken({ userId: request.params.id, name: b.name, scopes: b.scopes, expiresAt: b.expires_at ?? null });
    reply.code(201);
    return tokenShape(created.apiToken, created.token);
  });

  app.post('/user/personal_access_tokens', { schema: { tags, summary: 'Create a personal access token for yourself', body: CreateBody, response: { 201: TokenSchema } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const me = user(principal);
    if (me.bot || principal.projectId !== null) throw forbidden();
    const b = request.body;
    const created = await ctx.coordinator.createAccessToken({ userId: me.id, name: b.name, scopes: b.scopes, expiresAt: b.expires_at ?? null });
    reply.code(201);
    return tokenShape(created.apiToken, created.token);
  });

  const P = Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }) });
  const PT = Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }), token_id: RowId });
  const projectToken = async (projectId: number, id: number) => {
    const t = await ctx.coordinator.read.accessToken(id);
    if (!t || t.projectId !== projectId) throw notFoundError('Project Access Token');
    return t;
  };

  app.get('/projects/:id/access_tokens', { schema: { tags, summary: 'List project access tokens', params: P, querystring: paginated({ state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive')])) }), response: { 200: Type.Array(TokenSchema) } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectToAdminister(ctx, principal, request.params.id);
    let list = (await ctx.coordinator.read.accessTokens({ projectId: project.id })).map((t) => tokenShape(t));
    if (request.query.state) list = list.filter((t) => t.active === (request.query.state === 'active'));
    return paginate(request, reply, list, { baseUrl: ctx.externalUrl(), idOf: (t) => t.id });
  });

  app.get('/projects/:id/access_tokens/:token_id', { schema: { tags, summary: 'Get a project access token', params: PT, response: { 200: TokenSchema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectToAdminister(ctx, principal, request.params.id);
    return tokenShape(await projectToken(project.id, request.params.token_id));
  });

  app.post('/projects/:id/access_tokens', { schema: { tags, summary: 'Create a project access token (and its bot user)', params: P, body: ProjectCreateBody, response: { 201: TokenSchema } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const project = await projectToAdminister(ctx, principal, request.params.id);
    const b = request.body;
    const created = await ctx.coordinator.createProjectAccessToken({ projectId: project.id, name: b.name, scopes: b.scopes, accessLevel: b.access_level, expiresAt: b.expires_at ?? null });
    reply.code(201);
    return tokenShape(created.apiToken, created.token);
  });

  app.delete('/projects/:id/access_tokens/:token_id', { schema: { tags, summary: 'Revoke a project access token', params: PT } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const project = await projectToAdminister(ctx, principal, request.params.id);
    const t = await projectToken(project.id, request.params.token_id);
    if (t.revoked) throw notFoundError('Project Access Token');
    await ctx.coordinator.revokeAccessToken(t.id);
    return reply.code(204).send();
  });
};
