// The automation part of the REST API: triggers, pipeline schedules, project hooks and commit
// statuses (the badge is mounted at the root by the server: rest/pipeline-badge.ts).
import type { FastifyInstance } from 'fastify';
import type { AutomationRoutesContext } from './automation-context.js';
import { commitStatusRoutes } from './commit-status-routes.js';
import { hookRoutes } from './hooks-routes.js';
import { scheduleRoutes } from './schedules-routes.js';
import { triggerRoutes } from './triggers-routes.js';

export function automationRoutes(app: FastifyInstance, ctx: AutomationRoutesContext): void {
  triggerRoutes(app, ctx);
  scheduleRoutes(app, ctx);
  hookRoutes(app, ctx);
  commitStatusRoutes(app, ctx);
}
