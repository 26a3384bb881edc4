// CI/CD variables, project (/projects/:id/variables) and instance (/admin/ci/variables): list, get,
// create, update, delete, with GitLab's fields (variable_type env_var|file, protected, masked, raw,
// environment_scope, description). The rules (key, size, maskable, environment scope) are the
// engine's (engine/variables.ts), shared with the UI API. A masked value never leaves the server:
// it reads as GitLab's masked-and-hidden variable (value null, hidden true) and can only be replaced.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CiVariable } from '../../engine/model.js';
import { requireAdmin, requireScope } from '../auth.js';
import type { RestContext, RestRoutes } from '../context.js';
import { notFoundError, RestBodyError } from '../errors.js';
import { paginate } from '../pagination.js';
import { projectToAdminister } from '../project-param.js';
import { PaginationQuery } from '../schemas/common.js';

export const VariableSchema = Type.Object({
  variable_type: Type.Union([Type.Literal('env_var'), Type.Literal('file')]),
  key: Type.String(),
  value: Type.Union([Type.String(), Type.Null()]),
  protected: Type.Boolean(),
  masked: Type.Boolean(),
  hidden: Type.Boolean(),
  raw: Type.Boolean(),
  environment_scope: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
});
export type VariableShape = Static<typeof VariableSchema>;

export function variableShape(v: CiVariable): VariableShape {
  return {
    variable_type: v.file ? 'file' : 'env_var',
    key: v.key,
    value: v.masked ? null : v.value,
    protected: v.protected,
    masked: v.masked,
    hidden: v.masked,
    raw: v.raw,
    environment_scope: v.environmentScope ?? '*',
    description: v.description ?? null,
  };
}

const Fields = {
  value: Type.String({ maxLength: 1_000_000 }),
  variable_type: Type.Optional(Type.Union([Type.Literal('env_var'), Type.Literal('file')])),
  protected: Type.Optional(Type.Boolean()),
  masked: Type.Optional(Type.Boolean()),
  masked_and_hidden: Type.Optional(Type.Boolean()),
  raw: Type.Optional(Type.Boolean()),
  environment_scope: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
};
const CreateBody = Type.Object({ key: Type.String({ minLength: 1, maxLength: 255 }), ...Fields });
const UpdateBody = Type.Object({ ...Fields, value: Type.Optional(Fields.value) });
const ScopeFilter = Type.Object({ filter: Type.Optional(Type.Object({ environment_scope: Type.Optional(Type.String({ maxLength: 255 })) })) });
const Key = Type.String({ minLength: 1, maxLength: 255 });

type Scope = { projectId: number | null };

export const variableRoutes: RestRoutes = (app, ctx) => {
  for (const level of ['project', 'instance'] as const) {
    const base = level === 'project' ? '/projects/:id/variables' : '/admin/ci/variables';
    const params = level === 'project' ? Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }) }) : Type.Object({});
    const keyParams = level === 'project' ? Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }), key: Key }) : Type.Object({ key: Key });
    const tags = [level === 'project' ? 'project variables' : 'instance variables'];

    /** The variables' owner, after the access check (maintainer of the project, or an admin). */
    const scopeOf = async (request: FastifyRequest, need: 'read_api' | 'api'): Promise<Scope> => {
      if (level === 'instance') {
        await requireAdmin(request, ctx, need);
        return { projectId: null };
      }
      const principal = await requireScope(request, ctx, need);
      return { projectId: (await projectToAdminister(ctx, principal, (request.params as { id: string }).id)).id };
    };
    const find = async (c: RestContext, scope: Scope, key: string, environmentScope?: string): Promise<CiVariable> => {
      const all = (await c.coordinator.read.variables(scope.projectId)).filter((v) => v.key === key);
      const found = environmentScope === undefined ? all.find((v) => (v.environmentScope ?? '*') === '*') ?? all[0] : all.find((v) => (v.environmentScope ?? '*') === environmentScope);
      if (!found) throw notFoundError('Variable');
      return found;
    };

    app.get(base, { schema: { tags, summary: 'List variables', params, querystring: PaginationQuery, response: { 200: Type.Array(VariableSchema) } } }, async (request, reply: FastifyReply) => {
      const scope = await scopeOf(request, 'read_api');
      return paginate(request, reply, await ctx.coordinator.read.variables(scope.projectId), { baseUrl: ctx.externalUrl() }).map(variableShape);
    });

    app.get(`${base}/:key`, { schema: { tags, summary: 'Get a variable', params: keyParams, querystring: ScopeFilter, response: { 200: VariableSchema } } }, async (request) => {
      const scope = await scopeOf(request, 'read_api');
      return variableShape(await find(ctx, scope, request.params.key, request.query.filter?.environment_scope));
    });

    app.post(base, { schema: { tags, summary: 'Create a variable', params, body: CreateBody, response: { 201: VariableSchema } } }, async (request, reply) => {
      const scope = await scopeOf(request, 'api');
      const b = request.body;
      const environmentScope = level === 'instance' ? '*' : (b.environment_scope ?? '*');
      const existing = (await ctx.coordinator.read.variables(scope.projectId)).find((v) => v.key === b.key && (v.environmentScope ?? '*') === environmentScope);
      if (existing) throw new RestBodyError(400, { message: { key: [`(${b.key}) has already been taken`] } });
      const saved = await ctx.coordinator.setVariable({
        projectId: scope.projectId,
        key: b.key,
        value: b.value,
        masked: (b.masked ?? false) || (b.masked_and_hidden ?? false),
        protected: b.protected ?? false,
        file: b.variable_type === 'file',
        raw: b.raw ?? false,
        environmentScope,
        description: b.description ?? null,
      });
      reply.code(201);
      return variableShape(saved);
    });

    app.put(`${base}/:key`, { schema: { tags, summary: 'Update a variable', params: keyParams, querystring: ScopeFilter, body: UpdateBody, response: { 200: VariableSchema } } }, async (request) => {
      const scope = await scopeOf(request, 'api');
      const b = request.body ?? {};
      const old = await find(ctx, scope, request.params.key, request.query.filter?.environment_scope);
      const environmentScope = level === 'instance' ? '*' : (b.environment_scope ?? old.environmentScope ?? '*');
      const saved = await ctx.coordinator.setVariable({
        projectId: scope.projectId,
        key: old.key,
        value: b.value ?? old.value,
        masked: b.masked ?? b.masked_and_hidden ?? old.masked,
        protected: b.protected ?? old.protected,
        file: b.variable_type === undefined ? old.file : b.variable_type === 'file',
        raw: b.raw ?? old.raw,
        environmentScope,
        description: b.description === undefined ? (old.description ?? null) : b.description,
      });
      // moved to another environment scope: the old one goes
      if (environmentScope !== (old.environmentScope ?? '*')) await ctx.coordinator.deleteVariable(old.id);
      return variableShape(saved);
    });

    app.delete(`${base}/:key`, { schema: { tags, summary: 'Delete a variable', params: keyParams, querystring: ScopeFilter } }, async (request, reply) => {
      const scope = await scopeOf(request, 'api');
      const old = await find(ctx, scope, request.params.key, request.query.filter?.environment_scope);
      await ctx.coordinator.deleteVariable(old.id);
      return reply.code(204).send();
    });
  }
};
