// The stages gitlab-runner runs for a job, in its order and with its section names (§7):
// prepare_executor, prepare_script, get_sources (with the pre/post_get_sources_script hooks),
// restore_cache, download_artifacts, step_script (+ other steps), after_script,
// archive_cache[_on_failure], upload_artifacts_on_success|failure, cleanup_file_variables.
// Shared by the shell and docker executors: git, cache, artifacts and dependencies always run on
// the runner's host (on the build directory); `how.step` runs the script steps (a host shell or
// a container). Returns when the job succeeded, throws a JobFailure when it failed.
import { getSources } from './git-sources.js';
import { restoreCache, archiveCache } from '../job/cache-stage.js';
import { downloadDependencies } from '../job/dependencies-stage.js';
import { uploadArtifacts } from '../job/artifacts-stage.js';
import { removeFileVariables, writeFileVariables } from '../job/job-variables.js';
import { stage, type JobContext } from '../job/job-context.js';
import { JobFailure } from '../errors.js';
import { parseDuration } from '../../util/duration.js';

export interface StepRequest {
  name: string;
  commands: string[];
  signal: AbortSignal;
  extraEnv: Record<string, string>;
}

export interface StepResult {
  exitCode: number | null;
  /** The step was stopped through its signal. */
  aborted: boolean;
}

export interface StagesHooks {
  /** For the prepare_executor header ('shell', 'docker'). */
  name: string;
  /** prepare_executor: say which executor, pull images, start services. */
  prepare(): Promise<void>;
  /** The first lines of prepare_script ("Running on …"). */
  prepareScript(): Promise<void>;
  step(req: StepRequest): Promise<StepResult>;
}

const DEFAULT_AFTER_SCRIPT_TIMEOUT_S = 300;

export async function runJobStages(ctx: JobContext, how: StagesHooks): Promise<void> {
  const { job, trace } = ctx;
  const step = (name: string, commands: string[], signal: AbortSignal, extraEnv: Record<string, string> = {}) =>
    how.step({ name, commands, signal, extraEnv });
  const hook = (name: string) => job.hooks.find((h) => h.name === name && h.script.length);
  const failIfStopped = () => {
    if (ctx.abort.aborted) throw ctx.abort.reason ?? new JobFailure('job_canceled', 'aborted');
    if (ctx.cancel.aborted) throw new JobFailure('job_canceled', 'canceled');
  };

  await stage(ctx, 'prepare_executor', `Preparing the "${how.name}" executor`, () => how.prepare());
  await stage(ctx, 'prepare_script', 'Preparing environment', async () => {
    await how.prepareScript();
    await writeFileVariables(ctx.vars, ctx.dirs.tmpDir);
  });
  const mainSignal = AbortSignal.any([ctx.abort, ctx.cancel]);
  let succeeded = false;
  let failure: JobFailure | null = null;
  try {
    await stage(ctx, 'get_sources', 'Getting source from Git repository', async () => {
      const pre = hook('pre_get_sources_script');
      if (pre) {
        const r = await step('pre_get_sources_script', pre.script, mainSignal);
        failIfStopped();
        if (r.exitCode !== 0) throw new JobFailure('script_failure', `exit code ${r.exitCode ?? -1}`, r.exitCode ?? -1);
      }
      await getSources({ job, vars: ctx.vars, projectDir: ctx.dirs.projectDir, trace, signal: mainSignal, baseEnv: ctx.env, localRepos: ctx.localRepos });
      const post = hook('post_get_sources_script');
      if (post) {
        const r = await step('post_get_sources_script', post.script, mainSignal);
        failIfStopped();
        if (r.exitCode !== 0) throw new JobFailure('script_failure', `exit code ${r.exitCode ?? -1}`, r.exitCode ?? -1);
      }
    });
    failIfStopped();
    if (job.cache.length) await stage(ctx, 'restore_cache', 'Restoring cache', () => restoreCache(ctx));
    if (job.dependencies.some((d) => d.artifacts_file.filename)) {
      await stage(ctx, 'download_artifacts', 'Downloading artifacts', () => downloadDependencies(ctx));
    }
    failIfStopped();
    for (const s of job.steps.filter((x) => x.name !== 'after_script')) {
      const when = s.when || 'on_success';
      if (when === 'on_failure' ? failure === null : when !== 'always' && failure !== null) continue;
      const sectionName = s.name === 'script' ? 'step_script' : `step_${s.name}`;
      const r = await stage(ctx, sectionName, `Executing "${sectionName}" stage of the job script`, () =>
        step(sectionName, s.script, mainSignal, { CI_JOB_STATUS: 'running' }),
      );
      failIfStopped();
      if (r.exitCode !== 0 && failure === null) {
        const code = r.exitCode ?? -1;
        failure = new JobFailure('script_failure', `exit code ${code}`, code);
      }
    }
    succeeded = failure === null;
  } catch (e) {
    if (!(e instanceof JobFailure) || ctx.abort.aborted) throw e;
    failure = e;
  }

  // after_script runs for success, failure and graceful cancel; not after a hard abort.
  const after = job.steps.find((x) => x.name === 'after_script' && x.script.length);
  if (after && !ctx.abort.aborted) {
    const status = succeeded ? 'success' : ctx.cancel.aborted ? 'canceled' : 'failed';
    const limit = parseDuration(ctx.vars.get('RUNNER_AFTER_SCRIPT_TIMEOUT') ?? '') ?? DEFAULT_AFTER_SCRIPT_TIMEOUT_S;
    const signal = AbortSignal.any([ctx.abort, AbortSignal.timeout(limit * 1000)]);
    const r = await stage(ctx, 'after_script', 'Running after_script', async () => {
      trace.info('Running after script...');
      return step('after_script', after.script, signal, { CI_JOB_STATUS: status });
    });
    if (r.aborted && !ctx.abort.aborted) trace.warning(`after_script failed, but job will continue unaffected: execution took longer than ${limit}s`);
    else if (r.exitCode !== 0 && !ctx.abort.aborted) trace.warning(`after_script failed, but job will continue unaffected: exit code ${r.exitCode ?? -1}`);
  }
  if (ctx.abort.aborted) throw ctx.abort.reason;
  if (ctx.cancel.aborted) {
    await cleanup(ctx);
    throw new JobFailure('job_canceled', 'canceled');
  }

  try {
    if (job.cache.length) {
      await stage(ctx, succeeded ? 'archive_cache' : 'archive_cache_on_failure', succeeded ? 'Saving cache for successful job' : 'Saving cache for failed job', () =>
        archiveCache(ctx, succeeded),
      );
    }
    const name = succeeded ? 'upload_artifacts_on_success' : 'upload_artifacts_on_failure';
    if (job.artifacts.length) {
      await stage(ctx, name, succeeded ? 'Uploading artifacts for successful job' : 'Uploading artifacts for failed job', () => uploadArtifacts(ctx, succeeded));
    }
  } catch (e) {
    if (!(e instanceof JobFailure) || failure) throw failure ?? e;
    failure = e;
  }
  await cleanup(ctx);
  if (failure) throw failure;
}

async function cleanup(ctx: JobContext): Promise<void> {
  await stage(ctx, 'cleanup_file_variables', 'Cleaning up project directory and file based variables', () => removeFileVariables(ctx.vars, ctx.dirs.tmpDir));
}
