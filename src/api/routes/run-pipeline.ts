// "Run pipeline" from the UI: POST /projects/:project/pipelines {ref, variables: [{key, value}]}
// starts a pipeline for the ref's current commit in the project's repository (source "web", the
// caller's token as GITLAB_USER_*). The server injects `startPipeline` (api/ cannot reach git/
// or the compiler); without it the route answers 404 like any unknown route.
import type { FastifyInstance } from 'fastify';
import type { PipelineVariable, Project } from '../../engine/model.js';
import { AppError, badRequest, notFound } from '../../util/errors.js';
import { body, findProject, type ApiContext } from '../context.js';
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

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseRunVariables(raw: unknown): PipelineVariable[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badRequest('variables must be a list of {key, value}');
  if (raw.length > 200) throw badRequest('at most 200 variables');
  const out: PipelineVariable[] = [];
  for (const v of raw) {
    if (!v || typeof v !== 'object') throw badRequest('variables must be a list of {key, value}');
    const { key, value } = v as { key?: unknown; value?: unknown };
    if (typeof key !== 'string' || !KEY.test(key) || key.length > 255) throw badRequest(`variable key ${JSON.stringify(key)} must be letters, digits and _ (not starting with a digit)`);
    if (value !== undefined && typeof value !== 'string') throw badRequest(`variable ${key}: value must be a string`);
    if ((value ?? '').length > 64 * 1024) throw badRequest(`variable ${key}: value is longer than 64 KiB`);
    out.push({ key, value: value ?? '' });
  }
  return out;
}

export function runPipelineRoutes(app: FastifyInstance, ctx: ApiContext, startPipeline: StartPipeline | undefined): void {
  app.post<{ Params: { project: string } }>('/projects/:project/pipelines', async (request, reply) => {
    if (!startPipeline) throw notFound('this server cannot start pipelines from the UI');
    const caller = await ctx.require(request, 'act');
    const project = await findProject(ctx, request.params.project);
    const b = body(request);
    const ref = typeof b.ref === 'string' ? b.ref.trim() : '';
    if (!ref || ref.length > 255) throw badRequest('ref is required (a branch or tag name)');
    const variables = parseRunVariables(b.variables);
    const started = await startPipeline({ project, ref, variables, user: { tokenId: caller.token!.id, login: caller.token!.name } });
    if (!started) throw new AppError('invalid_config', `no pipeline for ${ref}: the rules of .gitlab-ci.yml create no job (workflow:rules or rules on every job)`);
    const detail = await ctx.coordinator.read.pipeline(started.pipelineId);
    if (!detail) throw notFound(`pipeline ${started.pipelineId} not found`);
    return reply.code(201).send(pipelineDetailView(detail));
  });
}
