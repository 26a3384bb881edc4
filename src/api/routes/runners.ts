// Runners: list with their managers (what each gitlab-runner process reported), create (admin,
// returns the token once), pause/resume/edit and delete.
import type { FastifyInstance } from 'fastify';
import type { CreateRunnerInput } from '../../engine/coordinator.js';
import type { RunnerAccessLevel } from '../../engine/model.js';
import { badRequest, notFound } from '../../util/errors.js';
import { body, optionalBool, optionalString, parseId, type ApiContext } from '../context.js';
import { runnerView } from '../views.js';

function tagsOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) throw badRequest('tags must be a list of strings');
  return (list as string[]).map((t) => t.trim()).filter((t) => t !== '');
}

function accessLevelOf(value: unknown): RunnerAccessLevel | undefined {
  if (value === undefined) return undefined;
  if (value !== 'not_protected' && value !== 'ref_protected') throw badRequest('accessLevel must be not_protected or ref_protected');
  return value;
}

/** The JSON type only: the range (>= 600 s) is the engine's one check (checkMaximumTimeout). */
function timeoutOf(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return value as undefined | null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw badRequest('maximumTimeout must be an integer number of seconds, or null');
  return value;
}

export function runnerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { coordinator } = ctx;

  const find = async (id: number) => {
    const entry = (await coordinator.read.runners()).find((r) => r.runner.id === id);
    if (!entry) throw notFound(`runner ${id} not found`);
    return entry;
  };

  app.get('/runners', async (request) => {
    await ctx.require(request, 'read');
    const now = Date.now();
    return (await coordinator.read.runners()).map((r) => runnerView(r.runner, r.managers, now));
  });

  app.get<{ Params: { id: string } }>('/runners/:id', async (request) => {
    await ctx.require(request, 'read');
    const r = await find(parseId(request.params.id));
    return runnerView(r.runner, r.managers);
  });

  app.post('/runners', async (request, reply) => {
    await ctx.require(request, 'admin');
    const b = body(request);
    const input: CreateRunnerInput = {
      description: optionalString(b.description, 'description', 1024),
      tags: tagsOf(b.tags),
      runUntagged: optionalBool(b.runUntagged, 'runUntagged'),
      locked: optionalBool(b.locked, 'locked'),
      paused: optionalBool(b.paused, 'paused'),
      accessLevel: accessLevelOf(b.accessLevel),
      maximumTimeout: timeoutOf(b.maximumTimeout),
    };
    const issued = await coordinator.createRunner(input);
    reply.code(201);
    return { runner: runnerView(issued.runner, []), token: issued.token, tokenExpiresAt: issued.tokenExpiresAt };
  });

  const update = async (id: number, patch: Parameters<typeof coordinator.updateRunner>[1]) => {
    await find(id);
    await coordinator.updateRunner(id, patch);
    const r = await find(id);
    return runnerView(r.runner, r.managers);
  };

  app.patch<{ Params: { id: string } }>('/runners/:id', async (request) => {
    await ctx.require(request, 'admin');
    const b = body(request);
    const patch = {
      paused: optionalBool(b.paused, 'paused'),
      description: optionalString(b.description, 'description', 1024),
      tags: tagsOf(b.tags),
      runUntagged: optionalBool(b.runUntagged, 'runUntagged'),
      locked: optionalBool(b.locked, 'locked'),
      accessLevel: accessLevelOf(b.accessLevel),
      maximumTimeout: timeoutOf(b.maximumTimeout),
    };
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    return update(parseId(request.params.id), defined);
  });

  app.post<{ Params: { id: string } }>('/runners/:id/pause', async (request) => {
    await ctx.require(request, 'admin');
    return update(parseId(request.params.id), { paused: true });
  });

  app.post<{ Params: { id: string } }>('/runners/:id/resume', async (request) => {
    await ctx.require(request, 'admin');
    return update(parseId(request.params.id), { paused: false });
  });

  app.delete<{ Params: { id: string } }>('/runners/:id', async (request, reply) => {
    await ctx.require(request, 'admin');
    const id = parseId(request.params.id);
    await find(id);
    await coordinator.deleteRunner(id);
    reply.code(204);
    return reply.send();
  });
}
