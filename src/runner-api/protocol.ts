// Wire types of GitLab's runner API v4, as the official gitlab-runner (Go) encodes and decodes
// them. See ../shared/reference/runner-protocol.md. Types only: no behaviour, no imports, so
// that both the server (runner-api/) and the built-in runner (runner/) can share them.
//
// Go decodes the job payload into typed structs: a wrong JSON type loses the job. Every
// variable value is a string; entrypoint/command/script are arrays; `run` is omitted unless used.

export interface FeaturesInfo {
  variables?: boolean;
  image?: boolean;
  services?: boolean;
  artifacts?: boolean;
  cache?: boolean;
  fallback_cache_keys?: boolean;
  shared?: boolean;
  upload_multiple_artifacts?: boolean;
  upload_raw_artifacts?: boolean;
  session?: boolean;
  terminal?: boolean;
  refspecs?: boolean;
  masking?: boolean;
  proxy?: boolean;
  raw_variables?: boolean;
  artifacts_exclude?: boolean;
  multi_build_steps?: boolean;
  trace_reset?: boolean;
  trace_checksum?: boolean;
  trace_size?: boolean;
  vault_secrets?: boolean;
  cancelable?: boolean;
  return_exit_code?: boolean;
  service_variables?: boolean;
  service_multiple_aliases?: boolean;
  image_executor_opts?: boolean;
  service_executor_opts?: boolean;
  cancel_gracefully?: boolean;
  native_steps_integration?: boolean;
  two_phase_job_commit?: boolean;
  job_inputs?: boolean;
  [other: string]: boolean | undefined;
}

export interface RunnerInfo {
  name?: string;
  version?: string;
  revision?: string;
  platform?: string;
  architecture?: string;
  executor?: string;
  shell?: string;
  features?: FeaturesInfo;
  config?: { gpus?: string };
  labels?: Record<string, string>;
}

/** POST /runners (legacy registration with a registration token). */
export interface RegisterRunnerRequest {
  token: string;
  description?: string;
  maintenance_note?: string;
  /** Comma-separated string, e.g. "docker,linux". */
  tag_list?: string;
  access_level?: 'not_protected' | 'ref_protected';
  maximum_timeout?: number;
  run_untagged?: boolean;
  locked?: boolean;
  paused?: boolean;
  /** Older runners send `active` instead of `paused`. */
  active?: boolean;
  info?: RunnerInfo;
}

/** 201 of POST /runners, 200 of POST /runners/verify. */
export interface RegisterRunnerResponse {
  id: number;
  token: string;
  token_expires_at: string | null;
}

export interface VerifyRunnerRequest {
  token: string;
  system_id?: string;
  info?: RunnerInfo;
}

export interface UnregisterRunnerRequest {
  token: string;
  system_id?: string;
}

export interface ResetTokenRequest {
  token: string;
}

export interface ResetTokenResponse {
  token: string;
  token_expires_at: string | null;
}

export interface SessionInfo {
  url?: string;
  certificate?: string;
  authorization?: string;
}

/** POST /jobs/request body. */
export interface JobRequest {
  token: string;
  system_id?: string;
  last_update?: string;
  session?: SessionInfo;
  info?: RunnerInfo;
}

export interface JobInfo {
  id: number;
  name: string;
  stage: string;
  project_id: number;
  project_name: string;
  pipeline_id?: number;
  project_full_path?: string;
  namespace_id?: number;
  root_namespace_id?: number;
  time_in_queue_seconds?: number;
  /** A STRING in GitLab's payload (e.g. "+Inf"); a number breaks the Go decoder. */
  project_jobs_running_on_instance_runners_count?: string;
  queue_size?: number;
  queue_depth?: number;
}

export interface GitInfo {
  repo_url: string;
  ref: string;
  /** Full commit id; the runner prints sha[0:8], so at least 8 characters. */
  sha: string;
  before_sha: string;
  ref_type: 'branch' | 'tag';
  refspecs: string[];
  depth: number;
  repo_object_format?: 'sha1' | 'sha256' | '';
  protected?: boolean | null;
}

export interface JobRunnerInfo {
  timeout: number;
  uuid?: string;
}

