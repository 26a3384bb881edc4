// The JSON shapes the UI API (/api/ui) answers with, as TypeBox schemas: the routes' response
// schemas (Fastify serializes through them, so a field not listed here is not sent), the OpenAPI
// document at /api/ui/openapi.json, and the TypeScript types of both the server (views.ts) and
// the web UI (web/src/types.ts imports them with `import type`). Pure TypeBox: no server imports.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ description: 'ISO 8601' });

export const StatusSchema = Type.Union(
  (['created', 'waiting_for_resource', 'pending', 'running', 'success', 'failed', 'canceling', 'canceled', 'skipped', 'manual', 'scheduled'] as const).map((s) => Type.Literal(s)),
);
export type Status = Static<typeof StatusSchema>;

export const ConfigErrorSchema = Type.Object({ file: Type.String(), line: Type.Integer(), column: Type.Integer(), message: Type.String() });

export const CommitSchema = Type.Object({
  authorName: Type.String(),
  authorEmail: Type.String(),
  timestamp: Type.String(),
  tagMessage: Type.String(),
  user: Type.Object({ id: Type.Integer(), login: Type.String(), name: Type.String(), email: Type.String() }),
});

/** One stage of a listed pipeline: its composite status, `warning` = passed with allowed failures. */
export const StageStatusSchema = Type.Object({ name: Type.String(), status: StatusSchema, warning: Type.Boolean(), jobs: Type.Integer() });
export type StageStatus = Static<typeof StageStatusSchema>;

export const PipelineSchema = Type.Object({
  id: Type.Integer(),
  projectId: Type.Integer(),
  iid: Type.Integer(),
  ref: Type.String(),
  isTag: Type.Boolean(),
  sha: Type.String(),
  beforeSha: Type.String(),
  source: Type.String(),
  status: StatusSchema,
  name: Nullable(Type.String()),
  stages: Type.Array(Type.String()),
  /** Keys only: values never leave the server. */
  variables: Type.Array(Type.Object({ key: Type.String() })),
  commitMessage: Type.String(),
  commit: Type.Optional(Nullable(CommitSchema)),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  parentPipelineId: Nullable(Type.Integer()),
  /** "config_error" when .gitlab-ci.yml was invalid (then yamlErrors lists why, and there are no jobs). */
  failureReason: Nullable(Type.String()),
  yamlErrors: Nullable(Type.Array(ConfigErrorSchema)),
  protected: Type.Boolean(),
  /** Seconds between start and finish (or now while running). */
  duration: Nullable(Type.Number()),
  projectPath: Type.Optional(Type.String()),
  /** In lists: each stage's composite status (the mini graph; stage-summary.ts). */
  stageSummary: Type.Optional(Type.Array(StageStatusSchema)),
  /** In lists: passed with allowed failures (GitLab's orange warning). */
  warning: Type.Optional(Type.Boolean()),
});
export type Pipeline = Static<typeof PipelineSchema>;

export const ProjectSchema = Type.Object({
  id: Type.Integer(),
  path: Type.String(),
  name: Type.String(),
  defaultBranch: Type.String(),
  createdAt: Timestamp,
  /** In the project list: its newest pipeline. */
  lastPipeline: Type.Optional(Nullable(PipelineSchema)),
});
export type Project = Static<typeof ProjectSchema>;

export const JobSchema = Type.Object({
  id: Type.Integer(),
  pipelineId: Type.Integer(),
  projectId: Type.Integer(),
  name: Type.String(),
  stage: Type.String(),
  stageIndex: Type.Integer(),
  status: StatusSchema,
  when: Type.String(),
  allowFailure: Type.Boolean(),
  manual: Type.Boolean(),
  /** Names of the jobs this one needs (null = stage order). */
  needs: Nullable(Type.Array(Type.String())),
  attempt: Type.Integer(),
  retried: Type.Boolean(),
  runnerId: Nullable(Type.Integer()),
  failureReason: Nullable(Type.String()),
  exitCode: Nullable(Type.Integer()),
  createdAt: Timestamp,
  queuedAt: Nullable(Timestamp),
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  scheduledAt: Nullable(Timestamp),
  duration: Nullable(Type.Number()),
  queuedDuration: Nullable(Type.Number()),
  traceSize: Type.Integer(),
  timeout: Type.Integer(),
});
export type Job = Static<typeof JobSchema>;

export const EdgeSchema = Type.Object({
  jobId: Type.Integer(),
  needsJobId: Type.Integer(),
  /** True for `needs:` edges, false for implicit stage-order edges. */
  explicit: Type.Boolean(),
  artifacts: Type.Boolean(),
  optional: Type.Boolean(),
});
export type Edge = Static<typeof EdgeSchema>;

