// What every stage of one job works with: the decoded payload, the resolved variables, the
// directories, the trace, the coordinator client and the two stop signals (hard abort: canceled,
// timeout, runner abort; graceful cancel: Job-Status canceling).
import type { CoordinatorClient } from '../network/coordinator-client.js';
import type { DecodedJob } from '../network/job-payload.js';
import type { JobTrace } from '../trace/job-trace.js';
import type { RunnerLogger } from '../logger.js';
import type { ResolvedVariables } from './job-variables.js';
import { sectionEnd, sectionStart } from '../trace/ansi.js';

export interface JobDirs {
  buildsDir: string;
  /** CI_PROJECT_DIR: sources, dependency artifacts, artifact and cache paths. */
  projectDir: string;
  /** `<projectDir>.tmp`: file variables, step scripts. */
  tmpDir: string;
  cacheDir: string;
}

/** The coordinator's repositories on this machine: `url` (its base URL) serves `dir`/<project>.git. */
export interface LocalRepos {
  url: string;
  dir: string;
}

export interface JobContext {
  job: DecodedJob;
  vars: ResolvedVariables;
  dirs: JobDirs;
  trace: JobTrace;
  client: CoordinatorClient;
  logger: RunnerLogger;
  /** Aborted on hard cancel, timeout or runner abort. */
  abort: AbortSignal;
  /** Aborted when the coordinator asks for a graceful cancel (after_script still runs). */
  cancel: AbortSignal;
  /** Emit stage section markers (features.trace_sections). */
  sections: boolean;
  slot: number;
  projectSlot: number;
  /** Where get_sources may fetch from the coordinator's repositories directly (RunnerOptions.localRepos). */
  localRepos?: LocalRepos;
  /** The runner process's environment (util/step-env.ts inheritedEnv, read when the runner started): what every step's inherits. */
  env: Record<string, string | undefined>;
}

/** Runs `fn` inside a stage section with its bold cyan header. */
export async function stage<T>(ctx: JobContext, name: string, header: string | null, fn: () => Promise<T>): Promise<T> {
  const { trace } = ctx;
  if (ctx.sections) trace.write(sectionStart(name));
  if (header) trace.info(header);
  try {
    return await fn();
  } finally {
    if (ctx.sections) trace.write(sectionEnd(name));
  }
}
