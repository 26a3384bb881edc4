// The JSON shapes the UI API (/api/ui) answers with, as TypeBox schemas: the routes' response
// schemas (Fastify serializes through them, so a field not listed here is not sent), the OpenAPI
// document at /api/ui/openapi.json, and the TypeScript types of both the server (views.ts) and
// the web UI (web/src/types.ts imports them with `import type`). Pure TypeBox: no server imports.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ description: 'ISO 8601' });

export const Status = Type.Union(
  (['created', 'waiting_for_resource', 'pending', 'running', 'success', 'failed', 'canceling', 'canceled', 'skipped', 'manual', 'scheduled'] as const).map((s) => Type.Literal(s)),
);
export type Status = Static<typeof Status>;

export const ProjectView = Type.Object({
  id: Type.Integer(),
  path: Type.String(),
  name: Type.String(),
  defaultBranch: Type.String(),
  createdAt: Timestamp,
});
export type ProjectView = Static<typeof ProjectView>;

export const YamlError = Type.Object({ file: Type.String(), line: Type.Integer(), column: Type.Integer(), message: Type.String() });

export const CommitView = Type.Object({
  authorName: Type.String(),
  authorEmail: Type.String(),
  timestamp: Type.String(),
  tagMessage: Type.String(),
  user: Type.Object({ id: Type.Integer(), login: Type.String(), name: Type.String(), email: Type.String() }),
});

export const PipelineView = Type.Object({
  id: Type.Integer(),
  projectId: Type.Integer(),
  iid: Type.Integer(),
  ref: Type.String(),
  isTag: Type.Boolean(),
  sha: Type.String(),
  beforeSha: Type.String(),
  source: Type.String(),
  status: Status,
  name: Nullable(Type.String()),
  stages: Type.Array(Type.String()),
  /** Keys only: values never leave the server. */
  variables: Type.Array(Type.Object({ key: Type.String() })),
  commitMessage: Type.String(),
  commit: Type.Optional(Nullable(CommitView)),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  parentPipelineId: Nullable(Type.Integer()),
  /** "config_error" when .gitlab-ci.yml was invalid (then yamlErrors lists why, and there are no jobs). */
  failureReason: Nullable(Type.String()),
  yamlErrors: Nullable(Type.Array(YamlError)),
  protected: Type.Boolean(),
  /** Seconds between start and finish (or now while running). */
  duration: Nullable(Type.Number()),
  projectPath: Type.Optional(Type.String()),
});
export type PipelineView = Static<typeof PipelineView>;

/** A project in the project list: with its newest pipeline. */
export const ProjectSummary = Type.Composite([ProjectView, Type.Object({ lastPipeline: Type.Optional(Nullable(PipelineView)) })]);
export type ProjectSummary = Static<typeof ProjectSummary>;

