// One job from pickup to final state (§2.5, §3, §6).
//
//   ack (PUT running; two_phase_job_commit only) ─ drop ───────────────► dropped (no final PUT)
//        └ continue/canceling → trace loop → executor.execute(ctx)
//              success ───────────────────────────────► final PUT success
//              JobFailure (script exit N, ...) ───────► final PUT failed + reason (+ exit_code)
//              timeout (runner_info.timeout) ─ kill ──► failed job_execution_timeout
//              Job-Status canceling ─ kill script, after_script ─► failed job_canceled
//              403 / Job-Status canceled ─ kill now ──► failed (the coordinator answers 403)
//              runner abort ─ kill now ───────────────► failed runner_system_failure
import os from 'node:os';
import type { JobVariable, RunnerInfo } from '../../runner-api/protocol.js';
import type { CoordinatorClient } from '../network/coordinator-client.js';
import type { DecodedJob } from '../network/job-payload.js';
import { RUNNER_VERSION, goArch, RUNNER_NAME } from '../network/runner-identity.js';
import { JobTrace } from '../trace/job-trace.js';
import { JobUpdater, type FinalState } from '../trace/job-updater.js';
import { DEFAULT_TOKEN_PREFIXES } from '../trace/masker.js';
import { ANSI } from '../trace/ansi.js';
import { JobFailure, isAbortError } from '../errors.js';
import type { RunnerLogger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { resolveVariables, v } from './job-variables.js';
import { jobDirs, shortToken } from './build-dirs.js';
import { goDuration } from './go-duration.js';
import type { JobExecutor } from './executor.js';
import type { JobContext, LocalRepos } from './job-context.js';
import { inheritedEnv } from '../../util/step-env.js';

export interface TraceTuning {
  updateIntervalMs?: number;
  finalIntervalMs?: number;
  forceSendIntervalMs?: number;
  flushBytes?: number;
  limitBytes?: number;
  finalRetryLimit?: number;
}

export interface RunJobOptions {
  client: CoordinatorClient;
  job: DecodedJob;
  executor: JobExecutor;
  info?: RunnerInfo;
  logger?: RunnerLogger;
  runnerToken: string;
  systemId?: string;
  description?: string;
  buildsDir: string;
  /** The folder under buildsDir (default: the short runner token). */
  buildsDirName?: string;
  cacheDir: string;
  /** RunnerOptions.localRepos. */
  localRepos?: LocalRepos;
  slot: number;
  projectSlot: number;
  /** KEY=VALUE entries added before the job's variables (config `environment`). */
  environment?: string[];
  /** The environment the steps inherit (default: inheritedEnv() now). */
  inheritedEnv?: Record<string, string | undefined>;
  /** Aborted when the runner shuts down hard: the job is killed and reported runner_system_failure. */
  runnerAbort?: AbortSignal;
  /** Aborted when the runner gives up on talking to the coordinator (after a hard stop). */
  giveUp?: AbortSignal;
  trace?: TraceTuning;
}

export interface JobOutcome {
  id: number;
  name: string;
  state: 'success' | 'failed' | 'dropped';
  reason?: string;
  exitCode?: number;
  durationMs: number;
}

export async function runJob(o: RunJobOptions): Promise<JobOutcome> {
  const started = Date.now();
  const { job } = o;
  const logger = o.logger ?? silentLogger;
  const dirs = jobDirs({ job, buildsDir: o.buildsDir, cacheDir: o.cacheDir, runnerToken: o.runnerToken, projectSlot: o.projectSlot, dirName: o.buildsDirName });
  const timeoutS = job.runner_info.timeout > 0 ? job.runner_info.timeout : 7200;
  const env = (o.environment ?? []).map((e) => {
    const i = e.indexOf('=');
    return v(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  });
  const before: JobVariable[] = [
    v('CI_BUILDS_DIR', dirs.buildsDir),
    v('CI_PROJECT_DIR', dirs.projectDir),
    v('CI_CONCURRENT_ID', String(o.slot)),
    v('CI_CONCURRENT_PROJECT_ID', String(o.projectSlot)),
    v('CI_SERVER', 'yes'),
    v('CI_JOB_TIMEOUT', String(timeoutS)),
    ...env,
  ];
  const after: JobVariable[] = [
    v('CI_SHARED_ENVIRONMENT', 'true'),
    v('CI_RUNNER_SHORT_TOKEN', shortToken(o.runnerToken)),
    v('CI_RUNNER_VERSION', RUNNER_VERSION),
    v('CI_RUNNER_REVISION', 'main'),
    v('CI_RUNNER_EXECUTABLE_ARCH', `${os.platform()}/${goArch()}`),
    v('RUNNER_TEMP_PROJECT_DIR', dirs.tmpDir),
  ];
  const vars = resolveVariables({ runnerBefore: before, job: job.variables, runnerAfter: after, jobToken: job.token, tmpDir: dirs.tmpDir });
  const trace = new JobTrace({
    secrets: [...vars.secrets, o.runnerToken],
    tokenPrefixes: [...DEFAULT_TOKEN_PREFIXES, ...(job.features.token_mask_prefixes ?? [])],
    limitBytes: o.trace?.limitBytes,
  });

  const abortCtl = new AbortController();
  const cancelCtl = new AbortController();
  const updater = new JobUpdater({
    client: o.client,
    job,
    trace,
    info: o.info,
    logger,
    ...o.trace,
    debugTrace: (vars.get('CI_DEBUG_TRACE') ?? '') === 'true',
    signal: o.giveUp,
    onCanceling: () => cancelCtl.abort(new JobFailure('job_canceled', 'canceled')),
    onAbort: (why) => {
      logger.info('job aborted by the coordinator', { job: job.id, why });
      abortCtl.abort(new JobFailure('job_canceled', 'canceled'));
    },
  });

  // The running ack is the two-phase job commit (gitlab-runner ≥ 18.5): a runner that does not
  // advertise it starts at once, as older runners do (the coordinator marked the job running).
  const twoPhase = o.info?.features?.two_phase_job_commit !== false;
  const ack = !twoPhase
    ? 'continue'
    : await updater.ack().catch((e: Error) => {
        logger.warn('running ack failed, continuing', { job: job.id, error: e.message });
        return 'continue' as const;
      });
  if (ack === 'drop') {
    logger.info('job dropped: the coordinator refused the running ack', { job: job.id });
    return { id: job.id, name: job.job_info.name, state: 'dropped', durationMs: Date.now() - started };
  }
  if (ack === 'canceling') cancelCtl.abort(new JobFailure('job_canceled', 'canceled'));
  updater.start();

  const timer = setTimeout(
    () => abortCtl.abort(new JobFailure('job_execution_timeout', `execution took longer than ${goDuration(timeoutS)} seconds`)),
    timeoutS * 1000,
  );
  const onRunnerAbort = () => abortCtl.abort(new JobFailure('runner_system_failure', 'aborted: the runner is shutting down'));
  if (o.runnerAbort?.aborted) onRunnerAbort();
  o.runnerAbort?.addEventListener('abort', onRunnerAbort, { once: true });

  trace.writeln(`Running with ${RUNNER_NAME} ${RUNNER_VERSION} (main)`);
  trace.writeln(`  on ${o.description || os.hostname()} ${shortToken(o.runnerToken)}, system ID: ${o.systemId ?? '-'}`);
  const ctx: JobContext = {
    job,
    vars,
    dirs,
    trace,
    client: o.client,
    logger,
    abort: abortCtl.signal,
    cancel: cancelCtl.signal,
    sections: job.features.trace_sections,
    slot: o.slot,
    projectSlot: o.projectSlot,
    localRepos: o.localRepos,
    env: o.inheritedEnv ?? inheritedEnv(),
  };

  let final: FinalState;
  try {
    if (job.run) throw new JobFailure('runner_system_failure', 'the "run" keyword (CI steps) is not supported by this runner');
    if (cancelCtl.signal.aborted) throw new JobFailure('job_canceled', 'canceled');
    await raceAbort(o.executor.execute(ctx), abortCtl.signal);
    final = { state: 'success' };
  } catch (e) {
    const failure = abortCtl.signal.aborted ? (abortCtl.signal.reason as JobFailure) : toFailure(e);
    final = { state: 'failed', reason: failure.reason, exitCode: failure.exitCode };
    if (failure.reason === 'runner_system_failure') trace.writeln(`${ANSI.boldRed}ERROR: Job failed (system failure): ${failure.message}${ANSI.reset}`);
    else trace.writeln(`${ANSI.boldRed}ERROR: Job failed: ${failure.message}${ANSI.reset}`);
  } finally {
    clearTimeout(timer);
    o.runnerAbort?.removeEventListener('abort', onRunnerAbort);
  }
  if (final.state === 'success') trace.writeln(`${ANSI.boldGreen}Job succeeded${ANSI.reset}`);
  trace.writeln();
  const sent = await updater.finish(final);
  if (sent === 'gave-up') logger.warn('gave up sending the final job state', { job: job.id });
  return {
    id: job.id,
    name: job.job_info.name,
    state: final.state,
    reason: final.reason,
    exitCode: final.exitCode,
    durationMs: Date.now() - started,
  };
}

function toFailure(e: unknown): JobFailure {
  if (e instanceof JobFailure) return e;
  if (isAbortError(e)) return new JobFailure('job_canceled', 'canceled');
  return new JobFailure('runner_system_failure', (e as Error)?.message ?? String(e));
}

/**
 * Resolves/rejects with `work`, but once `signal` aborts, waits for `work` to settle (the
 * executor kills its processes on the same signal) and then rejects with the abort reason.
 */
async function raceAbort(work: Promise<void>, signal: AbortSignal): Promise<void> {
  try {
    await work;
  } catch (e) {
    if (signal.aborted) throw signal.reason;
    throw e;
  }
  if (signal.aborted) throw signal.reason;
}
