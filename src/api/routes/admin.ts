// Admin: the instance registration token and CI/CD variables (instance and project). Everything
// here needs an admin token. A masked variable's value never leaves the server, not even to an
// admin: it can only be replaced.
import type { FastifyInstance } from 'fastify';
import type { CiVariable } from '../../engine/model.js';
import { badRequest, notFound } from '../../util/errors.js';
import { body, findProject, optionalBool, parseId, type ApiContext } from '../context.js';
import { variableView } from '../views.js';


export function adminRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { coordinator } = ctx;

  app.get('/admin/registration-token', async (request) => {
    await ctx.require(request, 'admin');
    return { exists: await coordinator.hasRegistrationToken() };
  });

  app.post('/admin/registration-token', async (request, reply) => {
    await ctx.require(request, 'admin');
    const token = await coordinator.resetRegistrationToken();
    reply.code(201);
    return { token };
  });

  const projectIdOf = async (ref: unknown): Promise<number | null> =>
    ref === undefined || ref === null || ref === '' ? null : (await findProject(ctx, String(ref))).id;

  app.get<{ Querystring: { project?: string } }>('/variables', async (request) => {
    await ctx.require(request, 'admin');
    const projectId = await projectIdOf(request.query.project);
    return (await coordinator.read.variables(projectId)).map(variableView);
  });

  app.get<{ Params: { project: string } }>('/projects/:project/variables', async (request) => {
    await ctx.require(request, 'admin');
    const projectId = await projectIdOf(request.params.project);
    return (await coordinator.read.variables(projectId)).map(variableView);
  });

  app.post('/variables', async (request, reply) => {
    await ctx.require(request, 'admin');
    const b = body(request);
    // the rules (key, size, maskable) are the engine's: engine/variables.ts
    if (typeof b.key !== 'string') throw badRequest('key must be 1-255 letters, digits or _');
    if (typeof b.value !== 'string') throw badRequest('value must be a string (at most 64 KiB)');
    const masked = optionalBool(b.masked, 'masked') ?? false;
    const input: Omit<CiVariable, 'id'> = {
      projectId: await projectIdOf(b.project ?? b.projectId),
      key: b.key,
      value: b.value,
      masked,
      protected: optionalBool(b.protected, 'protected') ?? false,
      file: optionalBool(b.file, 'file') ?? false,
      raw: optionalBool(b.raw, 'raw') ?? false,
    };
    const saved = await coordinator.setVariable(input);
    reply.code(201);
    return variableView(saved);
  });

  app.delete<{ Params: { id: string } }>('/variables/:id', async (request, reply) => {
    await ctx.require(request, 'admin');
    const id = parseId(request.params.id);
    const projects = await coordinator.read.projects();
    const all = (await Promise.all([null, ...projects.map((p) => p.id)].map((pid) => coordinator.read.variables(pid)))).flat();
    if (!all.some((v) => v.id === id)) throw notFound(`variable ${id} not found`);
    await coordinator.deleteVariable(id);
    reply.code(204);
    return reply.send();
  });
}
