// Protected branches and tags of a project (GitLab's protected_branches / protected_tags): reads
// as any read, changes with an admin token (like CI/CD variables, which they guard). A rule is
// an exact name or a pattern with `*` (engine/protected-refs.ts); pipelines created afterwards
// follow it. In DELETE the name is one URL-encoded path segment (`release%2F*`).
import type { FastifyInstance } from 'fastify';
import type { ProtectedRef, ProtectedRefKind } from '../../engine/model.js';
import { body, findProject, type ApiContext } from '../context.js';

const KINDS: { kind: ProtectedRefKind; path: string }[] = [
  { kind: 'branch', path: 'protected_branches' },
  { kind: 'tag', path: 'protected_tags' },
];

export function protectedRefView(r: ProtectedRef): ProtectedRef {
  return { id: r.id, projectId: r.projectId, kind: r.kind, name: r.name, createdAt: r.createdAt };
}

export function protectedRefRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { coordinator } = ctx;

  app.get<{ Params: { project: string } }>('/projects/:project/protected_refs', async (request) => {
    await ctx.require(request, 'read');
    const project = await findProject(ctx, request.params.project);
    return (await coordinator.read.protectedRefs(project.id)).map(protectedRefView);
  });

  for (const { kind, path } of KINDS) {
    app.get<{ Params: { project: string } }>(`/projects/:project/${path}`, async (request) => {
      await ctx.require(request, 'read');
      const project = await findProject(ctx, request.params.project);
      return (await coordinator.read.protectedRefs(project.id)).filter((r) => r.kind === kind).map(protectedRefView);
    });

    app.post<{ Params: { project: string } }>(`/projects/:project/${path}`, async (request, reply) => {
      await ctx.require(request, 'admin');
      const project = await findProject(ctx, request.params.project);
      const rule = await coordinator.protectRef({ projectId: project.id, kind, name: body(request).name as string });
      reply.code(201);
      return protectedRefView(rule);
    });

    app.delete<{ Params: { project: string; name: string } }>(`/projects/:project/${path}/:name`, async (request, reply) => {
      await ctx.require(request, 'admin');
      const project = await findProject(ctx, request.params.project);
      await coordinator.unprotectRef({ projectId: project.id, kind, name: request.params.name });
      reply.code(204);
      return reply.send();
    });
  }
}
