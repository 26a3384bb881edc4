// The built-in runner and the runner SDK. Speaks only GitLab's documented runner API v4, so it
// works against gitlab-ci-dispatcher and against GitLab alike.
//
//   import { createRunner, ok, fail } from 'gitlab-ci-dispatcher/runner';
//   const runner = createRunner({ url, token, concurrency: 2 });            // shell executor
//   const lab = createRunner({ url, token, route: { byCommand: { submit } } }); // SDK handlers
//   runner.start(); ... await runner.stop();
export { createRunner } from './runner.js';
export type { Runner, RunnerOptions, RunnerState, RunnerEvents } from './runner.js';
export { registerRunner, verifyRunner, unregisterRunner } from './register.js';
export type { RegisterRunnerOptions, RegisteredRunner } from './register.js';
export { ok, fail } from './sdk/handler.js';
export type { HandlerContext, HandlerResult, JobHandler, CommandHandler } from './sdk/handler.js';
export type { Route, RouteMap } from './sdk/route.js';
export { sdkExecutor } from './sdk/sdk-executor.js';
export type { SdkExecutorOptions } from './sdk/sdk-executor.js';
export { shellExecutor } from './shell/shell-executor.js';
export type { ShellExecutorOptions } from './shell/shell-executor.js';
export type { JobExecutor } from './job/executor.js';
export type { JobContext } from './job/job-context.js';
export type { JobOutcome, TraceTuning } from './job/run-job.js';
export type { TraceWriter } from './trace/job-trace.js';
export type { DecodedJob } from './network/job-payload.js';
export { decodeJobPayload } from './network/job-payload.js';
export type { LoadLimits, SystemStats } from './system-load.js';
export { JobFailure, ForbiddenError, ProtocolError } from './errors.js';
export type { FailureReason } from './errors.js';
export { silentLogger, consoleLogger } from './logger.js';
export type { RunnerLogger } from './logger.js';
export { dockerExecutor, dockerFeatures } from './docker/docker-executor.js';
export type { DockerExecutorOptions, NetworkMode } from './docker/docker-executor.js';
export { dockerApi, defaultSocketPath } from './docker/docker-api.js';
export type { DockerApi } from './docker/docker-api.js';
export { isPullPolicy, PULL_POLICIES } from './docker/pull-policy.js';
export type { PullPolicy } from './docker/pull-policy.js';
export { LABEL_RUNNER, LABEL_JOB } from './docker/labels.js';
