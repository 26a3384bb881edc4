// A job's page data (metadata, runner, retry chain, artifacts) and job actions.
import { notFound } from '../../util/errors.js';
import type { ApiApp, ApiContext } from '../context.js';
import { IdParams, PlayBody } from '../schemas/inputs.js';
import { JobDetailSchema, JobResultSchema, type Runner, type RunnerSummary } from '../schemas/views.js';
import { artifactView, jobSpecView, jobView, pipelineView, runnerView } from '../views.js';

const withoutManagers = ({ managers: _managers, ...runner }: Runner): RunnerSummary => runner;

export function jobRoutes(app: ApiApp, ctx: ApiContext): void {
  const { coordinator } = ctx;
  const tags = ['jobs'];
  const action = { tags, params: IdParams, response: { 200: JobResultSchema } };

  const load = async (id: number) => {
    const job = await coordinator.read.job(id);
    if (!job) throw notFound(`job ${id} not found`);
    return job;
  };

  app.get('/jobs/:id', { schema: { tags, params: IdParams, response: { 200: JobDetailSchema } } }, async (request) => {
    await ctx.require(request, 'read');
    const job = await load(request.params.id);
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
      runner: runner ? withoutManagers(runnerView(runner.runner, runner.managers, now)) : null,
      runnerManager: manager,
      attempts,
      artifacts: artifacts.map(artifactView),
    };
  });

  app.post('/jobs/:id/cancel', { schema: action }, async (request) => {
    await ctx.require(request, 'act');
    const id = request.params.id;
    await load(id);
    await coordinator.cancelJob(id);
    return { job: jobView(await load(id)) };
  });

  app.post('/jobs/:id/retry', { schema: action }, async (request) => {
    await ctx.require(request, 'act');
    const id = request.params.id;
    await load(id);
    const next = await coordinator.retryJob(id);
    return { job: jobView(next) };
  });

  app.post('/jobs/:id/play', { schema: { ...action, body: PlayBody }, preValidation: ctx.guard('act') }, async (request) => {
    const id = request.params.id;
    await load(id);
    const variables = (request.body.variables ?? []).map((v) => ({ key: v.key, value: v.value }));
    const played = await coordinator.playJob(id, variables);
    return { job: jobView(played) };
  });
}
