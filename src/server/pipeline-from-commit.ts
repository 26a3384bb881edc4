// Commit -> pipeline: read .gitlab-ci.yml at the commit, compile it for the ref and source, and
// create the pipeline with its persistent ref (refs/pipelines/<id>). Shared by `run`, `git push`
// and `pipeline create`. A configuration with errors throws ConfigInvalidError carrying the
// diagnostics (exit 2 in the CLI, 400 over HTTP) and creates nothing, unless `recordConfigError`
// (git push, as GitLab): then a failed pipeline with those errors (config_error) is recorded and
// carried by the error. A commit without .gitlab-ci.yml records nothing.
import { compile } from '../ci/index.js';
import type { CompileOptions, Diagnostic, PipelinePlan, ProjectFiles } from '../ci/plan.js';
import type { Coordinator, PipelineDetail } from '../engine/coordinator.js';
import type { CommitInfo, Pipeline, PipelineVariable, Project } from '../engine/model.js';
import { AppError } from '../util/errors.js';
import { resolveFileCacheKeys, type LastCommitFor } from './cache-key-files.js';

export class ConfigInvalidError extends AppError {
  readonly diagnostics: Diagnostic[];
  /** The failed pipeline recorded for these errors (recordConfigError), else null. */
  readonly pipeline: Pipeline | null;
  constructor(diagnostics: Diagnostic[], pipeline: Pipeline | null = null) {
    super('bad_request', `invalid .gitlab-ci.yml: ${diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('; ')}`);
    this.diagnostics = diagnostics;
    this.pipeline = pipeline;
  }
}

export interface PipelineFromCommitInput {
  coordinator: Coordinator;
  project: Project;
  files: ProjectFiles;
  ref: string;
  isTag: boolean;
  sha: string;
  beforeSha?: string;
  source: string;
  commitMessage?: string;
  /** The commit's author, date, tag message and the pipeline's user (read from git by the server). */
  commit?: CommitInfo | null;
  /** The server's external URL, for the CI_SERVER_* / CI_PROJECT_URL variables rules see. */
  serverUrl?: string;
  variables?: PipelineVariable[];
  changedFiles?: readonly string[] | null;
  /** Record a failed pipeline (config_error, yaml_errors) when the configuration is invalid. */
  recordConfigError?: boolean;
  /** Narrows the plan before the pipeline is created (e.g. `run --job`). */
  transformPlan?: (plan: PipelinePlan) => PipelinePlan;
  /** Creates refs/pipelines/<id> in the project's repository. */
  createPipelineRef: (pipelineId: number, sha: string) => Promise<void>;
  /** The compiler to use (the server's worker pool, compile-pool.ts); default: inline. */
  compile?: (options: CompileOptions) => Promise<PipelinePlan>;
  /** Last commit at `sha` that changed a path (git log -1), for `cache:key:files`. */
  lastCommitFor?: LastCommitFor;
  /** `include: project:` (and other non-local kinds) resolved by the server (hosted-projects.ts). */
  externalInclude?: CompileOptions['externalInclude'];
}

/** The server's commit -> pipeline entry point, as handed to the HTTP intake routes. */
export type CreatePipelineFor = (
  input: Omit<PipelineFromCommitInput, 'coordinator' | 'files' | 'createPipelineRef' | 'changedFiles' | 'commit' | 'serverUrl' | 'lastCommitFor' | 'externalInclude'> & {
    /** Who pushed (git push): GITLAB_USER_ID and GITLAB_USER_LOGIN; else the commit's author. */
    pusher?: { tokenId: number; login: string };
  },
) => Promise<PipelineFromCommitResult>;

export interface PipelineFromCommitResult {
  plan: PipelinePlan;
  /** Null when workflow:rules decided not to create a pipeline. */
  detail: PipelineDetail | null;
}

export async function planForCommit(input: Omit<PipelineFromCommitInput, 'createPipelineRef' | 'coordinator' | 'transformPlan'>): Promise<PipelinePlan> {
  const variables: Record<string, string> = {};
  for (const v of input.variables ?? []) variables[v.key] = v.value;
  return (input.compile ?? (async (options: CompileOptions) => compile(options)))({
    files: input.files,
    externalInclude: input.externalInclude,
    context: {
      ref: input.ref,
      isTag: input.isTag,
      sha: input.sha,
      beforeSha: input.beforeSha,
      source: input.source,
      defaultBranch: input.project.defaultBranch,
      projectPath: input.project.path,
      commitMessage: input.commitMessage,
      commit: input.commit ?? null,
      instance: input.serverUrl ? { serverUrl: input.serverUrl, projectId: input.project.id, projectTitle: input.project.name } : null,
      changedFiles: input.changedFiles ?? null,
      variables,
    },
  });
}

export async function pipelineFromCommit(input: PipelineFromCommitInput): Promise<PipelineFromCommitResult> {
  const compiled = await planForCommit(input);
  if (compiled.errors.length > 0) {
    const record = input.recordConfigError && input.files.read('.gitlab-ci.yml') !== undefined;
    const { ref, isTag, sha, beforeSha, source, commitMessage, commit, variables } = input;
    const failed = record
      ? await input.coordinator.createFailedPipeline({ projectId: input.project.id, ref, isTag, sha, beforeSha, source, commitMessage, commit, variables, errors: compiled.errors })
      : null;
    throw new ConfigInvalidError(compiled.errors, failed);
  }
  const plan = input.transformPlan ? input.transformPlan(compiled) : compiled;
  if (!plan.workflow.created || plan.jobs.length === 0) return { plan, detail: null };
  if (input.lastCommitFor) await resolveFileCacheKeys(plan, input.lastCommitFor);
  const detail = await input.coordinator.createPipeline({
    projectId: input.project.id,
    ref: input.ref,
    isTag: input.isTag,
    sha: input.sha,
    beforeSha: input.beforeSha,
    source: input.source,
    commitMessage: input.commitMessage,
    commit: input.commit ?? null,
    variables: input.variables,
    plan,
    beforeCommit: (pipelineId) => input.createPipelineRef(pipelineId, input.sha),
  });
  return { plan, detail };
}
