// The UI's "Run pipeline" (api/routes/run-pipeline.ts): the ref's current commit in the project's
// repository, compiled and created like a push pipeline, with source "web" (CI_PIPELINE_SOURCE)
// and the caller's token as the pipeline's user. A branch wins over a tag of the same name.
import type { StartPipelineInput } from '../api/routes/run-pipeline.js';
import type { RepoStore } from '../git/repo-store.js';
import { badRequest } from '../util/errors.js';
import type { CreatePipelineFor } from './pipeline-from-commit.js';
import { resolveProjectRef } from './ref-pipeline.js';

export async function startPipelineForRef(
  input: StartPipelineInput,
  deps: { repos: RepoStore; createPipelineFor: CreatePipelineFor },
): Promise<{ pipelineId: number } | null> {
  const { project, ref } = input;
  if (/^-|\.\.|[\s~^:?*[\\\x00-\x1f]/.test(ref)) throw badRequest(`${JSON.stringify(ref)} is not a valid branch or tag name`);
  if (!deps.repos.exists(project.path)) throw badRequest(`project ${project.path} has no repository yet: push to it first`);
  const resolved = await resolveProjectRef(deps.repos, project, ref);
  if (!resolved) throw badRequest(`no branch or tag ${JSON.stringify(ref)} in ${project.path}`);
  const result = await deps.createPipelineFor({ project, ...resolved, source: 'web', variables: input.variables, pusher: input.user });
  return result.detail ? { pipelineId: result.detail.pipeline.id } : null;
}
