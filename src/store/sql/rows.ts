// Row <-> domain mapping shared by the SQL ports.
import type { Selectable } from 'kysely';
import type { Artifact, CiVariable, Job, JobStatus, Pipeline, PipelineStatus, Project, ProtectedRef, Runner, RunnerManager } from '../../engine/model.js';
import type { JobLite } from '../ports.js';
import { openList, type SecretBox } from './secret-box.js';
import type {
  ArtifactsTable,
  CiVariablesTable,
  JobsTable,
  PipelinesTable,
  ProjectsTable,
  ProtectedRefsTable,
  RunnerManagersTable,
  RunnersTable,
} from './schema.js';

export const b = (v: boolean): number => (v ? 1 : 0);
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

export function toProject(r: Selectable<ProjectsTable>): Project {
  return { id: num(r.id), path: r.path, name: r.name, defaultBranch: r.default_branch, createdAt: r.created_at };
}

export function toPipeline(r: Selectable<PipelinesTable>, box: SecretBox): Pipeline {
  return {
    id: num(r.id),
    projectId: num(r.project_id),
    iid: num(r.iid),
    ref: r.ref,
    isTag: !!r.is_tag,
    sha: r.sha,
    beforeSha: r.before_sha,
    source: r.source,
    status: r.status as PipelineStatus,
    name: r.name,
    stages: JSON.parse(r.stages),
    variables: openList(box, r.variables, 'pipelines.variables'),
    commitMessage: r.commit_message,
    commit: r.commit_info ? JSON.parse(r.commit_info) : null,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    parentPipelineId: r.parent_pipeline_id === null ? null : num(r.parent_pipeline_id),
    failureReason: r.failure_reason ?? null,
    yamlErrors: r.yaml_errors ? JSON.parse(r.yaml_errors) : null,
    protected: num(r.protected) === 1,
  };
}

export function toProtectedRef(r: Selectable<ProtectedRefsTable>): ProtectedRef {
  return { id: num(r.id), projectId: num(r.project_id), kind: r.kind === 'tag' ? 'tag' : 'branch', name: r.name, createdAt: r.created_at };
}

export function toJob(r: Selectable<JobsTable>, box: SecretBox): Job {
  return {
    id: num(r.id),
    pipelineId: num(r.pipeline_id),
    projectId: num(r.project_id),
    name: r.name,
    stage: r.stage,
    stageIndex: r.stage_index,
    status: r.status as JobStatus,
    spec: JSON.parse(r.spec),
    attempt: r.attempt,
    retried: !!r.retried,
    runnerId: r.runner_id === null ? null : num(r.runner_id),
    systemId: r.system_id,
    failureReason: r.failure_reason,
    exitCode: r.exit_code,
    playVariables: openList(box, r.play_variables, 'jobs.play_variables'),
    createdAt: r.created_at,
    queuedAt: r.queued_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    scheduledAt: r.scheduled_at,
    lastActivityAt: r.last_activity_at,
    traceSize: num(r.trace_size),
    deadlineAt: r.deadline_at,
    timeout: r.timeout,
  };
}

export type LiteRow = Pick<Selectable<JobsTable>, 'id' | 'pipeline_id' | 'name' | 'stage_index' | 'status' | 'when_' | 'allow_failure' | 'stage_ordered' | 'retried' | 'resource_group'>;
export const LITE_COLUMNS = ['id', 'pipeline_id', 'name', 'stage_index', 'status', 'when_', 'allow_failure', 'stage_ordered', 'retried', 'resource_group'] as const;

export function toJobLite(r: LiteRow): JobLite {
  return {
    id: num(r.id),
    pipelineId: num(r.pipeline_id),
    name: r.name,
    stageIndex: r.stage_index,
    status: r.status as JobStatus,
    when: r.when_,
    allowFailure: !!r.allow_failure,
    stageOrdered: !!r.stage_ordered,
    retried: !!r.retried,
    resourceGroup: r.resource_group,
  };
}

export function toRunner(r: Selectable<RunnersTable>): Runner {
  return {
    id: num(r.id),
    tokenKind: r.token_kind as Runner['tokenKind'],
    description: r.description,
    tags: JSON.parse(r.tags),
    runUntagged: !!r.run_untagged,
    locked: !!r.locked,
    paused: !!r.paused,
    accessLevel: r.access_level as Runner['accessLevel'],
    maximumTimeout: r.maximum_timeout,
    projectId: r.project_id === null ? null : num(r.project_id),
    createdAt: r.created_at,
    contactedAt: r.contacted_at,
    tokenExpiresAt: r.token_expires_at,
  };
}

export function toManager(r: Selectable<RunnerManagersTable>): RunnerManager {
  return {
    runnerId: num(r.runner_id),
    systemId: r.system_id,
    name: r.name,
    version: r.version,
    revision: r.revision,
    platform: r.platform,
    architecture: r.architecture,
    executor: r.executor,
    shell: r.shell,
    features: JSON.parse(r.features),
    contactedAt: r.contacted_at,
  };
}

export function toVariable(r: Selectable<CiVariablesTable>, box: SecretBox): CiVariable {
  return {
    id: num(r.id),
    projectId: r.project_id === null ? null : num(r.project_id),
    key: r.key,
    value: box.open(r.value, 'ci_variables.value'),
    masked: !!r.masked,
    protected: !!r.protected,
    file: !!r.file,
    raw: !!r.raw,
    environmentScope: r.environment_scope,
    description: r.description,
  };
}

export function toArtifact(r: Selectable<ArtifactsTable>): Artifact {
  return {
    id: num(r.id),
    jobId: num(r.job_id),
    pipelineId: num(r.pipeline_id),
    fileType: r.file_type,
    fileFormat: r.file_format as Artifact['fileFormat'],
    filename: r.filename,
    size: num(r.size),
    storageKey: r.storage_key,
    sha256: r.sha256,
    expireAt: r.expire_at,
    createdAt: r.created_at,
  };
}