export const PipelineDetailSchema = Type.Object({ pipeline: PipelineSchema, project: ProjectSchema, jobs: Type.Array(JobSchema), edges: Type.Array(EdgeSchema) });
export type PipelineDetail = Static<typeof PipelineDetailSchema>;

export const ArtifactSchema = Type.Object({
  id: Type.Integer(),
  jobId: Type.Integer(),
  pipelineId: Type.Integer(),
  fileType: Type.String(),
  fileFormat: Type.String(),
  filename: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  expireAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
export type Artifact = Static<typeof ArtifactSchema>;

/** An artifact of a pipeline's current job, with the job's name (the list's download menu). */
export const PipelineArtifactSchema = Type.Composite([ArtifactSchema, Type.Object({ jobName: Type.String() })]);
export type PipelineArtifact = Static<typeof PipelineArtifactSchema>;

export const RunnerManagerSchema = Type.Object({
  runnerId: Type.Integer(),
  systemId: Type.String(),
  name: Type.String(),
  version: Type.String(),
  revision: Type.String(),
  platform: Type.String(),
  architecture: Type.String(),
  executor: Type.String(),
  shell: Type.String(),
  features: Type.Record(Type.String(), Type.Boolean()),
  contactedAt: Timestamp,
});
export type RunnerManager = Static<typeof RunnerManagerSchema>;

export const RunnerStatusSchema = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('never_contacted')]);
export type RunnerStatus = Static<typeof RunnerStatusSchema>;
export const RunnerAccessLevelSchema = Type.Union([Type.Literal('not_protected'), Type.Literal('ref_protected')]);

export const RunnerSchema = Type.Object({
  id: Type.Integer(),
  tokenKind: Type.Union([Type.Literal('glrt'), Type.Literal('legacy')]),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  runUntagged: Type.Boolean(),
  locked: Type.Boolean(),
  paused: Type.Boolean(),
  accessLevel: RunnerAccessLevelSchema,
  maximumTimeout: Nullable(Type.Integer()),
  projectId: Nullable(Type.Integer()),
  createdAt: Timestamp,
  /** The latest contact of the runner or any of its managers. */
  contactedAt: Nullable(Timestamp),
  tokenExpiresAt: Nullable(Timestamp),
  /** online = contact within 2 hours. */
  status: RunnerStatusSchema,
  /** The gitlab-runner processes behind this runner, newest contact first. */
  managers: Type.Array(RunnerManagerSchema),
});
export type Runner = Static<typeof RunnerSchema>;
/** A runner embedded in another answer (the job page): without its managers. */
export const RunnerSummarySchema = Type.Omit(RunnerSchema, ['managers']);
export type RunnerSummary = Static<typeof RunnerSummarySchema>;

export const RunnerCreatedSchema = Type.Object({ runner: RunnerSchema, token: Type.String({ description: 'shown once' }), tokenExpiresAt: Nullable(Timestamp) });

/** What the job page shows of the compiled job: no variable values. */
export const JobSpecSchema = Type.Object({
  tags: Type.Array(Type.String()),
  image: Nullable(Type.String()),
  services: Type.Array(Type.String()),
  environment: Nullable(Type.Object({ name: Type.String(), url: Nullable(Type.String()), action: Nullable(Type.String()) })),
  timeout: Nullable(Type.Integer()),
  interruptible: Type.Boolean(),
  retryMax: Type.Integer(),
  script: Type.Array(Type.String()),
  beforeScript: Type.Array(Type.String()),
  afterScript: Type.Array(Type.String()),
  artifacts: Nullable(Type.Object({ paths: Type.Array(Type.String()), when: Type.String(), expireIn: Nullable(Type.String()), reports: Type.Array(Type.String()) })),
  variableKeys: Type.Array(Type.String()),
  playVariableKeys: Type.Array(Type.String()),
  location: Type.Object({ file: Type.String(), line: Type.Integer(), column: Type.Integer() }),
});
export type JobSpec = Static<typeof JobSpecSchema>;

export const JobAttemptSchema = Type.Object({ id: Type.Integer(), attempt: Type.Integer(), status: StatusSchema, retried: Type.Boolean(), createdAt: Timestamp, failureReason: Nullable(Type.String()) });

export const JobDetailSchema = Type.Object({
  job: JobSchema,
  spec: JobSpecSchema,
  pipeline: Nullable(PipelineSchema),
  project: Nullable(ProjectSchema),
  runner: Nullable(RunnerSummarySchema),
  runnerManager: Nullable(RunnerManagerSchema),
  attempts: Type.Array(JobAttemptSchema),
  artifacts: Type.Array(ArtifactSchema),
});
export type JobDetail = Static<typeof JobDetailSchema>;

/** `{job}`: the answer of the job actions. */
export const JobResultSchema = Type.Object({ job: JobSchema });

