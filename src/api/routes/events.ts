// Live pipeline and job updates for the UI and the CLI, as server-sent events, fed by
// coordinator.subscribe(). Filters: project (id or path), pipeline, job. Events: `pipeline`
// (PipelineView), `job` (JobView), `trace` ({jobId, length}, only with ?traces=1 or a job filter).
import type { CoordinatorEvent } from '../../engine/coordinator.js';
import { findProject, type ApiApp, type ApiContext } from '../context.js';
import { EventsQuery } from '../schemas/inputs.js';
import { jobView, pipelineView } from '../views.js';

export function eventRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get('/events', { schema: { tags: ['events'], querystring: EventsQuery } }, async (request, reply) => {
    await ctx.require(request, 'read');
    const q = request.query;
    const projectId = q.project !== undefined ? (await findProject(ctx, q.project)).id : undefined;
    const pipelineId = q.pipeline;
    const jobId = q.job;
    const traces = q.traces === '1' || q.traces === 'true' || jobId !== undefined;
    const sse = ctx.hub.open(request, reply);

    const forward = (event: CoordinatorEvent) => {
      if (event.type === 'pipeline') {
        const p = event.pipeline;
        if (projectId !== undefined && p.projectId !== projectId) return;
        if (pipelineId !== undefined && p.id !== pipelineId) return;
        if (jobId !== undefined) return;
        void sse.send('pipeline', pipelineView(p));
      } else if (event.type === 'job') {
        const j = event.job;
        if (projectId !== undefined && j.projectId !== projectId) return;
        if (pipelineId !== undefined && j.pipelineId !== pipelineId) return;
        if (jobId !== undefined && j.id !== jobId) return;
        void sse.send('job', jobView(j));
      } else if (event.type === 'trace' && traces) {
        if (jobId !== undefined && event.jobId !== jobId) return;
        void sse.send('trace', { jobId: event.jobId, length: event.length });
      }
    };
    const unsubscribe = ctx.coordinator.subscribe(forward);
    sse.signal.addEventListener('abort', unsubscribe);
    await sse.send('ready', { projectId: projectId ?? null, pipelineId: pipelineId ?? null, jobId: jobId ?? null });
  });
}
