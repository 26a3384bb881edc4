// What runs a job once the runner has picked it up: the shell executor, or the SDK's handlers.
// `execute` resolves when the job succeeded and throws a JobFailure when it failed.
import type { FeaturesInfo } from '../../runner-api/protocol.js';
import type { JobContext } from './job-context.js';

export interface JobExecutor {
  /** Sent as info.executor. */
  name: string;
  /** Overrides of the features sent in info.features. */
  features?: FeaturesInfo;
  execute(ctx: JobContext): Promise<void>;
  /** Called once before the runner polls for jobs (e.g. the docker executor removes what a
   *  crashed run of the same runner left behind). A failure is logged, not fatal. */
  start?(log: (message: string) => void): Promise<void>;
}
