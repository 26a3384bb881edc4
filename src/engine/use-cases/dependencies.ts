// Which jobs' artifacts a job downloads: `dependencies:` names if given; else its `needs` with
// artifacts; else every job of earlier stages. Names resolve to the latest attempt. Only jobs that
// left something to pass on (an artifact or dotenv variables) are returned: a runner skips the
// others anyway, and a stage-5 job of a wide pipeline would otherwise carry hundreds of them.
// A dependency whose archive expiry removed is reported missing (the job must not run).
import type { StorePorts } from '../../store/ports.js';
import type { Artifact, Job } from '../model.js';

export async function jobDependencies(store: Pick<StorePorts, 'jobs' | 'artifacts'>, job: Job): Promise<Job[]> {
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
  store: Pick<StorePorts, 'jobs' | 'artifacts'>,
  job: Job,
  opts: { checkRemoved: boolean } = { checkRemoved: true },
): Promise<ResolvedDependencies> {
  const none: ResolvedDependencies = { jobs: [], missing: [], artifacts: [], dotenv: new Map() };
  const spec = job.spec;
  let names: string[] | null;
  if (spec.dependencies !== null) names = spec.dependencies;
  else if (spec.needs !== null) names = spec.needs.filter((n) => n.artifacts).map((n) => n.job);
  else names = null;
  if (names !== null && names.length === 0) return none;
  if (names === null && job.stageIndex === 0) return none;
  const lites = (await store.jobs.liteWhere(job.pipelineId, names === null ? { beforeStage: job.stageIndex } : { names: [...new Set(names)] })).filter((j) => j.id !== job.id);
  const chosen =
    names === null
      ? lites
      : names.map((n) => lites.find((j) => j.name === n)).filter((j): j is NonNullable<typeof j> => !!j);
  if (!chosen.length) return none;
  const ids = chosen.map((j) => j.id);
  const [artifacts, dotenv] = await Promise.all([store.artifacts.byJobs(ids), store.artifacts.dotenv(ids)]);
  const withArchive = new Set(artifacts.filter((a) => a.fileType === 'archive').map((a) => a.jobId));
  const removed = opts.checkRemoved ? await store.artifacts.removedArchives(ids.filter((id) => !withArchive.has(id))) : new Set<number>();
  const withOutput = new Set([...artifacts.map((a) => a.jobId), ...dotenv.keys()]);
  const full = await store.jobs.byIds(ids.filter((id) => withOutput.has(id)));
  const order = new Map(chosen.map((j, i) => [j.id, i]));
  return {
    jobs: full.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)),
    missing: chosen.filter((j) => removed.has(j.id)).map((j) => j.name),
    artifacts,
    dotenv,
  };
}
