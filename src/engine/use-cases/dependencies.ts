// Which jobs' artifacts a job downloads: `dependencies:` names if given; else its `needs` with
// artifacts; else every job of earlier stages. Names resolve to the latest attempt. Only jobs that
// left something to pass on (an artifact or dotenv variables) are returned: a runner skips the
// others anyway, and a stage-5 job of a wide pipeline would otherwise carry hundreds of them.
// A dependency whose archive expiry removed is reported missing (the job must not run).
// `needs:project` (the latest successful pipeline of a ref of another project on this server) and
// `needs:pipeline` (an ancestor pipeline, e.g. $PARENT_PIPELINE_ID) add jobs of other pipelines;
// one that cannot be found is missing too. The runner payload and the artifact-download check of
// a job token (mayReadArtifacts) both come from here: one rule for what a job may read.
import type { JobLite, StorePorts } from '../../store/ports.js';
import type { Artifact, Job, Pipeline } from '../model.js';

type DependencyStore = Pick<StorePorts, 'jobs' | 'artifacts' | 'projects' | 'pipelines'>;

export async function jobDependencies(store: DependencyStore, job: Job): Promise<Job[]> {
  return (await resolveDependencies(store, job, { checkRemoved: false })).jobs;
}

type Dotenv = Awaited<ReturnType<StorePorts['artifacts']['dotenv']>>;

export interface ResolvedDependencies {
  jobs: Job[];
  /** Names of dependencies whose archive expiry removed (only with `checkRemoved`). */
  missing: string[];
  /** The dependencies' artifact records and dotenv variables, read once for the payload. */
  artifacts: Artifact[];
  dotenv: Dotenv;
}

/**
 * The dependencies (as jobDependencies), their artifacts and dotenv variables, and (with
 * `checkRemoved`, at pick-up) the names of those whose archive was removed by expiry: GitLab drops
 * a job with such a dependency (Ci::Build#valid_dependency?) before it runs.
 */
export async function resolveDependencies(
  store: DependencyStore,
  job: Job,
  opts: { checkRemoved: boolean } = { checkRemoved: true },
): Promise<ResolvedDependencies> {
  const none: ResolvedDependencies = { jobs: [], missing: [], artifacts: [], dotenv: new Map() };
  const spec = job.spec;
  let names: string[] | null;
  if (spec.dependencies !== null) names = spec.dependencies;
  else if (spec.needs !== null) names = spec.needs.filter((n) => n.artifacts).map((n) => n.job);
  else names = null;
  const cross = spec.crossNeeds?.some((n) => n.artifacts) ? await crossDependencies(store, job) : { found: [], unresolved: [] };
  let chosen: JobLite[] = [];
  if (!(names !== null && names.length === 0) && !(names === null && job.stageIndex === 0)) {
    const lites = (await store.jobs.liteWhere(job.pipelineId, names === null ? { beforeStage: job.stageIndex } : { names: [...new Set(names)] })).filter((j) => j.id !== job.id);
    chosen =
      names === null
        ? lites
        : names.map((n) => lites.find((j) => j.name === n)).filter((j): j is NonNullable<typeof j> => !!j);
  }
  chosen = [...chosen, ...cross.found];
  if (!chosen.length) return opts.checkRemoved && cross.unresolved.length ? { ...none, missing: cross.unresolved } : none;
  const ids = chosen.map((j) => j.id);
  // one query tells which dependencies left anything; only those are read further
  const outputs = await store.artifacts.outputs(ids);
  const withArtifacts = ids.filter((id) => outputs.get(id)?.artifacts);
  const withDotenv = ids.filter((id) => outputs.get(id)?.dotenv);
  const [artifacts, dotenv] = await Promise.all([
    withArtifacts.length ? store.artifacts.byJobs(withArtifacts) : [],
    withDotenv.length ? store.artifacts.dotenv(withDotenv) : (new Map() as Dotenv),
  ]);
  const withArchive = new Set(artifacts.filter((a) => a.fileType === 'archive').map((a) => a.jobId));
  const removed = new Set(opts.checkRemoved ? ids.filter((id) => outputs.get(id)?.removedArchive && !withArchive.has(id)) : []);
  const withOutput = new Set([...artifacts.map((a) => a.jobId), ...dotenv.keys()]);
  const full = withOutput.size ? await store.jobs.byIds(ids.filter((id) => withOutput.has(id))) : [];
  const order = new Map(chosen.map((j, i) => [j.id, i]));
  return {
    jobs: full.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)),
    missing: [...chosen.filter((j) => removed.has(j.id)).map((j) => j.name), ...(opts.checkRemoved ? cross.unresolved : [])],
    artifacts,
    dotenv,
  };
}

/** `$PARENT_PIPELINE_ID`, `$CI_COMMIT_REF_NAME`… in a cross need, from the job's pipeline. */
function expandCrossValue(value: string, pipeline: Pipeline): string {
  const vars: Record<string, string> = {
    PARENT_PIPELINE_ID: pipeline.parentPipelineId === null ? '' : String(pipeline.parentPipelineId),
    CI_PIPELINE_ID: String(pipeline.id),
    CI_COMMIT_REF_NAME: pipeline.ref,
    CI_COMMIT_BRANCH: pipeline.isTag ? '' : pipeline.ref,
    CI_COMMIT_TAG: pipeline.isTag ? pipeline.ref : '',
  };
  for (const v of pipeline.variables) vars[v.key] ??= v.value;
  return value.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_m, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? '');
}

/** The jobs of other pipelines named by `needs:project` / `needs:pipeline` (with artifacts), and the needs not found. */
async function crossDependencies(store: DependencyStore, job: Job): Promise<{ found: JobLite[]; unresolved: string[] }> {
  const pipeline = await store.pipelines.byId(job.pipelineId);
  const found: JobLite[] = [];
  const unresolved: string[] = [];
  if (!pipeline) return { found, unresolved };
  for (const need of (job.spec.crossNeeds ?? []).filter((n) => n.artifacts)) {
    let source: number | null = null;
    if (need.pipeline !== null) {
      // only a pipeline of the job's own hierarchy (an ancestor), as GitLab
      const id = Number(expandCrossValue(need.pipeline, pipeline));
      if (Number.isInteger(id) && id > 0 && (await store.pipelines.ancestors(pipeline.id)).some((p) => p.id === id && p.id !== pipeline.id)) source = id;
    } else if (need.project !== null) {
      const project = await store.projects.byPath(expandCrossValue(need.project, pipeline));
      const ref = need.ref === null ? null : expandCrossValue(need.ref, pipeline);
      if (project && ref) source = (await store.pipelines.list({ projectId: project.id, ref, status: 'success', limit: 1 }))[0]?.id ?? null;
    }
    const [dep] = source === null ? [] : await store.jobs.liteWhere(source, { names: [need.job] });
    if (dep) found.push(dep);
    else unresolved.push(need.project !== null ? `${need.project}:${need.job}` : `pipeline ${need.pipeline}:${need.job}`);
  }
  return { found, unresolved };
}
