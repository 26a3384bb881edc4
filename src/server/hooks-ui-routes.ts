// The UI's view of a project's webhooks and their delivery log (`GET /api/ui/projects/:project/
// hooks`, admin), added to the UI API by the composition root (apiPlugin's extraRoutes). camelCase
// like the rest of /api/ui; the hook token and payloads stay out.
import type { FastifyRequest } from 'fastify';
import type { ApiApp } from '../api/context.js';
import { HooksQuery, ProjectParams } from '../api/schemas/inputs.js';
import { ProjectHooksSchema, type HookWithDeliveries } from '../api/schemas/views.js';
import type { Automation } from '../engine/automation.js';
import type { Coordinator } from '../engine/coordinator.js';
import { notFound } from '../util/errors.js';

export function hooksUiRoutes(deps: { coordinator: Coordinator; automation: Automation }) {
  return (app: ApiApp, helpers: { require(request: FastifyRequest, access: 'admin'): Promise<unknown> }): void => {
    const schema = { tags: ['hooks'], params: ProjectParams, querystring: HooksQuery, response: { 200: ProjectHooksSchema } };
    app.get('/projects/:project/hooks', { schema }, async (request) => {
      await helpers.require(request, 'admin');
      const ref = request.params.project;
      const project = /^\d{1,9}$/.test(ref) ? await deps.coordinator.read.project(Number(ref)) : await deps.coordinator.read.projectByPath(ref);
      if (!project) throw notFound(`project ${ref} not found`);
      const limit = Math.min(100, request.query.limit ?? 20);
      const hooks = await deps.automation.hooks.list(project.id);
      const views: HookWithDeliveries[] = [];
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
