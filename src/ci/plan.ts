// The compiler's contract: what `compile()` returns and what it needs.
// The engine stores a PlanJob per job (as JSON) and builds the runner payload from it, so every
// field here is plain JSON (no Maps, no Dates, no undefined inside arrays).

export interface SourcePosition {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
}

export interface Diagnostic extends SourcePosition {
  severity: 'error' | 'warning';
  /** GitLab's message, as GitLab words it. */
  message: string;
  /** Ours on top, each where it applies: e.g. "did you mean `script:` instead of `scirpt:`?". */
  hints?: DiagnosticHint[];
}

export interface DiagnosticHint extends SourcePosition {
  message: string;
}

export type JobWhen = 'on_success' | 'on_failure' | 'always' | 'manual' | 'delayed';

export interface PlanVariable {
  key: string;
  value: string;
  /** `expand: false` in YAML: the runner must not expand `$VAR` inside the value. */
  raw: boolean;
}

export interface PlanNeed {
  job: string;
  artifacts: boolean;
  optional: boolean;
}

/** `needs:project` / `needs:pipeline`: the artifacts of a job of another pipeline (resolved at pick-up). */
export interface PlanCrossNeed {
  /** Project path (`needs:project`), with `ref`: the latest successful pipeline of that ref. */
  project: string | null;
  /** Pipeline id or `$PARENT_PIPELINE_ID` (`needs:pipeline`). */
  pipeline: string | null;
  ref: string | null;
  job: string;
  artifacts: boolean;
}

export interface PlanArtifacts {
  name: string | null;
  paths: string[];
  exclude: string[];
  untracked: boolean;
  when: 'on_success' | 'on_failure' | 'always';
  /** As written (e.g. "1 week", "never"); null = instance default. */
  expireIn: string | null;
  exposeAs: string | null;
  /** report type -> paths, e.g. { junit: ["report.xml"], dotenv: ["build.env"] }. */
  reports: Record<string, string[]>;
}

export interface PlanCache {
  /** Literal key after variable expansion; for `key: files` the engine derives the final key. */
  key: string;
  keyFiles: string[] | null;
  keyPrefix: string | null;
  paths: string[];
  untracked: boolean;
  policy: 'pull-push' | 'pull' | 'push';
  when: 'on_success' | 'on_failure' | 'always';
  fallbackKeys: string[];
}

export interface PlanImage {
  name: string;
  alias: string | null;
  entrypoint: string[] | null;
  command: string[] | null;
  pullPolicy: ('always' | 'if-not-present' | 'never')[] | null;
  variables: PlanVariable[];
}

export interface PlanRetry {
  max: number; // 0..2
  /** Failure reasons to retry on; ["always"] is GitLab's default when `retry: N`. */
  when: string[];
  exitCodes: number[];
}

export interface PlanEnvironment {
  name: string;
  url: string | null;
  action: string | null;
}

export interface PlanTrigger {
  /** Local files of the child pipeline (`trigger: include:`), or a project path for multi-project. */
  include: string[];
  project: string | null;
  /** `trigger: branch:` of a multi-project trigger (absent: the downstream project's default branch). */
  branch?: string;
  strategy: 'depend' | null;
  forward: { yamlVariables: boolean; pipelineVariables: boolean };
}

export interface PlanJob {
  name: string;
  stage: string;
  /** Index into PipelinePlan.stages. */
  stageIndex: number;
  when: JobWhen;
  /** Seconds, for `when: delayed`; null otherwise. */
  startIn: number | null;
  allowFailure: boolean;
  /** `allow_failure: exit_codes`; null when not set. */
  allowFailureExitCodes: number[] | null;
  /** null = ordered by stage; [] = `needs: []` (starts at once). */
  needs: PlanNeed[] | null;
  /** Jobs of other pipelines whose artifacts this job downloads (absent when none). */
  crossNeeds?: PlanCrossNeed[];
  /** null = all artifacts of earlier stages (or of needs); [] = none. */
  dependencies: string[] | null;
  tags: string[];
  retry: PlanRetry;
  /** Seconds; null = project default. */
  timeout: number | null;
  resourceGroup: string | null;
  interruptible: boolean;
  /** Global variables merged with job variables (job wins), honouring `inherit:variables`. */
  variables: PlanVariable[];
  beforeScript: string[];
  script: string[];
  afterScript: string[];
  artifacts: PlanArtifacts | null;
  cache: PlanCache[];
  image: PlanImage | null;
  services: PlanImage[];
  hooks: { preGetSourcesScript: string[]; postGetSourcesScript: string[] } | null;
  environment: PlanEnvironment | null;
  coverage: string | null;
  /** `parallel: N` or matrix: 1-based index and total (CI_NODE_INDEX / CI_NODE_TOTAL). */
  parallel: { index: number; total: number } | null;
  trigger: PlanTrigger | null;
  /** Kept and passed on; the dispatcher does not act on them (a warning says so). */
  idTokens: Record<string, unknown> | null;
  secrets: Record<string, unknown> | null;
  release: Record<string, unknown> | null;
  location: SourcePosition;
}

