// Admin: the instance registration token and CI/CD variables (instance and project). Everything
// here needs an admin token. A masked variable's value never leaves the server, not even to an
// admin: it can only be replaced.
import { Type } from '@sinclair/typebox';
import { notFound } from '../../util/errors.js';
import { findProject, type ApiApp, type ApiContext } from '../context.js';
import { IdParams, ProjectParams, VariableBody, VariablesQuery } from '../schemas/inputs.js';
import { VariableSchema } from '../schemas/views.js';
import { variableView } from '../views.js';


export function adminRoutes(app: ApiApp, ctx: ApiContext): void {
  const { coordinator } = ctx;
  const tags = ['admin'];

  app.get('/admin/registration-token', { schema: { tags, response: { 200: Type.Object({ exists: Type.Boolean() }) } } }, async (request) => {
    await ctx.require(request, 'admin');
    return { exists: await coordinator.hasRegistrationToken() };
  });

  app.post('/admin/registration-token', { schema: { tags, response: { 201: Type.Object({ token: Type.String() }) } } }, async (request, reply) => {
    await ctx.require(request, 'admin');
    const token = await coordinator.resetRegistrationToken();
    reply.code(201);
    return { token };
  });

  const projectIdOf = async (ref: string | number | null | undefined): Promise<number | null> =>
    ref === undefined || ref === null || ref === '' ? null : (await findProject(ctx, ref)).id;
  const list = { 200: Type.Array(VariableSchema) };

  app.get('/variables', { schema: { tags: ['variables'], querystring: VariablesQuery, response: list } }, async (request) => {
    await ctx.require(request, 'admin');
    const projectId = await projectIdOf(request.query.project);
    return (await coordinator.read.variables(projectId)).map(variableView);
  });

  app.get('/projects/:project/variables', { schema: { tags: ['variables'], params: ProjectParams, response: list } }, async (request) => {
    await ctx.require(request, 'admin');
    const projectId = await projectIdOf(request.params.project);
    return (await coordinator.read.variables(projectId)).map(variableView);
  });

  app.post('/variables', { schema: { tags: ['variables'], body: VariableBody, response: { 201: VariableSchema } }, preValidation: ctx.guard('admin') }, async (request, reply) => {
    const b = request.body;
    // the rules (key, size, maskable) are the engine's: engine/variables.ts
    const saved = await coordinator.setVariable({
      projectId: await projectIdOf(b.project ?? b.projectId),
      key: b.key,
      value: b.value,
      masked: b.masked ?? false,
      protected: b.protected ?? false,
      file: b.file ?? false,
      raw: b.raw ?? false,
    });
    reply.code(201);
    return variableView(saved);
  });

  app.delete('/variables/:id', { schema: { tags: ['variables'], params: IdParams } }, async (request, reply) => {
    await ctx.require(request, 'admin');
    const id = request.params.id;
    const projects = await coordinator.read.projects();
    const all = (await Promise.all([null, ...projects.map((p) => p.id)].map((pid) => coordinator.read.variables(pid)))).flat();
    if (!all.some((v) => v.id === id)) throw notFound(`variable ${id} not found`);
    await coordinator.deleteVariable(id);
    reply.code(204);
    return reply.send();
  });
}
