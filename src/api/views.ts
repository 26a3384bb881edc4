// JSON shapes of the UI/CLI API. Plain domain objects plus derived fields (durations, online
// state), minus what must never leave the server: masked variable values, token hashes, the
// values of pipeline and play variables (keys only). The types are those of the response schemas
// (schemas/views.ts), which the web UI imports too.
import { allowsFailure, type Artifact, type CiVariable, type Job, type Pipeline, type Project, type Runner, type RunnerManager } from '../engine/model.js';
import { lastContact, runnerStatus, type RunnerStatus } from '../engine/runner-status.js';
import type {
  Artifact as ArtifactView,
  Job as JobView,
  JobSpec as JobSpecView,
  Pipeline as PipelineView,
  Runner as RunnerView,
  Variable as VariableView,
} from './schemas/views.js';

export type { ArtifactView, JobSpecView, JobView, PipelineView, RunnerView, VariableView };

export { ONLINE_WINDOW_MS, type RunnerStatus } from '../engine/runner-status.js';

const seconds = (from: string | null, to: string | null, now: number): number | null => {
  if (!from) return null;
  const end = to ? Date.parse(to) : now;
  return Math.max(0, Math.round((end - Date.parse(from)) / 100) / 10);
};

export function pipelineView(p: Pipeline, project?: Project, now = Date.now()): PipelineView {
  const { variables, ...rest } = p;
  return {
    ...rest,
    variables: variables.map((v) => ({ key: v.key })),
    duration: seconds(p.startedAt, p.finishedAt, now),
    failureReason: p.failureReason ?? null,
    yamlErrors: p.yamlErrors ?? null,
    ...(project ? { projectPath: project.path } : {}),
  };
}

export function jobView(j: Job, now = Date.now()): JobView {
  return {
    id: j.id,
    pipelineId: j.pipelineId,
    projectId: j.projectId,
    name: j.name,
    stage: j.stage,
    stageIndex: j.stageIndex,
    status: j.status,
    when: j.spec.when,
    allowFailure: allowsFailure(j),
    manual: j.spec.when === 'manual',
    needs: j.spec.needs ? j.spec.needs.map((n) => n.job) : null,
    attempt: j.attempt,
    retried: j.retried,
    runnerId: j.runnerId,
    failureReason: j.failureReason,
    exitCode: j.exitCode,
    createdAt: j.createdAt,
    queuedAt: j.queuedAt,
    startedAt: j.startedAt,
    finishedAt: j.finishedAt,
    scheduledAt: j.scheduledAt,
    duration: seconds(j.startedAt, j.finishedAt, now),
    queuedDuration: j.queuedAt ? seconds(j.queuedAt, j.startedAt, now) : null,
    traceSize: j.traceSize,
    timeout: j.timeout,
  };
}

/** What the job page shows of the compiled job: no variable values. */
export function jobSpecView(j: Job): JobSpecView {
  const s = j.spec;
  return {
    tags: s.tags,
    image: s.image?.name ?? null,
    services: s.services.map((x) => x.name),
    environment: s.environment,
    timeout: s.timeout,
    interruptible: s.interruptible,
    retryMax: s.retry.max,
    script: s.script,
    beforeScript: s.beforeScript,
    afterScript: s.afterScript,
    artifacts: s.artifacts ? { paths: s.artifacts.paths, when: s.artifacts.when, expireIn: s.artifacts.expireIn, reports: Object.keys(s.artifacts.reports) } : null,
    variableKeys: s.variables.map((v) => v.key),
    playVariableKeys: j.playVariables.map((v) => v.key),
    location: s.location,
  };
}

export function runnerView(runner: Runner, managers: RunnerManager[], now = Date.now()): RunnerView {
  const last = lastContact(runner, managers);
  const status: RunnerStatus = runnerStatus(last, now);
  return {
    ...runner,
    contactedAt: last === null ? null : new Date(last).toISOString(),
    status,
    managers: [...managers].sort((a, b) => b.contactedAt.localeCompare(a.contactedAt)),
  };
}

export function variableView(v: CiVariable): VariableView {
  return { ...v, value: v.masked ? null : v.value };
}

export function artifactView(a: Artifact): ArtifactView {
  return {
    id: a.id,
    jobId: a.jobId,
    pipelineId: a.pipelineId,
    fileType: a.fileType,
    fileFormat: a.fileFormat,
    filename: a.filename,
    size: a.size,
    sha256: a.sha256,
    expireAt: a.expireAt,
    createdAt: a.createdAt,
  };
}
