// Trigger ("bridge") jobs: `trigger: include:` creates a child pipeline from local files of the
// same commit, as GitLab does; `trigger: project:` (multi-project pipelines) creates a pipeline
// of another project hosted here, on `branch` (else its default branch), source `pipeline`. The engine never queues a trigger job for runners: it moves it
// straight to `running`; this worker then creates the child pipeline and finishes the bridge.
//
// Per bridge job:  running ──create child──► (no `strategy: depend`) success
//                                        └─► (depend) waits ──child finished──► success | failed
//                  running ──child cannot be created (invalid config: downstream_pipeline_creation_failed;
//                            `trigger: project` not hosted here or not allowed: downstream_bridge_project_not_found)──► failed
//                  running ──too deep / tree too large (engine/downstream-limits.ts)──► failed
//                            (failure_reason reached_max_descendant_pipelines_depth |
//                             reached_max_pipeline_hierarchy_size, the reason's text in the log)
// On start, bridges left running by a previous process are picked up again (idempotent: an
// existing child pipeline of that bridge is reused, never created twice; the limits still hold).
// A bridge under a canceled ancestor (a cancel cascade cut short by a crash) resumes the cascade.
// A step that fails (the database restarting) is tried again later with backoff, so no bridge is
// left running for good.
import { bridgeChildName } from '../engine/bridge-name.js';
import type { Coordinator } from '../engine/coordinator.js';
import { DownstreamRefused } from '../engine/downstream-limits.js';
import type { FailureReason, Job, Pipeline, PipelineVariable, Project } from '../engine/model.js';
import type { CompileOptions, PipelinePlan, ProjectFiles } from '../ci/plan.js';
import { compile } from '../ci/index.js';
import { resolveFileCacheKeys } from './cache-key-files.js';

export interface BridgeWorkerOptions {
  coordinator: Coordinator;
  filesAt(project: Project, sha: string): ProjectFiles;
  /** Last commit at `sha` that changed a path, for `cache:key:files`. */
  lastCommitFor?(project: Project, sha: string, path: string): Promise<string | null>;
  createPipelineRef(project: Project, pipelineId: number, sha: string): Promise<void>;
  log(message: string, error?: unknown): void;
  /** The compiler to use (the server's worker pool, compile-pool.ts); default: inline. */
  compile?: (options: CompileOptions) => Promise<PipelinePlan>;
  /** `include: project:` for child and downstream pipelines (server/hosted-projects.ts). */
  externalInclude?: CompileOptions['externalInclude'];
  /** Multi-project pipelines: the downstream project (null: not hosted here or not allowed) and its ref. */
  downstream?: {
    project(upstream: Project, path: string): Promise<Project | null>;
    resolveRef(project: Project, ref: string): Promise<{ ref: string; isTag: boolean; sha: string } | null>;
  };
}

const FINAL = new Set(['success', 'failed', 'canceled', 'skipped']);
const CHILD_CONFIG = '.gitlab-ci-dispatcher/child-pipeline.yml';
/** Tries of one step (creating a child, finishing a bridge) before it is left to a restart. */
const MAX_ATTEMPTS = 12;

/** The child's config: a virtual main file that includes the trigger's local files. */
function childFiles(files: ProjectFiles, include: string[]): ProjectFiles {
  const main = `include:\n${include.map((f) => `  - local: ${JSON.stringify(f)}\n`).join('')}`;
  return {
    read: (p) => (p === CHILD_CONFIG ? main : files.read(p)),
    readBytes: files.readBytes && ((p) => (p === CHILD_CONFIG ? new TextEncoder().encode(main) : files.readBytes!(p))),
    list: () => files.list(),
  };
}

