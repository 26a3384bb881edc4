// The shell executor: the job's stages (job-stages.ts) with every script step in its own bash
// session on the runner's host (run-step.ts).
import os from 'node:os';
import { runStep } from './run-step.js';
import { runJobStages } from './job-stages.js';
import type { JobContext } from '../job/job-context.js';
import type { JobExecutor } from '../job/executor.js';
import { prepareGroupRuns } from './process-group.js';

export interface ShellExecutorOptions {
  /** Run bash as a login shell (sources /etc/profile, ~/.bash_profile). Default false. */
  login?: boolean;
  /** Between SIGTERM and SIGKILL when a step is stopped. Default 5 s. */
  killGraceMs?: number;
}

export function shellExecutor(opts: ShellExecutorOptions = {}): JobExecutor {
  return {
    name: 'shell',
    async start() {
      prepareGroupRuns();
    },
    execute: (ctx: JobContext) =>
      runJobStages(ctx, {
        name: 'shell',
        async prepare() {
          ctx.trace.writeln('Using Shell (bash) executor...');
          const ignored = [ctx.job.image?.name, ...ctx.job.services.map((s) => s.name)].filter(Boolean);
          if (ignored.length) {
            ctx.trace.warning(`the shell executor runs this job on the host: image/services ignored (${ignored.map((n) => `"${n}"`).join(', ')})`);
          }
        },
        async prepareScript() {
          ctx.trace.writeln(`Running on ${os.hostname()}...`);
        },
        step: (r) => runStep(ctx, { ...r, login: opts.login, killGraceMs: opts.killGraceMs }),
      }),
  };
}
