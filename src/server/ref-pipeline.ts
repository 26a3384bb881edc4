// Ref -> pipeline: resolves a branch (then a tag) of a hosted project to its commit and creates
// the pipeline through the server's one commit -> pipeline path (createPipelineFor), for the
// REST API's trigger and schedule routes and the scheduler. GitLab answers 400 "Reference not
// found" for an unknown ref and "Pipeline filtered out by workflow rules" when nothing is created.
import type { Project, PipelineVariable } from '../engine/model.js';
import type { RepoStore } from '../git/repo-store.js';
import { badRequest } from '../util/errors.js';
import type { CreatePipelineFor, PipelineFromCommitResult } from './pipeline-from-commit.js';

export interface RefPipelineInput {
  project: Project;
  /** Branch or tag name; refs/heads/… and refs/tags/… are accepted too. */
  ref: string;
  /** CI_PIPELINE_SOURCE: trigger, schedule, api, pipeline… */
  source: string;
  variables?: PipelineVariable[];
  pusher?: { tokenId: number; login: string };
}

export interface ResolvedRef {
  ref: string;
  isTag: boolean;
  sha: string;
}

export async function resolveProjectRef(repos: RepoStore, project: Project, ref: string): Promise<ResolvedRef | null> {
  if (!ref || ref.startsWith('-') || /[\s~^:?*[\\\u0000]/.test(ref)) return null;
  const tagOnly = ref.startsWith('refs/tags/');
  const name = ref.replace(/^refs\/(heads|tags)\//, '');
  if (!tagOnly) {
    const sha = await repos.resolve(project.path, `refs/heads/${name}`);
    if (sha) return { ref: name, isTag: false, sha };
  }
  const sha = await repos.resolve(project.path, `refs/tags/${name}`);
  return sha ? { ref: name, isTag: true, sha } : null;
}

export type PipelineForRef = (input: RefPipelineInput) => Promise<PipelineFromCommitResult & { resolved: ResolvedRef }>;

export function pipelineForRef(deps: { repos: RepoStore; createPipelineFor: CreatePipelineFor }): PipelineForRef {
  return async (input) => {
    const resolved = await resolveProjectRef(deps.repos, input.project, input.ref);
    if (!resolved) throw badRequest('Reference not found');
    const result = await deps.createPipelineFor({
      project: input.project,
      ref: resolved.ref,
      isTag: resolved.isTag,
      sha: resolved.sha,
      source: input.source,
      variables: input.variables,
      pusher: input.pusher,
    });
    return { ...result, resolved };
  };
}
