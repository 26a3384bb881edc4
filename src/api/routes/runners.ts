// Runners: list with their managers (what each gitlab-runner process reported), create (admin,
// returns the token once), pause/resume/edit and delete.
import { Type } from '@sinclair/typebox';
import type { CreateRunnerInput } from '../../engine/coordinator.js';
import { notFound } from '../../util/errors.js';
import type { ApiApp, ApiContext } from '../context.js';
import { IdParams, RunnerBody } from '../schemas/inputs.js';
import { RunnerCreatedSchema, RunnerSchema } from '../schemas/views.js';
import { runnerView } from '../views.js';

/**
 * The runner fields of a create or edit body, undefined ones left out. Types are the schema's;
 * the maximum timeout's range (>= 600 s) is the engine's one check (checkMaximumTimeout).
 */
function runnerInput(b: RunnerBody): CreateRunnerInput {
  const tags = typeof b.tags === 'string' ? b.tags.split(',') : b.tags;
  const input: CreateRunnerInput = {
    description: b.description,
    tags: tags?.map((t) => t.trim()).filter((t) => t !== ''),
    runUntagged: b.runUntagged,
    locked: b.locked,
    paused: b.paused,
    accessLevel: b.accessLevel,
    maximumTimeout: b.maximumTimeout,
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as CreateRunnerInput;
}

export function runnerRoutes(app: ApiApp, ctx: ApiContext): void {
  const { coordinator } = ctx;
  const tags = ['runners'];
  const one = { tags, params: IdParams, response: { 200: RunnerSchema } };

  const find = async (id: number) => {
    const entry = (await coordinator.read.runners()).find((r) => r.runner.id === id);
    if (!entry) throw notFound(`runner ${id} not found`);
    return entry;
  };

  app.get('/runners', { schema: { tags, response: { 200: Type.Array(RunnerSchema) } } }, async (request) => {
    await ctx.require(request, 'read');
    const now = Date.now();
    return (await coordinator.read.runners()).map((r) => runnerView(r.runner, r.managers, now));
  });

  app.get('/runners/:id', { schema: one }, async (request) => {
    await ctx.require(request, 'read');
    const r = await find(request.params.id);
    return runnerView(r.runner, r.managers);
  });

  app.post('/runners', { schema: { tags, body: RunnerBody, response: { 201: RunnerCreatedSchema } }, preValidation: ctx.guard('admin') }, async (request, reply) => {
    const issued = await coordinator.createRunner(runnerInput(request.body));
    reply.code(201);
    return { runner: runnerView(issued.runner, []), token: issued.token, tokenExpiresAt: issued.tokenExpiresAt };
  });

  const update = async (id: number, patch: Parameters<typeof coordinator.updateRunner>[1]) => {
    await find(id);
    await coordinator.updateRunner(id, patch);
    const r = await find(id);
    return runnerView(r.runner, r.managers);
  };

  app.patch('/runners/:id', { schema: { ...one, body: RunnerBody }, preValidation: ctx.guard('admin') }, async (request) => {
    return update(request.params.id, runnerInput(request.body));
  });

  app.post('/runners/:id/pause', { schema: one }, async (request) => {
    await ctx.require(request, 'admin');
    return update(request.params.id, { paused: true });
  });

  app.post('/runners/:id/resume', { schema: one }, async (request) => {
    await ctx.require(request, 'admin');
    return update(request.params.id, { paused: false });
  });

  app.delete('/runners/:id', { schema: { tags, params: IdParams } }, async (request, reply) => {
    await ctx.require(request, 'admin');
    const id = request.params.id;
    await find(id);
    await coordinator.deleteRunner(id);
    reply.code(204);
    return reply.send();
  });
}
