// Moving jobs forward inside a transaction: dependency resolution (advance), enqueueing with
// resource groups, and the pipeline's derived status. Effects (events, wake-ups) go to `fx`.
//
// advance(): candidates are `created` jobs that may now settle — the explicit dependants of the
// changed jobs plus stage-ordered jobs of later stages. A job that settles (e.g. skipped) makes its
// own dependants candidates, until nothing changes. Only jobs that change are written.
import type { JobLite, JobPatch, PendingEntry, StorePorts } from '../store/ports.js';
import { FEATURE_BITS } from '../store/ports.js';
import type { EngineContext, Effects } from './context.js';
import { combine, decide, depState, FINISHED_PIPELINE, pipelineStatus, type Decision, type DepState } from './graph.js';
import type { Job, JobStatus, Pipeline, Project } from './model.js';
import type { ReadCache } from './read-cache.js';

export function requiredFeatures(job: Job): number {
  const s = job.spec;
  let f = 0;
  if (s.artifacts && Object.keys(s.artifacts.reports ?? {}).length > 0) f |= FEATURE_BITS.upload_multiple_artifacts;
  if (s.allowFailureExitCodes && s.allowFailureExitCodes.length > 0) f |= FEATURE_BITS.return_exit_code;
  if (s.cache?.some((c) => c.fallbackKeys.length > 0)) f |= FEATURE_BITS.fallback_cache_keys;
  if (s.artifacts && s.artifacts.exclude.length > 0) f |= FEATURE_BITS.artifacts_exclude;
  if (s.release) f |= FEATURE_BITS.multi_build_steps;
  return f;
}

export interface PipelineScope {
  pipeline: Pipeline;
  project: Project;
}

const QUEUEABLE: JobStatus[] = ['created', 'scheduled', 'manual', 'waiting_for_resource', 'skipped', 'canceled', 'failed', 'success'];

/**
 * A trigger (bridge) job never goes to a runner: it starts `running` at once, without runner or
 * deadline; server/bridge-jobs.ts creates the child pipeline and finishes it through updateJob.
 */
async function startBridge(ctx: EngineContext, tx: StorePorts, fx: Effects, job: Job, from: JobStatus[]): Promise<Job | null> {
  const now = ctx.now();
  const updated = await tx.jobs.transition(job.id, from, { status: 'running', queuedAt: job.queuedAt ?? now, startedAt: now, scheduledAt: null });
  if (updated) fx.job(updated);
  return updated;
}

/** Puts a job in the queue now: `pending` plus a pending-table row and a wake-up after commit. */
export async function makePending(
  ctx: EngineContext,
  tx: StorePorts,
  fx: Effects,
  scope: PipelineScope,
  job: Job,
  from: JobStatus[] = QUEUEABLE,
  patch: JobPatch = {},
): Promise<Job | null> {
  if (job.spec.trigger) return startBridge(ctx, tx, fx, job, from);
  const updated = await tx.jobs.transition(job.id, from, { status: 'pending', queuedAt: ctx.now(), scheduledAt: job.status === 'scheduled' ? null : undefined, ...patch });
  if (!updated) return null;
  const entry = entryOf(scope, job);
  await tx.queue.enqueue(entry);
  fx.pending.push(entry);
  fx.job(updated);
  return updated;
}

/** Queue a job, through its resource group when it has one. */
export async function enqueue(ctx: EngineContext, tx: StorePorts, fx: Effects, scope: PipelineScope, job: Job): Promise<Job | null> {
  const group = job.spec.resourceGroup;
  if (!group) return makePending(ctx, tx, fx, scope, job);
  const waiting = await tx.jobs.transition(job.id, QUEUEABLE, { status: 'waiting_for_resource' });
  if (!waiting) return null;
  if (await tx.resourceGroups.acquire(job.projectId, group, job.id)) return makePending(ctx, tx, fx, scope, waiting, ['waiting_for_resource']);
  fx.job(waiting);
  return waiting;
}

function entryOf(scope: PipelineScope, job: Job): PendingEntry {
  return {
    jobId: job.id,
    projectId: job.projectId,
    // decided when the pipeline was created (protected-refs.ts): ref_protected runners take only these
    protected: scope.pipeline.protected,
    tags: [...new Set(job.spec.tags)],
    features: requiredFeatures(job),
  };
}

