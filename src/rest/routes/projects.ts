// Projects: GET /projects (search, membership, owned, simple, order_by, sort; offset or keyset
// pagination), GET /projects/:id (numeric or URL-encoded path), POST /projects (name/path under
// the caller's namespace, or namespace_path; the default branch protected as GitLab does).
// Every user is treated as a member (maintainer) of every project: there is no membership model;
// a project access token or a job token sees its own project only.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { Project } from '../../engine/model.js';
import { isValidProjectPath } from '../../util/project-path.js';
import { forbidden, requireScope } from '../auth.js';
import { RestBodyError } from '../errors.js';
import type { RestRoutes } from '../context.js';
import { paginate } from '../pagination.js';
import { projectFromParam } from '../project-param.js';
import { paginated, ProjectIdParam } from '../schemas/common.js';
import { ProjectSchema, ProjectSimpleSchema, projectShape, projectSimple } from '../shapes/project.js';

const ORDER = ['id', 'name', 'path', 'created_at', 'updated_at', 'last_activity_at'] as const;

const ListQuery = paginated({
  search: Type.Optional(Type.String({ maxLength: 255 })),
  membership: Type.Optional(Type.Boolean()),
  owned: Type.Optional(Type.Boolean()),
  simple: Type.Optional(Type.Boolean()),
  search_namespaces: Type.Optional(Type.Boolean()),
  archived: Type.Optional(Type.Boolean()),
  visibility: Type.Optional(Type.String({ maxLength: 32 })),
  min_access_level: Type.Optional(Type.Integer()),
});

const CreateBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  namespace_path: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  namespace_id: Type.Optional(Type.Union([Type.Integer(), Type.String({ maxLength: 1024 })])),
  default_branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s~^:?*\\[\\\\]+$' })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  visibility: Type.Optional(Type.String({ maxLength: 32 })),
  initialize_with_readme: Type.Optional(Type.Boolean()),
});

/** GitLab's path from a name: lowercase, spaces and odd characters to "-". */
const slug = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 255);

function sortProjects(list: Project[], orderBy: string, sort: 'asc' | 'desc'): Project[] {
  const key = (p: Project): string | number => (orderBy === 'name' ? p.name.toLowerCase() : orderBy === 'path' ? p.path.toLowerCase() : orderBy === 'id' ? p.id : p.createdAt);
  const dir = sort === 'asc' ? 1 : -1;
  return [...list].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (ka < kb ? -1 : ka > kb ? 1 : a.id - b.id) * dir;
  });
}

export const projectRoutes: RestRoutes = (app, ctx) => {
  const base = () => ctx.externalUrl();

  app.get('/projects', { schema: { tags: ['projects'], summary: 'List projects', querystring: ListQuery, response: { 200: Type.Array(Type.Union([ProjectSchema, ProjectSimpleSchema])) } } }, async (request, reply: FastifyReply) => {
    const principal = await requireScope(request, ctx, 'read_api', { jobToken: true });
    const q = request.query as Static<typeof ListQuery>;
    let list = (await ctx.coordinator.read.projects()).filter((p) => principal.projectId === null || p.id === principal.projectId);
    if (q.search) {
      const needle = q.search.toLowerCase();
      list = list.filter((p) => (q.search_namespaces ? p.path : (p.path.split('/').pop() ?? '')).toLowerCase().includes(needle) || p.name.toLowerCase().includes(needle));
    }
    if (q.archived === true) list = [];
    // owned: a project under the caller's own namespace (GitLab: owner is the user)
    if (q.owned && principal.user) {
      const mine = `${principal.user.username}/`;
      list = list.filter((p) => p.path.startsWith(mine) || principal.user?.isAdmin);
    }
    const orderBy = ORDER.includes(q.order_by as (typeof ORDER)[number]) ? q.order_by! : q.pagination === 'keyset' ? 'id' : 'created_at';
    list = sortProjects(list, orderBy, q.sort ?? 'desc');
    const page = paginate(request, reply, list, { baseUrl: base(), idOf: (p) => p.id });
    return page.map((p) => (q.simple ? projectSimple(p, base()) : projectShape(p, base())));
  });

  app.get('/projects/:id', { schema: { tags: ['projects'], summary: 'Get a project by id or URL-encoded path', params: ProjectIdParam, response: { 200: ProjectSchema } } }, async (request) => {
    const principal = await requireScope(request, ctx, 'read_api', { jobToken: true });
    const project = await projectFromParam(ctx, principal, request.params.id);
    return projectShape(project, base(), { emptyRepo: (await ctx.repository.branches(project)).length === 0 });
  });

  app.post('/projects', { schema: { tags: ['projects'], summary: 'Create a project', body: CreateBody, response: { 201: ProjectSchema } } }, async (request, reply) => {
    const principal = await requireScope(request, ctx, 'api');
    const user = principal.user;
    if (!user || user.bot || principal.projectId !== null) throw forbidden();
    const b = request.body ?? {};
    if (!b.name && !b.path) throw new RestBodyError(400, { error: 'name, path are missing, at least one parameter must be provided' });
    let namespace = b.namespace_path?.replace(/^\/+|\/+$/g, '');
    if (!namespace && b.namespace_id !== undefined) {
      // namespaces are not stored: an id is that of a project's namespace (see shapes/project.ts), a string a path
      const id = String(b.namespace_id);
      const owner = /^\d+$/.test(id) ? await ctx.coordinator.read.project(Number(id)) : null;
      namespace = owner ? owner.path.split('/').slice(0, -1).join('/') || user.username : id;
    }
    namespace ||= user.username;
    const leaf = b.path ?? slug(b.name ?? '');
    const fullPath = `${namespace}/${leaf}`;
    if (!isValidProjectPath(fullPath)) throw new RestBodyError(400, { message: { path: ['can contain only letters, digits, \'_\', \'-\' and \'.\'. Cannot start with \'-\', end in \'.git\' or end in \'.atom\''] } });
    if (await ctx.coordinator.read.projectByPath(fullPath)) throw new RestBodyError(400, { message: { name: ['has already been taken'], path: ['has already been taken'] } });
    const project = await ctx.coordinator.ensureProject(fullPath, b.default_branch ?? 'main');
    reply.code(201);
    return projectShape(project, base(), { creatorId: user.id, emptyRepo: true });
  });
};
