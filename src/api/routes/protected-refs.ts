// Protected branches and tags of a project (GitLab's protected_branches / protected_tags): reads
// as any read, changes with an admin token (like CI/CD variables, which they guard). A rule is
// an exact name or a pattern with `*` (engine/protected-refs.ts, which also checks the name);
// pipelines created afterwards follow it. In DELETE the name is one URL-encoded path segment
// (`release%2F*`).
import { Type } from '@sinclair/typebox';
import type { ProtectedRef, ProtectedRefKind } from '../../engine/model.js';
import { findProject, type ApiApp, type ApiContext } from '../context.js';
import { ProjectParams, ProtectedRefBody, ProtectedRefParams } from '../schemas/inputs.js';
import { ProtectedRefSchema, type ProtectedRef as ProtectedRefView } from '../schemas/views.js';

const KINDS: { kind: ProtectedRefKind; path: string }[] = [
  { kind: 'branch', path: 'protected_branches' },
  { kind: 'tag', path: 'protected_tags' },
];

export function protectedRefView(r: ProtectedRef): ProtectedRefView {
  return { id: r.id, projectId: r.projectId, kind: r.kind, name: r.name, createdAt: r.createdAt };
}

export function protectedRefRoutes(app: ApiApp, ctx: ApiContext): void {
  const { coordinator } = ctx;
  const tags = ['protected refs'];
  const list = { tags, params: ProjectParams, response: { 200: Type.Array(ProtectedRefSchema) } };

  app.get('/projects/:project/protected_refs', { schema: list }, async (request) => {
    await ctx.require(request, 'read');
    const project = await findProject(ctx, request.params.project);
    return (await coordinator.read.protectedRefs(project.id)).map(protectedRefView);
  });

  for (const { kind, path } of KINDS) {
    app.get(`/projects/:project/${path}`, { schema: list }, async (request) => {
      await ctx.require(request, 'read');
      const project = await findProject(ctx, request.params.project);
      return (await coordinator.read.protectedRefs(project.id)).filter((r) => r.kind === kind).map(protectedRefView);
    });

    app.post(`/projects/:project/${path}`, { schema: { tags, params: ProjectParams, body: ProtectedRefBody, response: { 201: ProtectedRefSchema } }, preValidation: ctx.guard('admin') }, async (request, reply) => {
      const project = await findProject(ctx, request.params.project);
      const rule = await coordinator.protectRef({ projectId: project.id, kind, name: request.body.name });
      reply.code(201);
      return protectedRefView(rule);
    });

    app.delete(`/projects/:project/${path}/:name`, { schema: { tags, params: ProtectedRefParams } }, async (request, reply) => {
      await ctx.require(request, 'admin');
      const project = await findProject(ctx, request.params.project);
      await coordinator.unprotectRef({ projectId: project.id, kind, name: request.params.name });
      reply.code(204);
      return reply.send();
    });
  }
}