export const JobView = Type.Object({
  id: Type.Integer(),
  pipelineId: Type.Integer(),
  projectId: Type.Integer(),
  name: Type.String(),
  stage: Type.String(),
  stageIndex: Type.Integer(),
  status: Status,
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
export type JobView = Static<typeof JobView>;

export const EdgeView = Type.Object({
  jobId: Type.Integer(),
  needsJobId: Type.Integer(),
  /** True for `needs:` edges, false for implicit stage-order edges. */
  explicit: Type.Boolean(),
  artifacts: Type.Boolean(),
  optional: Type.Boolean(),
});
export type EdgeView = Static<typeof EdgeView>;

export const PipelineDetailView = Type.Object({ pipeline: PipelineView, project: ProjectView, jobs: Type.Array(JobView), edges: Type.Array(EdgeView) });
export type PipelineDetailView = Static<typeof PipelineDetailView>;

export const ArtifactView = Type.Object({
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
export type ArtifactView = Static<typeof ArtifactView>;

export const RunnerManagerView = Type.Object({
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
export type RunnerManagerView = Static<typeof RunnerManagerView>;

export const RunnerStatus = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('never_contacted')]);
export type RunnerStatus = Static<typeof RunnerStatus>;
export const RunnerAccessLevel = Type.Union([Type.Literal('not_protected'), Type.Literal('ref_protected')]);

export const RunnerView = Type.Object({
  id: Type.Integer(),
  tokenKind: Type.Union([Type.Literal('glrt'), Type.Literal('legacy')]),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  runUntagged: Type.Boolean(),
  locked: Type.Boolean(),
  paused: Type.Boolean(),
  accessLevel: RunnerAccessLevel,
  maximumTimeout: Nullable(Type.Integer()),
  projectId: Nullable(Type.Integer()),
  createdAt: Timestamp,
  /** The latest contact of the runner or any of its managers. */
  contactedAt: Nullable(Timestamp),
  tokenExpiresAt: Nullable(Timestamp),
  /** online = contact within 2 hours. */
  status: RunnerStatus,
  /** The gitlab-runner processes behind this runner, newest contact first. */
  managers: Type.Array(RunnerManagerView),
});
export type RunnerView = Static<typeof RunnerView>;
/** A runner embedded in another answer (the job page): without its managers. */
export const RunnerSummaryView = Type.Omit(RunnerView, ['managers']);
export type RunnerSummaryView = Static<typeof RunnerSummaryView>;

export const RunnerCreatedView = Type.Object({ runner: RunnerView, token: Type.String({ description: 'shown once' }), tokenExpiresAt: Nullable(Timestamp) });

/** What the job page shows of the compiled job: no variable values. */
export const JobSpecView = Type.Object({
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
export type JobSpecView = Static<typeof JobSpecView>;

export const JobAttemptView = Type.Object({ id: Type.Integer(), attempt: Type.Integer(), status: Status, retried: Type.Boolean(), createdAt: Timestamp, failureReason: Nullable(Type.String()) });

export const JobDetailView = Type.Object({
  job: JobView,
  spec: JobSpecView,
  pipeline: Nullable(PipelineView),
  project: Nullable(ProjectView),
  runner: Nullable(RunnerSummaryView),
  runnerManager: Nullable(RunnerManagerView),
  attempts: Type.Array(JobAttemptView),
  artifacts: Type.Array(ArtifactView),
});
export type JobDetailView = Static<typeof JobDetailView>;

/** `{job}`: the answer of the job actions. */
export const JobResult = Type.Object({ job: JobView });

export const ZipEntryView = Type.Object({ path: Type.String(), directory: Type.Boolean(), size: Type.Integer(), compressedSize: Type.Integer(), modifiedAt: Timestamp });
export type ZipEntryView = Static<typeof ZipEntryView>;
export const ZipListingView = Type.Object({ artifact: ArtifactView, entries: Type.Array(ZipEntryView), total: Type.Integer(), truncated: Type.Boolean() });

export const VariableView = Type.Object({
  id: Type.Integer(),
  projectId: Nullable(Type.Integer()),
  key: Type.String(),
  /** Null for masked variables: their value never leaves the server. */
  value: Nullable(Type.String()),
  masked: Type.Boolean(),
  protected: Type.Boolean(),
  file: Type.Boolean(),
  raw: Type.Boolean(),
});
export type VariableView = Static<typeof VariableView>;

export const ProtectedRefView = Type.Object({ id: Type.Integer(), projectId: Type.Integer(), kind: Type.Union([Type.Literal('branch'), Type.Literal('tag')]), name: Type.String(), createdAt: Timestamp });
export type ProtectedRefView = Static<typeof ProtectedRefView>;

export const SessionView = Type.Object({
  authenticated: Type.Boolean(),
  name: Nullable(Type.String()),
  scope: Nullable(Type.Union([Type.Literal('admin'), Type.Literal('user')])),
  anonymousRead: Type.Boolean(),
});
export type SessionView = Static<typeof SessionView>;

/** Every error: `{error: code, message: text}`. */
export const ErrorView = Type.Object({ error: Type.String(), message: Type.String() });
export type ErrorView = Static<typeof ErrorView>;
