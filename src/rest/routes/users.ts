// GET /user (the token's user: python-gitlab's auth() and the python-gitlab CLI call it first),
// GET /users?username=&search=, GET /users/:id.
import { Type } from '@sinclair/typebox';
import { requireScope, unauthorized } from '../auth.js';
import type { RestRoutes } from '../context.js';
import { notFoundError } from '../errors.js';
import { paginate } from '../pagination.js';
import { paginated, RowId } from '../schemas/common.js';
import { CurrentUserSchema, currentUser, UserBasicSchema, userBasic, UserSchema, userShape } from '../shapes/user.js';

export const userRoutes: RestRoutes = (app, ctx) => {
  app.get('/user', { schema: { tags: ['users'], summary: 'The current user', response: { 200: CurrentUserSchema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api');
    if (!principal.user) throw unauthorized();
    return currentUser(principal.user, ctx.externalUrl());
  });

  app.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'List users',
        querystring: paginated({ username: Type.Optional(Type.String({ maxLength: 255 })), search: Type.Optional(Type.String({ maxLength: 255 })), humans: Type.Optional(Type.Boolean()), exclude_internal: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Array(UserBasicSchema) },
      },
    },
    async (request, reply) => {
      await requireScope(request, ctx, 'read_api');
      const q = request.query;
      const list = await ctx.coordinator.read.users({ username: q.username, search: q.search, bots: q.humans ? false : undefined });
      return paginate(request, reply, list, { baseUrl: ctx.externalUrl(), idOf: (u) => u.id }).map((u) => userBasic(u, ctx.externalUrl()));
    },
  );

  app.get('/users/:id', { schema: { tags: ['users'], summary: 'Get a user', params: Type.Object({ id: RowId }), response: { 200: UserSchema } } }, async (request) => {
    await requireScope(request, ctx, 'read_api');
    const user = await ctx.coordinator.read.user(request.params.id);
    if (!user) throw notFoundError('User');
    return userShape(user, ctx.externalUrl());
  });
};
