// The project of a `:id` route parameter: a numeric id or a full path, URL-encoded by the client
// (`team%2Fapp`; Fastify hands the decoded `team/app`). Unknown, or beyond what the credentials
// reach (project access token, job token of another project), is GitLab's 404 — not a 403 that
// would tell the project exists.
import type { Project } from '../engine/model.js';
import { canAdministerProject, canSeeProject, forbidden, type Principal } from './auth.js';
import type { RestContext } from './context.js';
import { notFoundError } from './errors.js';

export async function projectFromParam(ctx: RestContext, principal: Principal, id: string): Promise<Project> {
  const project = /^\d{1,15}$/.test(id) ? await ctx.coordinator.read.project(Number(id)) : await ctx.coordinator.read.projectByPath(id.replace(/^\/+|\/+$/g, ''));
  if (!project || !canSeeProject(principal, project)) throw notFoundError('Project');
  return project;
}

/** The project, for a change of its settings (variables, protected refs, runners, tokens): 403 below Maintainer. */
export async function projectToAdminister(ctx: RestContext, principal: Principal, id: string): Promise<Project> {
  const project = await projectFromParam(ctx, principal, id);
  if (!canAdministerProject(principal, project)) throw forbidden();
  return project;
}
