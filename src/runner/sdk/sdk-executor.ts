// The executor behind createRunner({ handlers/route }): no shell. The job's dependency
// artifacts are extracted into a fresh directory, the routed handler (or one handler call per
// script line) runs in-process with the job's variables, a trace writer and an AbortSignal, and
// what the handler leaves in its artifacts directory is uploaded per the job's `artifacts:`.
import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { downloadDependencies } from '../job/dependencies-stage.js';
import { uploadArtifacts } from '../job/artifacts-stage.js';
import { removeFileVariables, writeFileVariables } from '../job/job-variables.js';
import { stage, type JobContext } from '../job/job-context.js';
import type { JobExecutor } from '../job/executor.js';
import { JobFailure, isAbortError } from '../errors.js';
import { getSources } from '../shell/git-sources.js';
import type { HandlerContext, HandlerResult } from './handler.js';
import { resolveRoute, type Route } from './route.js';
import { ANSI } from '../trace/ansi.js';

export interface SdkExecutorOptions {
  route: Route;
  /** Shown in the log and sent as info.executor. Default "custom". */
  name?: string;
  /** Fetch the job's sources with git into the dependencies dir first. Default false. */
  getSources?: boolean;
}

export function sdkExecutor(opts: SdkExecutorOptions): JobExecutor {
  const name = opts.name ?? 'custom';
  return {
    name,
    features: { upload_raw_artifacts: true, multi_build_steps: false, return_exit_code: true },
    async execute(ctx: JobContext) {
      const { trace, dirs } = ctx;
      const artifactsDir = `${dirs.projectDir}.artifacts`;
      const signal = AbortSignal.any([ctx.abort, ctx.cancel]);
      await stage(ctx, 'prepare_executor', `Preparing the "${name}" executor`, async () => {
        trace.writeln(`Using the in-process "${name}" executor...`);
      });
      await stage(ctx, 'prepare_script', 'Preparing environment', async () => {
        trace.writeln(`Running on ${os.hostname()}...`);
        await rm(artifactsDir, { recursive: true, force: true });
        await mkdir(artifactsDir, { recursive: true });
        if (!opts.getSources) {
          await rm(dirs.projectDir, { recursive: true, force: true });
          await mkdir(dirs.projectDir, { recursive: true });
        }
        await writeFileVariables(ctx.vars, dirs.tmpDir);
      });
      if (opts.getSources) {
        await stage(ctx, 'get_sources', 'Getting source from Git repository', () =>
          getSources({ job: ctx.job, vars: ctx.vars, projectDir: dirs.projectDir, trace, signal, baseEnv: ctx.env }),
        );
      }
      if (ctx.job.dependencies.some((d) => d.artifacts_file.filename)) {
        await stage(ctx, 'download_artifacts', 'Downloading artifacts', () => downloadDependencies(ctx));
      }
      const hctx: HandlerContext = {
        job: ctx.job,
        id: ctx.job.id,
        name: ctx.job.job_info.name,
        stage: ctx.job.job_info.stage,
        variables: ctx.vars.env,
        expand: ctx.vars.expand,
        dependenciesDir: dirs.projectDir,
        dependencyFile: async (rel) => {
          const abs = path.resolve(dirs.projectDir, rel);
          if (!abs.startsWith(dirs.projectDir + path.sep)) return null;
          return (await stat(abs).catch(() => null))?.isFile() ? abs : null;
        },
        artifactsDir,
        trace,
        signal,
        logger: ctx.logger,
      };
      let failure: JobFailure | null = null;
      const outcome = (r: HandlerResult | void) => {
        if (r && !r.ok) failure = new JobFailure(r.failureReason ?? 'script_failure', r.reason, r.exitCode);
      };
      try {
        await stage(ctx, 'step_script', 'Executing "step_script" stage of the job script', async () => {
          const resolved = resolveRoute(opts.route, ctx.job, ctx.vars.expand);
          if (resolved.kind === 'none') throw new JobFailure('runner_configuration_error', resolved.why);
          if (resolved.kind === 'job') {
            outcome(await resolved.handler(hctx));
            return;
          }
          for (const call of resolved.calls) {
            trace.writeln(`${ANSI.boldGreen}$ ${call.line}${ANSI.reset}`);
            outcome(await call.handler(hctx, call.args));
            if (failure || signal.aborted) return;
          }
        });
      } catch (e) {
        if (ctx.abort.aborted) throw ctx.abort.reason;
        if (ctx.cancel.aborted) throw new JobFailure('job_canceled', 'canceled');
        if (e instanceof JobFailure) failure = e;
        else if (isAbortError(e)) failure = new JobFailure('job_canceled', 'canceled');
        else failure = new JobFailure('runner_system_failure', (e as Error)?.message ?? String(e));
      }
      if (ctx.abort.aborted) throw ctx.abort.reason;
      if (ctx.cancel.aborted) throw new JobFailure('job_canceled', 'canceled');
      const succeeded = failure === null;
      try {
        if (ctx.job.artifacts.length) {
          await stage(ctx, succeeded ? 'upload_artifacts_on_success' : 'upload_artifacts_on_failure',
            succeeded ? 'Uploading artifacts for successful job' : 'Uploading artifacts for failed job',
            () => uploadArtifacts(ctx, succeeded, artifactsDir));
        }
      } finally {
        await stage(ctx, 'cleanup_file_variables', 'Cleaning up project directory and file based variables', async () => {
          await removeFileVariables(ctx.vars, dirs.tmpDir);
          await rm(artifactsDir, { recursive: true, force: true });
        });
      }
      if (failure) throw failure;
    },
  };
}