export function startBridgeWorker(opts: BridgeWorkerOptions): { stop(): void; idle(): Promise<void> } {
  const { coordinator } = opts;
  /** child pipeline id -> bridge job id, for `strategy: depend`. */
  const waiting = new Map<number, number>();
  const handled = new Set<number>();
  let chain = Promise.resolve();
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const enqueue = (fn: () => Promise<void>, attempt = 1) => {
    chain = chain.then(fn).catch((error) => {
      opts.log('bridge job failed', error);
      if (stopped || attempt >= MAX_ATTEMPTS) return;
      const t = setTimeout(() => {
        timers.delete(t);
        if (!stopped) enqueue(fn, attempt + 1);
      }, Math.min(30_000, 500 * 2 ** (attempt - 1)));
      t.unref();
      timers.add(t);
    });
  };

  const finish = async (bridgeId: number, state: 'success' | 'failed', failureReason: FailureReason = 'unknown_failure') => {
    const job = await coordinator.read.job(bridgeId);
    if (job && job.status === 'running') await coordinator.updateJob(job, state === 'success' ? { state } : { state, failureReason });
  };

  const trigger = async (job: Job) => {
    if (handled.has(job.id)) return;
    handled.add(job.id);
    try {
      await triggerOnce(job);
    } catch (error) {
      handled.delete(job.id); // tried again (enqueue's backoff)
      throw error;
    }
  };

  const triggerOnce = async (job: Job) => {
    const spec = job.spec.trigger!;
    const detail = await coordinator.read.pipeline(job.pipelineId);
    if (!detail) return;
    const { pipeline, project } = detail;
    const fail = async (message: string, reason?: FailureReason) => {
      await coordinator.appendTrace(job, job.traceSize, Buffer.from(`\x1b[31;1mERROR: ${message}\x1b[0;m\n`)).catch(() => undefined);
      await finish(job.id, 'failed', reason);
    };
    if (spec.project && !opts.downstream) return fail('multi-project pipelines (trigger: project) are not available here; use trigger: include');
    if (!spec.project && spec.include.length === 0) return fail('trigger: include has no local files');

    const [existing] = await coordinator.read.childPipelines(pipeline.id, bridgeChildName(job));
    const child = existing ?? (spec.project ? await createMultiProject(job, pipeline, project, spec.project, spec.branch ?? null, fail) : await createChild(job, pipeline, project, spec.include, fail));
    if (!child) return;
    if (spec.strategy === 'depend') {
      if (FINAL.has(child.status)) return finish(job.id, child.status === 'success' ? 'success' : 'failed');
      waiting.set(child.id, job.id);
    } else {
      await finish(job.id, 'success');
    }
  };

  const forwarded = (job: Job, parent: Pipeline): PipelineVariable[] => {
    const forward = job.spec.trigger!.forward;
    return [...(forward.pipelineVariables ? parent.variables : []), ...(forward.yamlVariables ? job.spec.variables.map((v) => ({ key: v.key, value: v.value })) : [])];
  };

  const createChild = (job: Job, parent: Pipeline, project: Project, include: string[], fail: (m: string, r?: FailureReason) => Promise<void>) =>
    createDownstream(job, parent, fail, {
      project,
      ref: parent.ref,
      isTag: parent.isTag,
      sha: parent.sha,
      beforeSha: parent.beforeSha,
      source: 'parent_pipeline',
      configPath: CHILD_CONFIG,
      files: childFiles(opts.filesAt(project, parent.sha), include),
    });

  const createMultiProject = async (job: Job, parent: Pipeline, upstream: Project, path: string, branch: string | null, fail: (m: string, r?: FailureReason) => Promise<void>): Promise<Pipeline | null> => {
    const target = await opts.downstream!.project(upstream, path);
    if (!target) {
      await fail(`downstream project ${path} could not be found (it must be hosted on this server)`, 'downstream_bridge_project_not_found');
      return null;
    }
    const resolved = await opts.downstream!.resolveRef(target, branch ?? target.defaultBranch);
    if (!resolved) {
      await fail(`downstream pipeline can not be created: reference ${branch ?? target.defaultBranch} not found in ${target.path}`, 'downstream_pipeline_creation_failed');
      return null;
    }
    const files = opts.filesAt(target, resolved.sha);
    if (files.read('.gitlab-ci.yml') === undefined) {
      await fail(`downstream pipeline can not be created: ${target.path} has no .gitlab-ci.yml at ${resolved.ref}`, 'downstream_pipeline_creation_failed');
      return null;
    }
    return createDownstream(job, parent, fail, { project: target, ref: resolved.ref, isTag: resolved.isTag, sha: resolved.sha, beforeSha: '0'.repeat(40), source: 'pipeline', files });
  };

  interface DownstreamSource {
    project: Project;
    ref: string;
    isTag: boolean;
    sha: string;
    beforeSha: string;
    source: 'parent_pipeline' | 'pipeline';
    configPath?: string;
    files: ProjectFiles;
  }

  const createDownstream = async (job: Job, parent: Pipeline, fail: (m: string, r?: FailureReason) => Promise<void>, d: DownstreamSource): Promise<Pipeline | null> => {
    const variables = forwarded(job, parent);
    const values: Record<string, string> = {};
    for (const v of variables) values[v.key] = v.value;
    const sameCommit = d.project.id === parent.projectId && d.sha === parent.sha;
    const plan = await (opts.compile ?? (async (o: CompileOptions) => compile(o)))({
      configPath: d.configPath,
      files: d.files,
      externalInclude: opts.externalInclude,
      context: {
        ref: d.ref,
        isTag: d.isTag,
        sha: d.sha,
        beforeSha: d.beforeSha,
        source: d.source,
        defaultBranch: d.project.defaultBranch,
        projectPath: d.project.path,
        commitMessage: sameCommit ? parent.commitMessage : undefined,
        commit: sameCommit ? (parent.commit ?? null) : null,
        changedFiles: null,
        variables: values,
      },
    });
    if (plan.errors.length > 0) {
      await fail(`downstream pipeline can not be created: ${plan.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('; ')}`, 'downstream_pipeline_creation_failed');
      return null;
    }
    if (!plan.workflow.created || plan.jobs.length === 0) {
      await finish(job.id, 'success');
      return null;
    }
    plan.workflow.name = bridgeChildName(job);
    const lastCommit = opts.lastCommitFor;
    if (lastCommit) await resolveFileCacheKeys(plan, (file) => lastCommit(d.project, d.sha, file));
    let detail;
    try {
      detail = await coordinator.createPipeline({
        projectId: d.project.id,
        ref: d.ref,
        isTag: d.isTag,
        sha: d.sha,
        beforeSha: d.beforeSha,
        source: d.source,
        commitMessage: sameCommit ? parent.commitMessage : undefined,
        commit: sameCommit ? (parent.commit ?? null) : null,
        variables,
        plan,
        parentPipelineId: parent.id,
        parentJobId: job.id,
        beforeCommit: (id) => opts.createPipelineRef(d.project, id, d.sha),
      });
    } catch (error) {
      if (!(error instanceof DownstreamRefused)) throw error;
      // Refused by a limit: fail the bridge; it no longer runs (canceled meanwhile): nothing to do.
      if (error.failureReason) await fail(error.message, error.failureReason);
      return null;
    }
    const what = d.source === 'pipeline' ? `downstream pipeline #${detail.pipeline.id} of ${d.project.path}` : `child pipeline #${detail.pipeline.id}`;
    await coordinator.appendTrace(job, job.traceSize, Buffer.from(`Created ${what}\n`)).catch(() => undefined);
    return detail.pipeline;
  };

  const unsubscribe = coordinator.subscribe((event) => {
    if (event.type === 'job' && event.job.spec.trigger && event.job.status === 'running') {
      const job = event.job;
      enqueue(() => trigger(job));
    } else if (event.type === 'pipeline' && waiting.has(event.pipeline.id) && FINAL.has(event.pipeline.status)) {
      const bridgeId = waiting.get(event.pipeline.id)!;
      waiting.delete(event.pipeline.id);
      const ok = event.pipeline.status === 'success';
      enqueue(() => finish(bridgeId, ok ? 'success' : 'failed'));
    }
  });

  /** A cancel cascade cut short (crash) left this bridge running under a canceled ancestor: finish the cascade. */
  const resumedCancel = async (job: Job): Promise<boolean> => {
    const ancestors = (await coordinator.read.pipelineAncestors(job.pipelineId)).slice(1);
    const canceled = ancestors.reverse().find((p) => p.status === 'canceled');
    if (!canceled) return false;
    opts.log(`resuming the cancel of pipeline #${canceled.id}: its child pipelines were still running`);
    await coordinator.cancelPipeline(canceled.id);
    return true;
  };

  // Bridges left running by a previous process (all of them, whatever the number of pipelines).
  enqueue(async () => {
    for (const job of await coordinator.read.runningTriggerJobs()) {
      if (!(await resumedCancel(job))) await trigger(job);
    }
  });

  return {
    stop() {
      stopped = true;
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
    idle: () => chain,
  };
}
