// delete a pipeline, erase a job, keep a job's artifacts (GitLab's DestroyPipelineService,
// Ci::BuildEraseService, keep_artifacts!). A pipeline that still runs is canceled first (its
// runners learn it on their next update, then find the job gone: 403); child pipelines go with
// their parent. Only a finished job may be erased (its artifacts, junit report and log go, the
// job stays, marked erased). Blobs are the caller's to remove: the storage keys come back.
import { badRequest, forbidden, notFound } from '../../util/errors.js';
import type { EngineContext } from '../context.js';
import { FINISHED_PIPELINE } from '../graph.js';
import type { Artifact, Job, JobStatus } from '../model.js';
import { cancelPipeline } from './cancel.js';

const FINISHED_JOB: JobStatus[] = ['success', 'failed', 'canceled', 'skipped'];

export async function deletePipeline(ctx: EngineContext, pipelineId: number): Promise<{ storageKeys: string[] }> {
  const pipeline = await ctx.store.pipelines.byId(pipelineId);
  if (!pipeline) throw notFound(`Pipeline ${pipelineId} not found`);
  if (!FINISHED_PIPELINE.includes(pipeline.status)) await cancelPipeline(ctx, pipelineId);
  const ids = [pipelineId];
  for (let i = 0; i < ids.length; i++) for (const child of await ctx.store.pipelines.children(ids[i]!)) ids.push(child.id);
  const { jobIds, storageKeys } = await ctx.store.transaction((tx) => tx.retention.deletePipelines(ids));
  for (const id of jobIds) await ctx.traces.remove(id).catch(() => undefined);
  return { storageKeys };
}

export async function eraseJob(ctx: EngineContext, jobId: number): Promise<{ job: Job; storageKeys: string[]; erasedAt: string }> {
  const job = await ctx.store.jobs.byId(jobId);
  if (!job) throw notFound(`Job ${jobId} not found`);
  if (!FINISHED_JOB.includes(job.status)) throw forbidden('Job is not erasable!');
  const erasedAt = ctx.now();
  const { storageKeys } = await ctx.store.transaction(async (tx) => {
    const r = await tx.retention.eraseJob(jobId, erasedAt);
    await tx.jobs.update(jobId, { traceSize: 0 });
    return r;
  });
  await ctx.traces.remove(jobId).catch(() => undefined);
  return { job: { ...job, traceSize: 0 }, storageKeys, erasedAt };
}

export async function keepArtifacts(ctx: EngineContext, jobId: number): Promise<Artifact[]> {
  const job = await ctx.store.jobs.byId(jobId);
  if (!job) throw notFound(`Job ${jobId} not found`);
  const artifacts = await ctx.store.artifacts.byJob(jobId);
  if (!artifacts.some((a) => a.fileType === 'archive')) throw notFound('404 Not found');
  if (!FINISHED_JOB.includes(job.status)) throw badRequest('the job is still running');
  return ctx.store.artifacts.keep(jobId);
}