export const ZipEntrySchema = Type.Object({ path: Type.String(), directory: Type.Boolean(), size: Type.Integer(), compressedSize: Type.Integer(), modifiedAt: Timestamp });
export type ZipEntry = Static<typeof ZipEntrySchema>;
export const ZipListingSchema = Type.Object({ artifact: ArtifactSchema, entries: Type.Array(ZipEntrySchema), total: Type.Integer(), truncated: Type.Boolean() });

export const VariableSchema = Type.Object({
  id: Type.Integer(),
  projectId: Nullable(Type.Integer()),
  key: Type.String(),
  /** Null for masked variables: their value never leaves the server. */
  value: Nullable(Type.String()),
  masked: Type.Boolean(),
  protected: Type.Boolean(),
  file: Type.Boolean(),
  raw: Type.Boolean(),
  /** GitLab's environment_scope (`*` = every job), where the engine keeps one. */
  environmentScope: Type.Optional(Type.String()),
  description: Type.Optional(Nullable(Type.String())),
});
export type Variable = Static<typeof VariableSchema>;

export const ProtectedRefSchema = Type.Object({ id: Type.Integer(), projectId: Type.Integer(), kind: Type.Union([Type.Literal('branch'), Type.Literal('tag')]), name: Type.String(), createdAt: Timestamp });
export type ProtectedRef = Static<typeof ProtectedRefSchema>;

export const SessionSchema = Type.Object({
  authenticated: Type.Boolean(),
  name: Nullable(Type.String()),
  scope: Nullable(Type.Union([Type.Literal('admin'), Type.Literal('user')])),
  anonymousRead: Type.Boolean(),
});
export type Session = Static<typeof SessionSchema>;

// Junit test reports in GitLab's shapes (engine/test-report-json.ts), snake_case like GitLab's.
const TestCaseStatusSchema = Type.Union([Type.Literal('success'), Type.Literal('failed'), Type.Literal('skipped'), Type.Literal('error')]);
const testCounts = {
  total_time: Type.Number(),
  total_count: Type.Integer(),
  success_count: Type.Integer(),
  failed_count: Type.Integer(),
  skipped_count: Type.Integer(),
  error_count: Type.Integer(),
};
export const TestCaseSchema = Type.Object({
  status: TestCaseStatusSchema,
  name: Type.String(),
  classname: Type.String(),
  file: Nullable(Type.String()),
  execution_time: Type.Number(),
  system_output: Nullable(Type.String()),
  stack_trace: Nullable(Type.String()),
  attachment_url: Type.Null(),
  recent_failures: Type.Null(),
});
export const TestSuiteSchema = Type.Object({ name: Type.String(), ...testCounts, suite_error: Nullable(Type.String()), test_cases: Type.Array(TestCaseSchema) });
export const TestReportSchema = Type.Object({ ...testCounts, test_suites: Type.Array(TestSuiteSchema) });
export const TestTotalSchema = Type.Object({
  time: Type.Number(),
  count: Type.Integer(),
  success: Type.Integer(),
  failed: Type.Integer(),
  skipped: Type.Integer(),
  error: Type.Integer(),
  suite_error: Nullable(Type.String()),
});
export const TestReportSummarySchema = Type.Object({
  total: TestTotalSchema,
  test_suites: Type.Array(Type.Object({ name: Type.String(), ...testCounts, build_ids: Type.Array(Type.Integer()), suite_error: Nullable(Type.String()) })),
});
/** A job's junit counts; `total: null` when it has no report. */
export const JobTestSummarySchema = Type.Object({ total: Nullable(TestTotalSchema) });

// A project's webhooks with their latest deliveries (server/hooks-ui-routes.ts): no hook token, no payloads.
export const HookDeliverySchema = Type.Object({
  id: Type.Integer(),
  event: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  responseStatus: Nullable(Type.Integer()),
  durationMs: Nullable(Type.Number()),
  error: Nullable(Type.String()),
  createdAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  /** Only while queued. */
  nextAttemptAt: Nullable(Timestamp),
});
export type HookDelivery = Static<typeof HookDeliverySchema>;
export const HookWithDeliveriesSchema = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  pipelineEvents: Type.Boolean(),
  jobEvents: Type.Boolean(),
  pushEvents: Type.Boolean(),
  enableSslVerification: Type.Boolean(),
  createdAt: Timestamp,
  deliveries: Type.Array(HookDeliverySchema),
});
export type HookWithDeliveries = Static<typeof HookWithDeliveriesSchema>;
export const ProjectHooksSchema = Type.Object({ project: Type.Object({ id: Type.Integer(), path: Type.String() }), hooks: Type.Array(HookWithDeliveriesSchema) });
export type ProjectHooks = Static<typeof ProjectHooksSchema>;

/** Every error: `{error: code, message: text}`. */
export const ErrorSchema = Type.Object({ error: Type.String(), message: Type.String() });
export type ErrorBody = Static<typeof ErrorSchema>;
