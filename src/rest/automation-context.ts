// What the automation routes need from the REST foundation and the server: the project of `:id`
// (numeric id or URL-encoded path), the caller (auth as GitLab does it), the automation use
// cases and the server's ref -> pipeline path. The REST plugin hands these over.
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/swagger'; // route schema `tags` (OpenAPI)
import type { Automation } from '../engine/automation.js';
import type { Coordinator } from '../engine/coordinator.js';
import type { Job, Pipeline, PipelineVariable, Project } from '../engine/model.js';

export interface RestCaller {
  /** Username shown as owner. */
  name: string;
  admin: boolean;
}

export interface RefPipelineResult {
  /** Null when workflow:rules (or no job) left nothing to run. */
  pipeline: Pipeline | null;
}

export interface AutomationRoutesContext {
  coordinator: Coordinator;
  automation: Automation;
  /** Creates a pipeline for a branch or tag of a hosted project (400 "Reference not found"). */
  pipelineForRef(input: { project: Project; ref: string; source: string; variables?: PipelineVariable[] }): Promise<RefPipelineResult>;
  /** The project of `:id`, or a 404 in GitLab's shape. */
  project(request: FastifyRequest, id: string): Promise<Project>;
  /** The caller; 401 without credentials; `write` needs a token that may change the project. */
  caller(request: FastifyRequest, access: 'read' | 'write', project?: Project): Promise<RestCaller>;
  /** The running job of a CI_JOB_TOKEN (a job may trigger another project's pipeline with it), or null. */
  jobForToken(token: string): Promise<Job | null>;
  /** GitLab's pipeline shape (as POST /projects/:id/pipeline answers). */
  pipelineView(pipeline: Pipeline, project: Project): unknown;
  baseUrl(): string;
}
