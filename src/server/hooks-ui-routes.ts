// The UI's view of a project's webhooks and their delivery log (`GET /api/ui/projects/:project/
// hooks`, admin), added to the UI API by the composition root (apiPlugin's extraRoutes). camelCase
// like the rest of /api/ui; the hook token and payloads stay out.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Automation } from '../engine/automation.js';
import type { Coordinator } from '../engine/coordinator.js';
import { notFound } from '../util/errors.js';

export interface HookDeliveryView {
  id: number;
  event: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  durationMs: number | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  nextAttemptAt: string | null;
}

export interface HookWithDeliveriesView {
  id: number;
  url: string;
  pipelineEvents: boolean;
  jobEvents: boolean;
  pushEvents: boolean;
  enableSslVerification: boolean;
  createdAt: string;
  deliveries: HookDeliveryView[];
}

export function hooksUiRoutes(deps: { coordinator: Coordinator; automation: Automation }) {
  return (app: FastifyInstance, helpers: { require(request: FastifyRequest, access: 'admin'): Promise<unknown> }): void => {
    app.get<{ Params: { project: string }; Querystring: { limit?: string } }>('/projects/:project/hooks', async (request) => {
      await helpers.require(request, 'admin');
      const ref = request.params.project;
      const project = /^\d{1,9}$/.test(ref) ? await deps.coordinator.read.project(Number(ref)) : await deps.coordinator.read.projectByPath(ref);
      if (!project) throw notFound(`project ${ref} not found`);
      const limit = Math.min(100, Math.max(1, Number(request.query.limit) || 20));
      const hooks = await deps.automation.hooks.list(project.id);
      const views: HookWithDeliveriesView[] = [];
      for (const h of hooks) {
        const deliveries = await deps.automation.hooks.deliveries(project.id, h.id, { limit });
        views.push({
          id: h.id,
          url: h.url,
          pipelineEvents: h.pipelineEvents,
          jobEvents: h.jobEvents,
          pushEvents: h.pushEvents,
          enableSslVerification: h.enableSslVerification,
          createdAt: h.createdAt,
          deliveries: deliveries.map((d) => ({
            id: d.id,
            event: d.event,
            status: d.status,
            attempts: d.attempts,
            responseStatus: d.responseStatus,
            durationMs: d.durationMs,
            error: d.error,
            createdAt: d.createdAt,
            finishedAt: d.finishedAt,
            nextAttemptAt: d.status === 'queued' ? d.nextAttemptAt : null,
          })),
        });
      }
      return { project: { id: project.id, path: project.path }, hooks: views };
    });
  };
}