/** Applies the decisions of one round in bulk; returns the new status of each job that changed. */
async function settleAll(ctx: EngineContext, tx: StorePorts, fx: Effects, scope: PipelineScope, decided: { lite: JobLite; decision: Decision }[]): Promise<Map<number, JobStatus>> {
  const out = new Map<number, JobStatus>();
  const ids = (d: Decision, filter: (l: JobLite) => boolean = () => true) => decided.filter((x) => x.decision === d && filter(x.lite)).map((x) => x.lite.id);
  const apply = (rows: Job[]) => {
    for (const j of rows) {
      fx.job(j);
      out.set(j.id, j.status);
    }
  };
  apply(await tx.jobs.transitionMany(ids('skip'), ['created'], { status: 'skipped' }));
  apply(await tx.jobs.transitionMany(ids('manual'), ['created'], { status: 'manual' }));
  for (const id of ids('scheduled')) {
    const job = await tx.jobs.byId(id);
    if (!job) continue;
    const at = new Date(ctx.clock.now().getTime() + (job.spec.startIn ?? 0) * 1000).toISOString();
    const j = await tx.jobs.transition(id, ['created'], { status: 'scheduled', scheduledAt: at });
    if (j) apply([j]);
  }
  const plain = ids('activate', (l) => l.resourceGroup === null);
  const pending = await tx.jobs.transitionMany(plain, ['created'], { status: 'pending', queuedAt: ctx.now() });
  const runnable = pending.filter((j) => !j.spec.trigger);
  const entries = runnable.map((j) => entryOf(scope, j));
  await tx.queue.enqueueMany(entries);
  fx.pending.push(...entries);
  apply(runnable);
  for (const bridge of pending.filter((j) => j.spec.trigger)) {
    const started = await startBridge(ctx, tx, fx, bridge, ['pending']);
    if (started) apply([started]);
  }
  for (const id of ids('activate', (l) => l.resourceGroup !== null)) {
    const job = await tx.jobs.byId(id);
    if (!job || job.status !== 'created') continue;
    const j = await enqueue(ctx, tx, fx, scope, job);
    if (j) out.set(j.id, j.status);
  }
  return out;
}

/** Per-stage counts of the pipeline's current jobs by (status, allow_failure), kept up to date in memory. */
class StageSummary {
  private readonly byStage = new Map<number, Map<string, number>>();
  constructor(rows: { stageIndex: number; status: JobStatus; allowFailure: boolean; count: number }[]) {
    for (const r of rows) this.add(r.stageIndex, r.status, r.allowFailure, r.count);
  }
  private add(stage: number, status: string, allowFailure: boolean, n: number) {
    let m = this.byStage.get(stage);
    if (!m) this.byStage.set(stage, (m = new Map()));
    const k = `${status}|${allowFailure ? 1 : 0}`;
    m.set(k, (m.get(k) ?? 0) + n);
  }
  move(stage: number, from: JobStatus, to: JobStatus, allowFailure: boolean): void {
    this.add(stage, from, allowFailure, -1);
    this.add(stage, to, allowFailure, 1);
  }
  jobs(stage?: number): { status: JobStatus; allowFailure: boolean }[] {
    const out: { status: JobStatus; allowFailure: boolean }[] = [];
    for (const [s, m] of this.byStage) {
      if (stage !== undefined && s !== stage) continue;
      for (const [k, n] of m) {
        if (n <= 0) continue;
        const [status, af] = k.split('|');
        out.push({ status: status as JobStatus, allowFailure: af === '1' });
      }
    }
    return out;
  }
  /** For each stage: the combined state of all earlier stages (what a stage-ordered job waits on). */
  prior(): Map<number, DepState> {
    const stages = [...this.byStage.keys()].sort((a, b) => a - b);
    const out = new Map<number, DepState>();
    let acc: DepState = 'ok';
    for (const s of stages) {
      out.set(s, acc);
      acc = combine([acc, ...this.jobs(s).map((j) => depState(j, false))]);
    }
    return out;
  }
}

/**
 * Settles every `created` job that can settle after `changed` jobs changed status ('all' = the
 * whole pipeline, used at creation and after retries), then refreshes the pipeline status.
 * Reads are bounded by what can change: per-stage counts, the changed jobs' explicit dependants,
 * and stage-ordered jobs of stages whose earlier stages are all settled.
 */
