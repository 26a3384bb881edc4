// Loads what GitLab's Job shape needs for a page of jobs in a few reads (pipelines, projects,
// artifacts, erased marks, runners), and the job of a `:job_id` within its project (404 else).
import type { Job, Project } from '../engine/model.js';
import type { RestContext } from './context.js';
import { notFoundError } from './errors.js';
import { jobShape, type JobJson } from './shapes/job-full.js';

export async function shapeJobs(ctx: RestContext, jobs: Job[], projectHint?: Project): Promise<JobJson[]> {
  if (!jobs.length) return [];
  const { read } = ctx.coordinator;
  const pipelineIds = [...new Set(jobs.map((j) => j.pipelineId))];
  const [pipelines, artifacts, erased, runners, allowFailure] = await Promise.all([
    Promise.all(pipelineIds.map((id) => read.pipelineRow(id))),
    read.artifactsOfJobs(jobs.map((j) => j.id)),
    read.erasedAt(jobs.map((j) => j.id)),
    jobs.some((j) => j.runnerId !== null) ? read.runners() : Promise.resolve([]),
    read.allowFailureOf(jobs.map((j) => j.id)),
  ]);
  const pipelineById = new Map(pipelines.filter((p) => p !== null).map((p) => [p.id, p]));
  const projects = new Map<number, Project>();
  if (projectHint) projects.set(projectHint.id, projectHint);
  for (const p of pipelineById.values()) if (!projects.has(p.projectId)) { const pr = await read.project(p.projectId); if (pr) projects.set(pr.id, pr); }
  const base = ctx.externalUrl();
  const out: JobJson[] = [];
  for (const job of jobs) {
    const pipeline = pipelineById.get(job.pipelineId);
    const project = projects.get(job.projectId);
    if (!pipeline || !project) continue;
    const r = runners.find((x) => x.runner.id === job.runnerId)?.runner;
    out.push(
      jobShape(
        {
          job,
          pipeline,
          project,
          artifacts: artifacts.filter((a) => a.jobId === job.id),
          erasedAt: erased.get(job.id) ?? null,
          allowFailure: allowFailure.get(job.id),
          runner: r ? { id: r.id, description: r.description, paused: r.paused, projectId: r.projectId } : null,
        },
        base,
      ),
    );
  }
  return out;
}

export async function shapeJob(ctx: RestContext, job: Job, project?: Project): Promise<JobJson> {
  const [shaped] = await shapeJobs(ctx, [job], project);
  if (!shaped) throw notFoundError('Job');
  return shaped;
}

/** The job `jobId` of `project`: 404 "Job Not Found" when unknown or of another project. */
export async function jobOfProject(ctx: RestContext, project: Project, jobId: number): Promise<Job> {
  const job = await ctx.coordinator.read.job(jobId);
  if (!job || job.projectId !== project.id) throw notFoundError('Job');
  return job;
}
