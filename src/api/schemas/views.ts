// The UI API's JSON shapes (/api/ui) as TypeBox schemas: one source for the server's view
// functions (api/views.ts returns these types) and for the web UI, which imports the types from
// here (web/src/types.ts) instead of keeping a copy. Imports nothing but TypeBox, so the browser
// bundle never pulls server code (type-only imports are erased).
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const StatusSchema = Type.Union([
  Type.Literal('created'),
  Type.Literal('waiting_for_resource'),
  Type.Literal('pending'),
  Type.Literal('running'),
  Type.Literal('success'),
  Type.Literal('failed'),
  Type.Literal('canceling'),
  Type.Literal('canceled'),
  Type.Literal('skipped'),
  Type.Literal('manual'),
  Type.Literal('scheduled'),
]);
export type Status = Static<typeof StatusSchema>;

export const ConfigErrorSchema = Type.Object({ file: Type.String(), line: Type.Integer(), column: Type.Integer(), message: Type.String() });

export const PipelineSchema = Type.Object({
  id: Type.Integer(),
  projectId: Type.Integer(),
  iid: Type.Integer(),
  ref: Type.String(),
  isTag: Type.Boolean(),
  sha: Type.String(),
  source: Type.String(),
  status: StatusSchema,
  name: Nullable(Type.String()),
  stages: Type.Array(Type.String()),
  commitMessage: Type.String(),
  createdAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  /** Seconds between start and finish (or now while running). */
  duration: Nullable(Type.Number()),
  projectPath: Type.Optional(Type.String()),
  /** Keys only: values never leave the server. */
  variables: Type.Array(Type.Object({ key: Type.String() })),
  /** "config_error" when .gitlab-ci.yml was invalid (then yamlErrors lists why, and there are no jobs). */
  failureReason: Type.Optional(Nullable(Type.String())),
  yamlErrors: Type.Optional(Nullable(Type.Array(ConfigErrorSchema))),
  protected: Type.Optional(Type.Boolean()),
  parentPipelineId: Type.Optional(Nullable(Type.Integer())),
});
export type Pipeline = Static<typeof PipelineSchema>;

export const ProjectSchema = Type.Object({
  id: Type.Integer(),
  path: Type.String(),
  name: Type.String(),
  defaultBranch: Type.String(),
  createdAt: Type.String(),
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
  createdAt: Type.String(),
  queuedAt: Nullable(Type.String()),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  scheduledAt: Nullable(Type.String()),
  duration: Nullable(Type.Number()),
  queuedDuration: Nullable(Type.Number()),
  traceSize: Type.Integer(),
  timeout: Type.Integer(),
});
export type Job = Static<typeof JobSchema>;

export const EdgeSchema = Type.Object({ jobId: Type.Integer(), needsJobId: Type.Integer(), explicit: Type.Boolean() });
export type Edge = Static<typeof EdgeSchema>;

export const PipelineDetailSchema = Type.Object({ pipeline: PipelineSchema, project: ProjectSchema, jobs: Type.Array(JobSchema), edges: Type.Array(EdgeSchema) });
export type PipelineDetail = Static<typeof PipelineDetailSchema>;

export const ArtifactSchema = Type.Object({
  id: Type.Integer(),
  jobId: Type.Integer(),
  pipelineId: Type.Optional(Type.Integer()),
  fileType: Type.String(),
  fileFormat: Type.String(),
  filename: Type.String(),
  size: Type.Integer(),
  sha256: Type.Optional(Type.String()),
  expireAt: Nullable(Type.String()),
  createdAt: Type.String(),
});
export type Artifact = Static<typeof ArtifactSchema>;

export const RunnerManagerSchema = Type.Object({
  systemId: Type.String(),
  name: Type.String(),
  version: Type.String(),
  revision: Type.String(),
  platform: Type.String(),
  architecture: Type.String(),
  executor: Type.String(),
  shell: Type.String(),
  contactedAt: Type.String(),
});
export type RunnerManager = Static<typeof RunnerManagerSchema>;

export const RunnerStatusSchema = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('never_contacted')]);

export const RunnerSchema = Type.Object({
  id: Type.Integer(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  runUntagged: Type.Boolean(),
  locked: Type.Boolean(),
  paused: Type.Boolean(),
  accessLevel: Type.String(),
  projectId: Nullable(Type.Integer()),
  contactedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  status: RunnerStatusSchema,
  managers: Type.Optional(Type.Array(RunnerManagerSchema)),
});
export type Runner = Static<typeof RunnerSchema>;

export const JobDetailSchema = Type.Object({
  job: JobSchema,
  spec: Type.Object({
    tags: Type.Array(Type.String()),
    image: Nullable(Type.String()),
    services: Type.Array(Type.String()),
    environment: Nullable(Type.Object({ name: Type.String(), url: Nullable(Type.String()) })),
    timeout: Nullable(Type.Integer()),
    script: Type.Array(Type.String()),
    variableKeys: Type.Array(Type.String()),
    playVariableKeys: Type.Array(Type.String()),
  }),
  pipeline: Nullable(PipelineSchema),
  project: Nullable(ProjectSchema),
  runner: Nullable(RunnerSchema),
  runnerManager: Nullable(RunnerManagerSchema),
  attempts: Type.Array(Type.Object({ id: Type.Integer(), attempt: Type.Integer(), status: StatusSchema, retried: Type.Boolean(), createdAt: Type.String(), failureReason: Nullable(Type.String()) })),
  artifacts: Type.Array(ArtifactSchema),
});
export type JobDetail = Static<typeof JobDetailSchema>;

export const ZipEntrySchema = Type.Object({ path: Type.String(), directory: Type.Boolean(), size: Type.Integer(), compressedSize: Type.Integer(), modifiedAt: Type.String() });
export type ZipEntry = Static<typeof ZipEntrySchema>;

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
  environmentScope: Type.Optional(Type.String()),
  description: Type.Optional(Nullable(Type.String())),
});
export type Variable = Static<typeof VariableSchema>;

export const SessionSchema = Type.Object({
  authenticated: Type.Boolean(),
  name: Nullable(Type.String()),
  scope: Nullable(Type.Union([Type.Literal('admin'), Type.Literal('user')])),
  anonymousRead: Type.Boolean(),
});
export type Session = Static<typeof SessionSchema>;
