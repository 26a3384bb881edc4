// Ref -> pipeline for the REST API (POST /projects/:id/pipeline, and triggers and schedules): the
// branch or tag named `ref` is resolved in the project's repository (a branch first, as GitLab
// does), then created like any other pipeline (pipeline-from-commit.ts via createPipelineFor).
// GitLab's answers: an unknown ref is "Reference not found", an invalid .gitlab-ci.yml gives its
// errors, workflow:rules that create nothing give "Pipeline filtered out by workflow rules."
// (all 400, as `PipelineFromRefError` with GitLab's `{message: {base: [...]}}` details).
import type { PipelineDetail } from '../engine/coordinator.js';
import type { PipelineVariable, Project } from '../engine/model.js';
import type { RepoStore } from '../git/repo-store.js';
import { AppError } from '../util/errors.js';
import { ConfigInvalidError, type CreatePipelineFor } from './pipeline-from-commit.js';
import { resolveProjectRef } from './ref-pipeline.js';

export class PipelineFromRefError extends AppError {
  readonly base: string[];
  constructor(base: string[]) {
    super('bad_request', base.join('; '), { base });
    this.base = base;
  }
}

export interface PipelineFromRefInput {
  project: Project;
  ref: string;
  variables?: PipelineVariable[];
  /** CI_PIPELINE_SOURCE: api, web, trigger, schedule, pipeline… */
  source: string;
  /** Who asked (GITLAB_USER_ID / GITLAB_USER_LOGIN), e.g. the API token's user. */
  pusher?: { tokenId: number; login: string };
}

export type CreatePipelineFromRef = (input: PipelineFromRefInput) => Promise<PipelineDetail>;

const ZERO = '0'.repeat(40);

export function pipelineFromRefFactory(deps: { repos: RepoStore; createPipelineFor: CreatePipelineFor }): CreatePipelineFromRef {
  return async (input) => {
    const { repos } = deps;
    const resolved = input.ref.length > 255 || /\.\.|@\{/.test(input.ref) ? null : await resolveProjectRef(repos, input.project, input.ref);
    if (!resolved) throw new PipelineFromRefError(['Reference not found']);
    const { ref, isTag, sha } = resolved;
    try {
      const result = await deps.createPipelineFor({
        project: input.project,
        ref,
        isTag,
        sha,
        beforeSha: ZERO,
        source: input.source,
        variables: input.variables,
        pusher: input.pusher,
      });
      if (!result.detail) throw new PipelineFromRefError([result.plan.workflow.created ? 'No stages / jobs for this pipeline.' : 'Pipeline filtered out by workflow rules.']);
      return result.detail;
    } catch (error) {
      if (error instanceof ConfigInvalidError) {
        const messages = error.diagnostics.map((d) => d.message);
        throw new PipelineFromRefError(messages.length ? messages : ['Missing CI config file']);
      }
      throw error;
    }
  };
}
