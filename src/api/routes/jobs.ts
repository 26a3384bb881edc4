// A job's page data (metadata, runner, retry chain, artifacts) and job actions.
import type { FastifyInstance } from 'fastify';
import type { PipelineVariable } from '../../engine/model.js';
import { badRequest, notFound } from '../../util/errors.js';
import { body, parseId, type ApiContext } from '../context.js';
import { artifactView, jobSpecView, jobView, pipelineView, runnerView } from '../views.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

export function parseVariables(value: unknown): PipelineVariable[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 200) throw badRequest('variables must be a list of {key, value} (at most 200)');
  return value.map((v, i) => {
    const item = v as { key?: unknown; value?: unknown };
    if (!item || typeof item.key !== 'string' || !KEY.test(item.key)) throw badRequest(`variables[${i}].key must be a variable name`);
    if (typeof item.value !== 'string' || item.value.length > 65536) throw badRequest(`variables[${i}].value must be a string`);
    return { key: item.key, value: item.value };
  });
}

export function jobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { coordinator } = ctx;

  const load = async (id: number) => {
    const job = await coordinator.read.job(id);
    if (!job) throw notFound(`job ${id} not found`);
    return job;
  };

  app.get<{ Params: { id: string } }>('/jobs/:id', async (request) => {
    await ctx.require(request, 'read');
    const job = await load(parseId(request.params.id));
    const [detail, artifacts, runners] = await Promise.all([
      coordinator.read.pipeline(job.pipelineId),
      coordinator.read.artifacts(job.id),
      job.runnerId !== null ? coordinator.read.runners() : Promise.resolve([]),
    ]);
    const now = Date.now();
    const runner = runners.find((r) => r.runner.id === job.runnerId);
    const manager = runner?.managers.find((m) => m.systemId === job.systemId) ?? null;
    const attempts = (detail?.jobs ?? [])
      .filter((j) => j.name === job.name)
      .sort((a, b) => a.attempt - b.attempt || a.id - b.id)
      .map((j) => ({ id: j.id, attempt: j.attempt, status: j.status, retried: j.retried, createdAt: j.createdAt, failureReason: j.failureReason }));
    return {
      job: jobView(job, now),
      spec: jobSpecView(job),
      pipeline: detail ? pipelineView(detail.pipeline, detail.project, now) : null,
      project: detail?.project ?? null,
      runner: runner ? { ...runnerView(runner.runner, runner.managers, now), managers: undefined } : null,
      runnerManager: manager,
      attempts,
      artifacts: artifacts.map(artifactView),
    };
  });

  app.post<{ Params: { id: string } }>('/jobs/:id/cancel', async (request) => {
    await ctx.require(request, 'act');
    const id = parseId(request.params.id);
    await load(id);
    await coordinator.cancelJob(id);
    return { job: jobView(await load(id)) };
  });

  app.post<{ Params: { id: string } }>('/jobs/:id/retry', async (request) => {
    await ctx.require(request, 'act');
    const id = parseId(request.params.id);
    await load(id);
    const next = await coordinator.retryJob(id);
    return { job: jobView(next) };
  });

  app.post<{ Params: { id: string } }>('/jobs/:id/play', async (request) => {
    await ctx.require(request, 'act');
    const id = parseId(request.params.id);
    const variables = parseVariables(body(request).variables);
    await load(id);
    const played = await coordinator.playJob(id, variables);
    return { job: jobView(played) };
  });
}
