// Domain types shared by engine/, store/, queue/, runner-api/, api/. Plain data, JSON-friendly.
// Timestamps are ISO-8601 strings in UTC (the same in SQLite and PostgreSQL adapters).
import type { PlanJob } from '../ci/plan.js';

export type JobStatus =
  | 'created'
  | 'waiting_for_resource'
  | 'pending'
  | 'running'
  | 'success'
  | 'failed'
  | 'canceling'
  | 'canceled'
  | 'skipped'
  | 'manual'
  | 'scheduled';

export type PipelineStatus =
  | 'created'
  | 'waiting_for_resource'
  | 'pending'
  | 'running'
  | 'success'
  | 'failed'
  | 'canceling'
  | 'canceled'
  | 'skipped'
  | 'manual'
  | 'scheduled';

export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ['success', 'failed', 'canceled', 'skipped'];
export const ACTIVE_JOB_STATUSES: readonly JobStatus[] = ['pending', 'running', 'canceling', 'waiting_for_resource'];

export type FailureReason =
  | 'unknown_failure'
  | 'script_failure'
  | 'api_failure'
  | 'stuck_or_timeout_failure'
  | 'runner_system_failure'
  | 'missing_dependency_failure'
  | 'runner_unsupported'
  | 'job_execution_timeout'
  | 'runner_interrupted'
  | 'image_pull_failure'
  | 'runner_configuration_error'
  | 'runner_external_dependency_failure'
  | 'downstream_pipeline_creation_failed'
  | 'reached_max_descendant_pipelines_depth'
  | 'reached_max_pipeline_hierarchy_size'
  | (string & {});

export interface Project {
  id: number;
  /** Full path, e.g. "group/demo". */
  path: string;
  name: string;
  defaultBranch: string;
  createdAt: string;
}

export interface PipelineVariable {
  key: string;
  value: string;
}

export interface Pipeline {
  id: number;
  projectId: number;
  /** Per-project sequence number. */
  iid: number;
  ref: string;
  isTag: boolean;
  sha: string;
  beforeSha: string;
  /** CI_PIPELINE_SOURCE. */
  source: string;
  status: PipelineStatus;
  name: string | null;
  stages: string[];
  /** Variables given when the pipeline was created (highest precedence). */
  variables: PipelineVariable[];
  commitMessage: string;
  /** The commit's author, date and tag message, and who created the pipeline (null: unknown, older rows). */
  commit?: CommitInfo | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Parent pipeline for child pipelines (trigger: include). */
  parentPipelineId: number | null;
  /** GitLab's pipeline failure reason; "config_error" when the configuration is invalid. */
  failureReason?: string | null;
  /** The configuration errors of a pipeline that failed with config_error (GitLab's yaml_errors). */
  yamlErrors?: PipelineConfigError[] | null;
  /**
   * Whether the ref was protected when the pipeline was created (the project's protected branch or
   * tag rules at that moment, like GitLab's `ci_pipelines.protected`). Decides protected runners,
   * protected variables and CI_COMMIT_REF_PROTECTED for every job of the pipeline.
   */
  protected: boolean;
}

/** Who a pipeline is for (GITLAB_USER_*): the pusher's API token, else the commit's author. */
export interface PipelineUser {
  id: number;
  login: string;
  name: string;
  email: string;
}

/** What git knows of a pipeline's commit (CI_COMMIT_AUTHOR, CI_COMMIT_TIMESTAMP, CI_COMMIT_TAG_MESSAGE). */
export interface CommitInfo {
  authorName: string;
  authorEmail: string;
  /** Commit (committer) date, ISO 8601 with its offset. */
  timestamp: string;
  /** The annotated tag's message (tag pipelines), else "". */
  tagMessage: string;
  user: PipelineUser;
}

/** One `.gitlab-ci.yml` error, where it is. */
export interface PipelineConfigError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export type ProtectedRefKind = 'branch' | 'tag';

/** A protected branch or tag rule of a project: an exact ref name or a pattern with `*` wildcards. */
export interface ProtectedRef {
  id: number;
  projectId: number;
  kind: ProtectedRefKind;
  /** The branch or tag name, or a pattern such as `release/*` or `v*`. */
  name: string;
  createdAt: string;
}

