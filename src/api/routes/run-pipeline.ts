// "Run pipeline" from the UI: POST /projects/:project/pipelines {ref, variables: [{key, value}]}
// starts a pipeline for the ref's current commit in the project's repository (source "web", the
// caller's token as GITLAB_USER_*). The server injects `startPipeline` (api/ cannot reach git/
// or the compiler); without it the route answers 404 like any unknown route.
import type { PipelineVariable, Project } from '../../engine/model.js';
import { AppError, badRequest, notFound } from '../../util/errors.js';
import { findProject, type ApiApp, type ApiContext } from '../context.js';
import { ProjectParams, RunPipelineBody } from '../schemas/inputs.js';
import { PipelineDetailSchema } from '../schemas/views.js';
import { pipelineDetailView } from './pipelines.js';

export interface StartPipelineInput {
  project: Project;
  ref: string;
  variables: PipelineVariable[];
  /** Who asked: their API token (GITLAB_USER_ID / GITLAB_USER_LOGIN). */
  user: { tokenId: number; login: string };
}

/** Creates the pipeline; null when workflow:rules (or rules on every job) create none. */
export type StartPipeline = (input: StartPipelineInput) => Promise<{ pipelineId: number } | null>;

/** The body's variables (key names and sizes checked by RunPipelineBody); a missing value is "". */
export function runVariables(raw: RunPipelineBody['variables']): PipelineVariable[] {
  return (raw ?? []).map((v) => ({ key: v.key, value: v.value ?? '' }));
}

export function runPipelineRoutes(app: ApiApp, ctx: ApiContext, startPipeline: StartPipeline | undefined): void {
  const schema = { tags: ['pipelines'], params: ProjectParams, body: RunPipelineBody, response: { 201: PipelineDetailSchema } };
  // Without startPipeline a 404 before anything else; then the access check, then the body.
  const guard = ctx.guard('act');
  const preValidation = async (request: Parameters<typeof guard>[0]) => {
    if (!startPipeline) throw notFound('this server cannot start pipelines from the UI');
    await guard(request);
  };
  app.post('/projects/:project/pipelines', { schema, preValidation }, async (request, reply) => {
    if (!startPipeline) throw notFound('this server cannot start pipelines from the UI');
    const caller = await ctx.require(request, 'act');
    const project = await findProject(ctx, request.params.project);
    const ref = request.body.ref.trim();
    if (!ref || ref.length > 255) throw badRequest('ref is required (a branch or tag name)');
    const variables = runVariables(request.body.variables);
    const started = await startPipeline({ project, ref, variables, user: { tokenId: caller.token!.id, login: caller.token!.name } });
    if (!started) throw new AppError('invalid_config', `no pipeline for ${ref}: the rules of .gitlab-ci.yml create no job (workflow:rules or rules on every job)`);
    const detail = await ctx.coordinator.read.pipeline(started.pipelineId);
    if (!detail) throw notFound(`pipeline ${started.pipelineId} not found`);
    return reply.code(201).send(pipelineDetailView(detail));
  });
}
