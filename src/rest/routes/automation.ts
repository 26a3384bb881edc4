// Triggers, pipeline schedules, project hooks and commit statuses (rest-auto): builds the
// automation routes' context from the REST foundation (auth, :id lookup, shapes) and the two
// dependencies server/ passes in `extras`: `automation` (engine/automation.ts) and
// `pipelineForRef` (the server's ref -> pipeline path).
import type { Automation } from '../../engine/automation.js';
import type { Pipeline, PipelineVariable, Project } from '../../engine/model.js';
import { canAdministerProject, forbidden, requireScope, restAuth } from '../auth.js';
import type { AutomationRoutesContext } from '../automation-context.js';
import { automationRoutes as routes } from '../automation-routes.js';
import { extra, type RestRoutes } from '../context.js';
import { notFoundError } from '../errors.js';
import { projectFromParam } from '../project-param.js';
import { pipelineBasic } from '../shapes/pipeline.js';

/** What server/ passes as `extras.pipelineForRef`. */
export type PipelineForRefExtra = (input: { project: Project; ref: string; source: string; variables?: PipelineVariable[] }) => Promise<{ detail: { pipeline: Pipeline } | null }>;

export const automationRoutes: RestRoutes = (app, ctx) => {
  const forRef = extra<PipelineForRefExtra>(ctx, 'pipelineForRef');
  const auto: AutomationRoutesContext = {
    coordinator: ctx.coordinator,
    automation: extra<Automation>(ctx, 'automation'),
    baseUrl: () => ctx.externalUrl(),
    async pipelineForRef(input) {
      const { detail } = await forRef(input);
      return { pipeline: detail?.pipeline ?? null };
    },
    async project(request, id) {
      const principal = await restAuth(request, ctx);
      if (principal) return projectFromParam(ctx, principal, id);
      // no credentials (a trigger token authenticates the trigger route by itself)
      const project = /^\d{1,15}$/.test(id) ? await ctx.coordinator.read.project(Number(id)) : await ctx.coordinator.read.projectByPath(id.replace(/^\/+|\/+$/g, ''));
      if (!project) throw notFoundError('Project');
      return project;
    },
    async caller(request, access, project) {
      const principal = await requireScope(request, ctx, access === 'read' ? 'read_api' : 'api');
      if (access === 'write' && project && !canAdministerProject(principal, project)) throw forbidden();
      return { name: principal.user?.username ?? 'ci', admin: principal.isAdmin };
    },
    // the jobs a running CI job may trigger with its CI_JOB_TOKEN: pipelines of projects hosted here
    jobForToken: (token) => ctx.coordinator.jobForToken(token),
    pipelineView: (pipeline, project) => pipelineBasic(pipeline, project, ctx.externalUrl()),
  };
  routes(app as never, auto);
};
