// Table types for kysely (column names as in SQL, snake_case). Booleans are 0/1 integers and
// JSON columns are text in both dialects, so one query layer serves SQLite and PostgreSQL.
import type { Generated } from 'kysely';

export interface ProjectsTable {
  id: Generated<number>;
  path: string;
  name: string;
  default_branch: string;
  created_at: string;
  pipeline_seq: Generated<number>;
}

export interface PipelinesTable {
  id: Generated<number>;
  project_id: number;
  iid: number;
  ref: string;
  is_tag: number;
  sha: string;
  before_sha: string;
  source: string;
  status: string;
  name: string | null;
  stages: string;
  variables: string;
  commit_message: string;
  /** JSON CommitInfo, or null. */
  commit_info: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  parent_pipeline_id: number | null;
  auto_cancel_on_failure: Generated<number>;
  failure_reason: string | null;
  /** JSON array of PipelineConfigError. */
  yaml_errors: string | null;
  protected: Generated<number>;
}

export interface ProtectedRefsTable {
  id: Generated<number>;
  project_id: number;
  kind: string;
  name: string;
  created_at: string;
}

export interface JobsTable {
  id: Generated<number>;
  pipeline_id: number;
  project_id: number;
  name: string;
  stage: string;
  stage_index: number;
  status: string;
  spec: string;
  attempt: number;
  retried: number;
  runner_id: number | null;
  system_id: string | null;
  failure_reason: string | null;
  exit_code: number | null;
  play_variables: string;
  created_at: string;
  queued_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  scheduled_at: string | null;
  last_activity_at: string | null;
  trace_size: number;
  deadline_at: string | null;
  timeout: number;
  token_hash: string | null;
  when_: string;
  allow_failure: number;
  stage_ordered: number;
  resource_group: string | null;
  interruptible: number;
}

export interface JobEdgesTable {
  job_id: number;
  needs_job_id: number;
  explicit: number;
  artifacts: number;
  optional: number;
}

export interface PendingJobsTable {
  job_id: number;
  project_id: number;
  protected: number;
  tag_count: number;
  features: number;
}

export interface PendingJobTagsTable {
  job_id: number;
  tag: string;
}

export interface RunnersTable {
  id: Generated<number>;
  token_hash: string;
  token_kind: string;
  description: string;
  tags: string;
  run_untagged: number;
  locked: number;
  paused: number;
  access_level: string;
  maximum_timeout: number | null;
  project_id: number | null;
  created_at: string;
  contacted_at: string | null;
  token_expires_at: string | null;
}

