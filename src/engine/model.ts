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
  /** GitLab's variable_type `file`: the job gets a file with the value, the variable holds its path. */
  file?: boolean;
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
  /** GitLab's environment_scope: `*` (every job, the default) or an environment name or pattern. */
  environmentScope?: string;
  description?: string | null;
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

/**
 * `allow_failure` as GitLab reports it: with `allow_failure: exit_codes`, true once the job has
 * failed with one of those codes (false before it ran, and for any other code); otherwise the
 * job's `allow_failure`. A failed job that allows failure "passed with warnings".
 */
export function allowsFailure(j: { status: JobStatus; exitCode: number | null; spec: Pick<PlanJob, 'allowFailure' | 'allowFailureExitCodes'> }): boolean {
  const codes = j.spec.allowFailureExitCodes;
  if (j.status === 'failed' && codes) return j.exitCode !== null && codes.includes(j.exitCode);
  return j.spec.allowFailure;
}

// --- junit test reports (engine/test-report.ts builds a pipeline's report from these) ---

export type TestCaseStatus = 'success' | 'failed' | 'skipped' | 'error';

export interface TestCase {
  status: TestCaseStatus;
  name: string;
  classname: string;
  file: string | null;
  /** Seconds. */
  executionTime: number;
  /** The failure/error/skipped message and body, then the case's system-out/system-err. */
  systemOutput: string | null;
  stackTrace: string | null;
}

export interface TestCounts {
  total: number;
  success: number;
  failed: number;
  skipped: number;
  error: number;
  /** Seconds (sum of the cases' execution times). */
  time: number;
}

/** What a job's report stored: its counts (over every case, also those past the stored cap). */
export interface JobTestSummary extends TestCounts {
  jobId: number;
  pipelineId: number;
  /** Set when the report could not be read ("JUnit XML parsing failed: …"). */
  suiteError: string | null;
}

export interface StoredTestCase extends TestCase {
  jobId: number;
}

// --- CI automation: pipeline triggers, schedules, project webhooks and their delivery log,
// external commit statuses (engine/automation.ts) ---

export interface PipelineTrigger {
  id: number;
  projectId: number;
  description: string;
  /** The token's first 4 characters (GitLab shows them to everyone but the owner). */
  tokenPrefix: string;
  ownerName: string | null;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
}

export type ScheduleVariableType = 'env_var' | 'file';

export interface ScheduleVariable {
  key: string;
  value: string;
  variableType: ScheduleVariableType;
}

export interface PipelineSchedule {
  id: number;
  projectId: number;
  description: string;
  /** Branch or tag name (GitLab also accepts refs/heads/… and refs/tags/…). */
  ref: string;
  cron: string;
  /** IANA time zone name, e.g. "UTC", "Europe/Berlin". */
  cronTimezone: string;
  active: boolean;
  /** Next time the scheduler fires it; null when inactive. */
  nextRunAt: string | null;
  lastPipelineId: number | null;
  ownerName: string | null;
  createdAt: string;
  updatedAt: string;
  variables: ScheduleVariable[];
}

export interface ProjectHook {
  id: number;
  projectId: number;
  url: string;
  /** Sent as X-Gitlab-Token (stored encrypted, never shown by the API). */
  token: string | null;
  pushEvents: boolean;
  /** "Tag Push Hook" deliveries for pushed (or deleted) tags. */
  tagPushEvents: boolean;
  pipelineEvents: boolean;
  jobEvents: boolean;
  enableSslVerification: boolean;
  createdAt: string;
}

export type HookEvent = 'Pipeline Hook' | 'Job Hook' | 'Push Hook' | 'Tag Push Hook';
export type HookDeliveryStatus = 'queued' | 'delivered' | 'failed';

/** One event for one hook: queued until delivered (2xx) or out of attempts (failed). */
export interface HookDelivery {
  id: number;
  hookId: number;
  projectId: number;
  event: HookEvent;
  /** X-Gitlab-Event-UUID (the same on every attempt). */
  uuid: string;
  /** The JSON body. */
  payload: string;
  status: HookDeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export type CommitStatusState = 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';

/** A status posted by an external system for a commit (POST /projects/:id/statuses/:sha). */
export interface CommitStatus {
  id: number;
  projectId: number;
  sha: string;
  ref: string | null;
  name: string;
  status: CommitStatusState;
  targetUrl: string | null;
  description: string | null;
  coverage: number | null;
  pipelineId: number | null;
  authorName: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}