export interface PipelinePlan {
  stages: string[];
  jobs: PlanJob[];
  /** Global `variables:` after expansion (informational; jobs already include them). */
  variables: PlanVariable[];
  workflow: {
    created: boolean;
    name: string | null;
    autoCancel: { onNewCommit: 'conservative' | 'interruptible' | 'none'; onJobFailure: 'none' | 'all' };
  };
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/**
 * Files of the project at the pipeline's commit, read synchronously so the compiler stays pure.
 * Paths are repo-relative with forward slashes, no leading "./".
 */
export interface ProjectFiles {
  read(path: string): string | undefined;
  /**
   * The file's bytes, when the source has bytes (a commit, a directory): the compiler then decodes
   * them as strict UTF-8 and reports an invalid byte with its position.
   */
  readBytes?(path: string): Uint8Array | undefined;
  /** Every file path in the project (for `include: local` globs and `rules: exists`). */
  list(): readonly string[];
}

export interface CompileContext {
  /** Branch or tag name. */
  ref: string;
  isTag: boolean;
  sha: string;
  beforeSha?: string;
  /** CI_PIPELINE_SOURCE: push, web, api, trigger, schedule, merge_request_event, pipeline, parent_pipeline… */
  source: string;
  defaultBranch: string;
  projectPath: string;
  commitMessage?: string;
  /** The commit's author and date, the tag's message, the pipeline's user (CI_COMMIT_AUTHOR, GITLAB_USER_*…). */
  commit?: {
    authorName: string;
    authorEmail: string;
    timestamp: string;
    tagMessage: string;
    user: { id: number; login: string; name: string; email: string };
  } | null;
  /** The server and project as jobs see them (CI_SERVER_*, CI_API_V4_URL, CI_PROJECT_ID/URL/TITLE…); absent = unknown (lint). */
  instance?: { serverUrl: string; projectId: number; projectTitle: string } | null;
  /** Files changed by the push, for `rules:changes` / `only:changes`; null = unknown (all match). */
  changedFiles: readonly string[] | null;
  /** Predefined, project, instance and pipeline variables visible to rules. */
  variables: Record<string, string>;
  /** Local directories standing in for `include: template/project/component`; absent = not available. */
  includeDirs?: { templates?: string; projects?: string; components?: string };
}

export interface CompileOptions {
  /** Path of the main file, default ".gitlab-ci.yml". */
  configPath?: string;
  files: ProjectFiles;
  context: CompileContext;
  /**
   * Reads `include: remote/template/project/component` content; returns undefined when not
   * available. Absent = those include kinds give an "is not available here" error.
   */
  externalInclude?: (kind: 'remote' | 'template' | 'project' | 'component', location: string) => string | undefined;
  limits?: CompileLimits;
}

/** GitLab's configurable CI limits (plan limits / application settings); absent fields take the defaults. */
export interface CompileLimits {
  /**
   * Jobs in one pipeline (GitLab's plan limit `ci_pipeline_size`). GitLab self-managed leaves it
   * off (0); the default here is 2000, GitLab.com's value for its largest plan. 0 = no limit.
   */
  jobsPerPipeline?: number;
  /** `needs` of one job (GitLab's `ci_needs_size_limit`, default 50). */
  needsPerJob?: number;
  /** Included files per pipeline (GitLab's `ci_max_includes`, default 150). */
  includes?: number;
}
