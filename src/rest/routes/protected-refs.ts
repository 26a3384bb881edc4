// Protected branches and tags (GitLab's /projects/:id/protected_branches and /protected_tags):
// list, get, protect, unprotect, through the engine's protected-ref use cases (the same as the UI
// API). They decide CI_COMMIT_REF_PROTECTED, protected variables and ref_protected runners for
// pipelines created afterwards. Access levels are accepted and shown as Maintainers (40): there
// are no roles here. A name with "/" or "*" is one URL-encoded path segment (`release%2F*`).
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import type { ProtectedRef, ProtectedRefKind } from '../../engine/model.js';
import { requireScope } from '../auth.js';
import type { RestApp, RestContext, RestRoutes } from '../context.js';
import { notFoundError } from '../errors.js';
import { paginate } from '../pagination.js';
import { projectFromParam, projectToAdminister } from '../project-param.js';
import { paginated } from '../schemas/common.js';

const AccessLevelSchema = Type.Object({
  id: Type.Integer(),
  access_level: Type.Integer(),
  access_level_description: Type.String(),
  deploy_key_id: Type.Null(),
  user_id: Type.Null(),
  group_id: Type.Null(),
});
const level = (rule: ProtectedRef, accessLevel = 40) => [{ id: rule.id, access_level: accessLevel, access_level_description: accessLevel === 0 ? 'No one' : accessLevel >= 60 ? 'Admins' : 'Maintainers', deploy_key_id: null, user_id: null, group_id: null }];

const ProtectedBranchSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  push_access_levels: Type.Array(AccessLevelSchema),
  merge_access_levels: Type.Array(AccessLevelSchema),
  unprotect_access_levels: Type.Array(AccessLevelSchema),
  allow_force_push: Type.Boolean(),
  code_owner_approval_required: Type.Boolean(),
});
const ProtectedTagSchema = Type.Object({ name: Type.String(), create_access_levels: Type.Array(AccessLevelSchema) });

const branchShape = (r: ProtectedRef) => ({ id: r.id, name: r.name, push_access_levels: level(r), merge_access_levels: level(r), unprotect_access_levels: [], allow_force_push: false, code_owner_approval_required: false });
const tagShape = (r: ProtectedRef) => ({ name: r.name, create_access_levels: level(r) });

const Level = Type.Optional(Type.Integer({ minimum: 0, maximum: 60 }));
const Name = Type.String({ minLength: 1, maxLength: 255 });
const Id = { id: Type.String({ minLength: 1, maxLength: 1024 }) };

interface KindSpec {
  kind: ProtectedRefKind;
  path: string;
  what: string;
  /** The rule's GitLab shape, and its schema (response and OpenAPI). */
  schema: TSchema;
  shape: (r: ProtectedRef) => unknown;
  body: TObject;
}

function mount(app: RestApp, ctx: RestContext, spec: KindSpec): void {
  const { kind, path, what, schema, shape, body } = spec;
  const tags = [path.replace('_', ' ')];
  const rulesOf = async (projectId: number) => (await ctx.coordinator.read.protectedRefs(projectId)).filter((r) => r.kind === kind);

  app.get(`/projects/:id/${path}`, { schema: { tags, summary: `List ${tags[0]}`, params: Type.Object(Id), querystring: paginated({ search: Type.Optional(Type.String({ maxLength: 255 })) }), response: { 200: Type.Array(schema) } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const search = request.query.search;
    const list = (await rulesOf(project.id)).filter((r) => !search || r.name.includes(search));
    return paginate(request, reply, list, { baseUrl: ctx.externalUrl(), idOf: (r) => r.id }).map(shape);
  });

  app.get(`/projects/:id/${path}/:name`, { schema: { tags, summary: `Get a ${what.toLowerCase()}`, params: Type.Object({ ...Id, name: Name }), response: { 200: schema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api');
    const project = await projectFromParam(ctx, principal, request.params.id);
    const rule = (await rulesOf(project.id)).find((r) => r.name === request.params.name);
    if (!rule) throw notFoundError(what);
    return shape(rule);
  });

  app.post(`/projects/:id/${path}`, { schema: { tags, summary: `Protect a ${kind}`, params: Type.Object(Id), body, response: { 201: schema } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const project = await projectToAdminister(ctx, principal, request.params.id);
    const rule = await ctx.coordinator.protectRef({ projectId: project.id, kind, name: (request.body as { name: string }).name });
    reply.code(201);
    return shape(rule);
  });

  app.delete(`/projects/:id/${path}/:name`, { schema: { tags, summary: `Unprotect a ${kind}`, params: Type.Object({ ...Id, name: Name }) } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const project = await projectToAdminister(ctx, principal, request.params.id);
    if (!(await rulesOf(project.id)).some((r) => r.name === request.params.name)) throw notFoundError(what);
    await ctx.coordinator.unprotectRef({ projectId: project.id, kind, name: request.params.name });
    return reply.code(204).send();
  });
}

export const protectedRefRoutes: RestRoutes = (app, ctx) => {
  mount(app, ctx, {
    kind: 'branch',
    path: 'protected_branches',
    what: 'Protected Branch',
    schema: ProtectedBranchSchema,
    shape: branchShape,
    body: Type.Object({ name: Name, push_access_level: Level, merge_access_level: Level, unprotect_access_level: Level, allow_force_push: Type.Optional(Type.Boolean()), code_owner_approval_required: Type.Optional(Type.Boolean()) }),
  });
  mount(app, ctx, { kind: 'tag', path: 'protected_tags', what: 'Protected Tag', schema: ProtectedTagSchema, shape: tagShape, body: Type.Object({ name: Name, create_access_level: Level }) });
};