export interface Job {
  id: number;
  pipelineId: number;
  projectId: number;
  name: string;
  stage: string;
  stageIndex: number;
  status: JobStatus;
  /** The compiled job (script, variables, needs, artifacts…). */
  spec: PlanJob;
  /** 0 for the first run; a retry is a new Job with attempt+1, the old one marked retried. */
  attempt: number;
  retried: boolean;
  runnerId: number | null;
  systemId: string | null;
  failureReason: FailureReason | null;
  exitCode: number | null;
  /** Variables given when a manual job was played. */
  playVariables: PipelineVariable[];
  createdAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** For `when: delayed`: when it becomes pending. */
  scheduledAt: string | null;
  /** Last PATCH/PUT from the runner; stale-job sweeps use it. */
  lastActivityAt: string | null;
  /** Live trace length in bytes. */
  traceSize: number;
  /** Deadline enforced by the sweeper: startedAt + effective timeout. */
  deadlineAt: string | null;
  /** Effective timeout in seconds (job timeout capped by the runner's maximum_timeout). */
  timeout: number;
}

export type RunnerAccessLevel = 'not_protected' | 'ref_protected';

export interface Runner {
  id: number;
  /** "glrt" for runner authentication tokens created by an admin; "legacy" for POST /runners. */
  tokenKind: 'glrt' | 'legacy';
  description: string;
  tags: string[];
  runUntagged: boolean;
  locked: boolean;
  paused: boolean;
  accessLevel: RunnerAccessLevel;
  /** Seconds; null = no cap. */
  maximumTimeout: number | null;
  /** Null = instance runner. */
  projectId: number | null;
  createdAt: string;
  contactedAt: string | null;
  tokenExpiresAt: string | null;
}

export interface RunnerManager {
  runnerId: number;
  systemId: string;
  name: string;
  version: string;
  revision: string;
  platform: string;
  architecture: string;
  executor: string;
  shell: string;
  features: Record<string, boolean>;
  contactedAt: string;
}

export interface Artifact {
  id: number;
  jobId: number;
  pipelineId: number;
  /** "archive", "junit", "dotenv", "trace"… */
  fileType: string;
  fileFormat: 'zip' | 'gzip' | 'raw' | 'zipzstd' | 'tarzstd';
  filename: string;
  size: number;
  /** Key in the artifacts blob store. */
  storageKey: string;
  sha256: string;
  expireAt: string | null;
  createdAt: string;
}

export interface CiVariable {
  id: number;
  /** Null = instance variable. */
  projectId: number | null;
  key: string;
  value: string;
  masked: boolean;
  protected: boolean;
  file: boolean;
  raw: boolean;
}

export interface ApiToken {
  id: number;
  name: string;
  /** "admin" can do everything; "user" can push and run pipelines (the UI API's view of `scopes`). */
  scope: 'admin' | 'user';
  createdAt: string;
  /** The user the token belongs to (GitLab: every token is a user's; the admin token is root's). */
  userId: number | null;
  /** GitLab token scopes (`api`, `read_api`, …); a token without `api` only reads. */
  scopes: TokenScope[];
  /** Set for a project access token: the only project it reaches. */
  projectId: number | null;
  /** GitLab access level of a project access token (10 guest … 50 owner); null otherwise. */
  accessLevel: number | null;
  /** Date (YYYY-MM-DD, UTC) from which the token no longer works; null = never expires. */
  expiresAt: string | null;
  revoked: boolean;
}

/** GitLab personal/project access token scopes accepted here. */
export const TOKEN_SCOPES = ['api', 'read_api', 'read_user', 'read_repository', 'write_repository', 'create_runner', 'manage_runner', 'sudo', 'admin_mode'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** A GitLab user: the owner of access tokens. Migration 11 creates `root`, the administrator. */
export interface User {
  id: number;
  username: string;
  name: string;
  email: string;
  isAdmin: boolean;
  /** Project bot users own project access tokens. */
  bot: boolean;
  state: 'active' | 'blocked';
  createdAt: string;
}

/** Edge of the job graph: `jobId` waits for `needsJobId` (needs or stage order). */
export interface JobEdge {
  jobId: number;
  needsJobId: number;
  /** True for `needs:` edges, false for implicit stage-order edges. */
  explicit: boolean;
  artifacts: boolean;
  optional: boolean;
}