export async function advance(ctx: EngineContext, tx: StorePorts, fx: Effects, scope: PipelineScope, changed: number[] | JobLite[] | 'all'): Promise<void> {
  const pid = scope.pipeline.id;
  const summary = new StageSummary(await tx.jobs.summary(pid));
  const known = new Map<number, JobLite>();
  const remember = (ls: JobLite[]) => {
    for (const l of ls) if (!l.retried) known.set(l.id, l);
    return ls.filter((l) => !l.retried);
  };
  let candidates: JobLite[];
  if (changed === 'all') candidates = remember(await tx.jobs.liteWhere(pid, { status: 'created' }));
  else {
    // lites the caller has already (a finish knows what it wrote) spare their read
    const given = changed.filter((c): c is JobLite => typeof c !== 'number');
    const ids = changed.filter((c): c is number => typeof c === 'number');
    const lites = ids.length ? [...given, ...(await tx.jobs.liteByIds(ids))].sort((a, b) => a.id - b.id) : given.map((l) => ({ ...l }));
    candidates = await followers(tx, pid, summary, remember(lites), remember);
  }

  for (let round = 0; candidates.length > 0 && round < 10_000; round++) {
    const prior = summary.prior();
    const explicit = candidates.filter((c) => !c.stageOrdered);
    const needs = explicit.length ? await tx.jobs.needsLites(explicit.map((c) => c.id)) : [];
    for (const n of needs) if (!known.has(n.need.id)) remember([n.need]);
    const needsBy = new Map<number, number[]>();
    for (const e of needs) needsBy.set(e.jobId, [...(needsBy.get(e.jobId) ?? []), e.need.id]);

    const decided: { lite: JobLite; decision: Decision }[] = [];
    for (const lite of candidates) {
      if (lite.status !== 'created') continue;
      let deps: DepState;
      if (lite.stageOrdered) deps = prior.get(lite.stageIndex) ?? 'ok';
      else deps = combine((needsBy.get(lite.id) ?? []).map((n) => (known.get(n) ? depState(known.get(n)!, true) : 'ok')));
      const decision = decide(lite.when, deps);
      if (decision !== 'wait') decided.push({ lite, decision });
    }
    const changedNow = await settleAll(ctx, tx, fx, scope, decided);
    for (const [id, status] of changedNow) {
      const lite = known.get(id)!;
      summary.move(lite.stageIndex, lite.status, status, lite.allowFailure);
      lite.status = status;
    }
    candidates = changedNow.size ? await followers(tx, pid, summary, [...changedNow.keys()].map((id) => known.get(id)!), remember) : [];
  }
  await refreshPipeline(ctx, tx, fx, scope, summary.jobs());
}

async function followers(
  tx: StorePorts,
  pipelineId: number,
  summary: StageSummary,
  changed: JobLite[],
  remember: (ls: JobLite[]) => JobLite[],
): Promise<JobLite[]> {
  if (!changed.length) return [];
  const minStage = Math.min(...changed.map((j) => j.stageIndex));
  const out = new Map<number, JobLite>();
  for (const l of remember(await tx.jobs.createdDependants(changed.map((j) => j.id)))) out.set(l.id, l);
  const prior = summary.prior();
  const open = [...prior.entries()].filter(([s, st]) => s > minStage && st !== 'wait').map(([s]) => s);
  if (open.length) for (const l of remember(await tx.jobs.liteWhere(pipelineId, { stages: open, status: 'created', stageOrdered: true }))) out.set(l.id, l);
  return [...out.values()].sort((a, b) => a.id - b.id);
}

/** A job's lite as its row holds it, `allowFailure` being what its last transition stored. */
export function liteOf(job: Job, allowFailure: boolean): JobLite {
  return {
    id: job.id,
    pipelineId: job.pipelineId,
    name: job.name,
    stageIndex: job.stageIndex,
    status: job.status,
    when: job.spec.when,
    allowFailure,
    stageOrdered: job.spec.needs === null,
    retried: job.retried,
    resourceGroup: job.spec.resourceGroup,
  };
}

/** Recomputes and stores the pipeline status (and started/finished times). */
export async function refreshPipeline(ctx: EngineContext, tx: StorePorts, fx: Effects, scope: PipelineScope, jobs?: { status: JobStatus; allowFailure: boolean }[]): Promise<Pipeline> {
  const current = jobs ?? (await tx.jobs.summary(scope.pipeline.id));
  const p = scope.pipeline;
  const status = pipelineStatus(current);
  const finished = FINISHED_PIPELINE.includes(status);
  const startedAt = p.startedAt ?? (status === 'running' || (finished && status !== 'skipped') ? ctx.now() : null);
  const finishedAt = finished ? (p.finishedAt && FINISHED_PIPELINE.includes(p.status) ? p.finishedAt : ctx.now()) : null;
  if (status !== p.status || startedAt !== p.startedAt || finishedAt !== p.finishedAt) {
    await tx.pipelines.update(p.id, { status, startedAt, finishedAt });
    scope.pipeline = { ...p, status, startedAt, finishedAt };
    fx.pipelines.set(p.id, scope.pipeline);
  }
  return scope.pipeline;
}

/** Locks the pipeline of job `jobId` and re-reads the job under that lock; null if either is gone. */
export async function lockJob(tx: StorePorts, jobId: number, cache?: ReadCache): Promise<{ scope: PipelineScope; job: Job } | null> {
  const seen = await tx.jobs.byId(jobId);
  if (!seen) return null;
  const scope = await lockScope(tx, seen.pipelineId, cache);
  const job = scope ? await tx.jobs.byId(jobId) : null;
  return scope && job ? { scope, job } : null;
}

/** Locks the pipeline (PostgreSQL) and loads its project. */
export async function lockScope(tx: StorePorts, pipelineId: number, cache?: ReadCache): Promise<PipelineScope | null> {
  const pipeline = await tx.pipelines.lock(pipelineId);
  if (!pipeline) return null;
  const project = cache ? await cache.project(pipeline.projectId, tx) : await tx.projects.byId(pipeline.projectId);
  if (!project) return null;
  return { pipeline, project };
}