export interface RunnerManagersTable {
  runner_id: number;
  system_id: string;
  name: string;
  version: string;
  revision: string;
  platform: string;
  architecture: string;
  executor: string;
  shell: string;
  features: string;
  contacted_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  scope: string;
  token_hash: string;
  created_at: string;
  user_id: number | null;
  /** JSON array of GitLab scopes. */
  scopes: Generated<string>;
  project_id: number | null;
  access_level: number | null;
  expires_at: string | null;
  revoked: Generated<number>;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  name: string;
  email: string;
  is_admin: number;
  bot: Generated<number>;
  state: Generated<string>;
  created_at: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface CiVariablesTable {
  id: Generated<number>;
  project_id: number | null;
  key: string;
  value: string;
  masked: number;
  protected: number;
  file: number;
  raw: number;
  environment_scope: Generated<string>;
  description: string | null;
}

export interface ArtifactsTable {
  id: Generated<number>;
  job_id: number;
  pipeline_id: number;
  file_type: string;
  file_format: string;
  filename: string;
  size: number;
  storage_key: string;
  sha256: string;
  expire_at: string | null;
  created_at: string;
}

export interface TestReportsTable {
  job_id: number;
  pipeline_id: number;
  total: number;
  success: number;
  failed: number;
  skipped: number;
  error: number;
  total_time: number;
  suite_error: string | null;
}

export interface TestCasesTable {
  job_id: number;
  position: number;
  status: string;
  name: string;
  classname: string;
  file: string | null;
  execution_time: number;
  system_output: string | null;
  stack_trace: string | null;
}

export interface ErasedJobsTable {
  job_id: number;
  erased_at: string;
}

export interface RemovedArtifactsTable {
  job_id: number;
  file_type: string;
  removed_at: string;
}

export interface JobDotenvTable {
  job_id: number;
  position: number;
  key: string;
  value: string;
}

export interface ResourceGroupsTable {
  project_id: number;
  key: string;
  process_mode: string;
  holder_job_id: number | null;
}

export interface SchemaMigrationsTable {
  version: number;
  applied_at: string;
}

export interface PipelineTriggersTable {
  id: Generated<number>;
  project_id: number;
  description: string;
  token_hash: string;
  token_prefix: string;
  owner_name: string | null;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
}

export interface PipelineSchedulesTable {
  id: Generated<number>;
  project_id: number;
  description: string;
  ref: string;
  cron: string;
  cron_timezone: string;
  active: number;
  next_run_at: string | null;
  last_pipeline_id: number | null;
  owner_name: string | null;
  created_at: string;
  updated_at: string;
}

/** One row per pipeline a schedule created (cron run or "play"). */
export interface PipelineScheduleRunsTable {
  schedule_id: number;
  pipeline_id: number;
}

export interface PipelineScheduleVariablesTable {
  schedule_id: number;
  key: string;
  /** Sealed (secret-box.ts). */
  value: string;
  variable_type: string;
}

export interface ProjectHooksTable {
  id: Generated<number>;
  project_id: number;
  url: string;
  /** Sealed (secret-box.ts), or null. */
  token: string | null;
  push_events: number;
  tag_push_events: Generated<number>;
  pipeline_events: number;
  job_events: number;
  enable_ssl_verification: number;
  created_at: string;
}

export interface HookDeliveriesTable {
  id: Generated<number>;
  hook_id: number;
  project_id: number;
  event: string;
  uuid: string;
  /** Sealed JSON body (it may carry variables). */
  payload: string;
  status: string;
  attempts: Generated<number>;
  next_attempt_at: string;
  locked_until: string | null;
  response_status: number | null;
  response_body: string | null;
  duration_ms: number | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface CommitStatusesTable {
  id: Generated<number>;
  project_id: number;
  sha: string;
  ref: string | null;
  name: string;
  status: string;
  target_url: string | null;
  description: string | null;
  coverage: number | null;
  pipeline_id: number | null;
  author_name: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export interface Database {
  projects: ProjectsTable;
  pipelines: PipelinesTable;
  jobs: JobsTable;
  job_edges: JobEdgesTable;
  pending_jobs: PendingJobsTable;
  pending_job_tags: PendingJobTagsTable;
  runners: RunnersTable;
  runner_managers: RunnerManagersTable;
  api_tokens: ApiTokensTable;
  users: UsersTable;
  settings: SettingsTable;
  ci_variables: CiVariablesTable;
  artifacts: ArtifactsTable;
  removed_artifacts: RemovedArtifactsTable;
  job_dotenv: JobDotenvTable;
  resource_groups: ResourceGroupsTable;
  protected_refs: ProtectedRefsTable;
  test_reports: TestReportsTable;
  test_cases: TestCasesTable;
  erased_jobs: ErasedJobsTable;
  schema_migrations: SchemaMigrationsTable;
  pipeline_triggers: PipelineTriggersTable;
  pipeline_schedules: PipelineSchedulesTable;
  pipeline_schedule_variables: PipelineScheduleVariablesTable;
  pipeline_schedule_runs: PipelineScheduleRunsTable;
  project_hooks: ProjectHooksTable;
  hook_deliveries: HookDeliveriesTable;
  commit_statuses: CommitStatusesTable;
}