export interface JobVariable {
  key: string;
  /** Always a string. */
  value: string;
  public: boolean;
  masked: boolean;
  file?: boolean;
  raw?: boolean;
}

export type StepName = 'script' | 'after_script' | 'release' | (string & {});
export type StepWhen = 'on_success' | 'on_failure' | 'always';

export interface Step {
  name: StepName;
  script: string[];
  timeout: number;
  when: StepWhen;
  allow_failure: boolean;
}

export interface ImagePort {
  number: number;
  protocol?: string;
  name?: string;
}

export interface Image {
  name: string;
  alias?: string;
  command?: string[];
  entrypoint?: string[];
  ports?: ImagePort[];
  variables?: { key: string; value: string }[];
  pull_policy?: ('always' | 'if-not-present' | 'never')[];
  executor_opts?: { docker?: { platform?: string; user?: string }; kubernetes?: { user?: string } };
}

export type ArtifactFormat = 'zip' | 'gzip' | 'raw' | 'zipzstd' | 'tarzstd';
export type ArtifactWhen = 'on_success' | 'on_failure' | 'always';

export interface ArtifactSpec {
  name: string;
  untracked: boolean;
  paths: string[];
  exclude: string[];
  when: ArtifactWhen;
  artifact_type: string;
  artifact_format: ArtifactFormat;
  expire_in: string;
}

export interface CacheSpec {
  key: string;
  untracked: boolean;
  policy: 'pull-push' | 'pull' | 'push' | '';
  paths: string[];
  when: ArtifactWhen;
  fallback_keys: string[];
}

export interface Credentials {
  type: 'registry';
  url: string;
  username: string;
  password: string;
}

export interface Dependency {
  id: number;
  name: string;
  token: string;
  artifacts_file: { filename: string; size: number };
}

export interface JobFeatures {
  trace_sections: boolean;
  token_mask_prefixes?: string[];
  failure_reasons: string[];
}

export interface Hook {
  name: 'pre_get_sources_script' | 'post_get_sources_script';
  script: string[];
}

/** 201 body of POST /jobs/request (Go: spec.Job). */
export interface JobPayload {
  id: number;
  token: string;
  allow_git_fetch: boolean;
  job_info: JobInfo;
  git_info: GitInfo;
  runner_info: JobRunnerInfo;
  variables: JobVariable[];
  steps: Step[];
  image: Image | null;
  services: Image[];
  artifacts: ArtifactSpec[];
  cache: CacheSpec[];
  credentials: Credentials[];
  dependencies: Dependency[];
  features: JobFeatures;
  hooks?: Hook[];
}

export type JobState = 'pending' | 'running' | 'success' | 'failed';

/** PUT /jobs/:id body. */
export interface UpdateJobRequest {
  token: string;
  state: JobState;
  failure_reason?: string;
  exit_code?: number;
  checksum?: string;
  output?: { checksum?: string; bytesize?: number };
  runtime_environment_key?: string;
  info?: RunnerInfo;
}

/** Failure reasons the runner itself reports (before mapping through features.failure_reasons). */
export const RUNNER_FAILURE_REASONS = [
  'script_failure',
  'runner_system_failure',
  'job_execution_timeout',
  'image_pull_failure',
  'unknown_failure',
  'runner_configuration_error',
  'runner_external_dependency_failure',
  'runner_interrupted',
  'job_canceled',
] as const;

/** Reasons this coordinator understands; sent as features.failure_reasons. */
export const SERVER_FAILURE_REASONS = [
  'unknown_failure',
  'script_failure',
  'runner_system_failure',
  'job_execution_timeout',
  'image_pull_failure',
  'runner_unsupported',
  'stuck_or_timeout_failure',
  'missing_dependency_failure',
  'runner_configuration_error',
  'runner_external_dependency_failure',
  'runner_interrupted',
  'api_failure',
] as const;

/** Header names (case-insensitive on the wire). */
export const HEADER = {
  lastUpdate: 'X-GitLab-Last-Update',
  jobStatus: 'Job-Status',
  traceUpdateInterval: 'X-GitLab-Trace-Update-Interval',
  runnerToken: 'RUNNER-TOKEN',
  jobToken: 'JOB-TOKEN',
  contentRange: 'Content-Range',
  range: 'Range',
  requestId: 'X-Request-Id',
} as const;
