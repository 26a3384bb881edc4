// Orchestrates `run`: server in-process, snapshot, pipeline, built-in runner, progress, verdict.
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { createServer, prepareDirectoryImport } from '../server/create-server.js';
import { loadServerConfig } from '../server/config.js';
import { ConfigInvalidError } from '../server/pipeline-from-commit.js';
import { forkRunnerProcess, type RunnerProcess } from './runner-process.js';
import { formatDiagnostic } from '../ci/index.js';
import type { PipelinePlan } from '../ci/plan.js';
import { allowsFailure, type Job, type Pipeline } from '../engine/model.js';
import { createProgressReporter } from './progress.js';
import { selectJobs } from './select-jobs.js';
import { lastLines } from './log-text.js';
import { leaseBuildsDir, type BuildsDirLease } from './builds-dir-lease.js';

export interface RunOptions {
  dir: string;
  dataDir: string;
  /** Default: the branch checked out in DIR ("main" when detached or not in git). */
  ref?: string;
  isTag: boolean;
  source: string;
  variables: { key: string; value: string }[];
  jobs: string[];
  manual: string[];
  committedOnly: boolean;
  concurrency: number;
  externalRunners: boolean;
  keep: boolean;
  port: number;
  json: boolean;
  verbose: boolean;
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable;
  /** 'auto': docker when a job uses image:/services: and a Docker engine answers, else shell. */
  executor?: 'auto' | 'shell' | 'docker';
  docker?: { image: string; networkMode: 'bridge' | 'host'; pullPolicy: ('always' | 'if-not-present' | 'never')[] };
  /** For tests: resolves when the run should be interrupted as by Ctrl-C. */
  interrupt?: Promise<void>;
}

const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped', 'manual']);

export async function runPipelineLocally(opts: RunOptions): Promise<number> {
  // What the server writes (secret key, database, traces, artifacts, repositories) is owner-only;
  // the built-in runner gets the user's umask back for the jobs' files.
  const userUmask = process.umask(0o077);
  const config = loadServerConfig({ flags: { dataDir: opts.dataDir, host: '127.0.0.1', port: opts.port, longPollSeconds: 30, logLevel: 'silent' }, env: process.env });
  // Local runs: the runner reports (and learns of cancels) every second, not every 30.
  // The UI is served while the pipeline runs when someone can use it: in a terminal (its address
  // is printed at the start, a sign-in link that gives its own user full control), with --keep or
  // with --external-runners. Otherwise (scripts, CI, benchmarks) only what the built-in runner
  // talks to is loaded: about a third of the start-up.
  const serveUi = opts.keep || opts.externalRunners || !!opts.stdout.isTTY;
  // The commit of DIR's tree needs no server: git works on it while the store opens.
  const prepared = prepareDirectoryImport(config.dataDir, { dir: opts.dir, committedOnly: opts.committedOnly, ref: opts.ref });
  const server = await createServer(config, { engine: { traceIntervalIdle: 1, traceIntervalWatched: 1 }, localSignIn: serveUi, runnerOnly: !serveUi });
  // Forked now so that it loads while the snapshot and the pipeline are made (forked any earlier,
  // its loading slows the server's own by as much as it saves).
  let runner: RunnerProcess | null = opts.externalRunners ? null : forkRunnerProcess();
  let runnerFailure: string | null = null;
  runner?.onUnexpectedExit((why) => {
    runnerFailure = why;
    wake();
  });
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    wake();
  };
  let wake: () => void = () => {};
  let lease: BuildsDirLease | null = null;
  try {
    // The snapshot commit needs only the store and the repositories: made while the server starts.
    const project = await server.coordinator.ensureProject(`local/${slug(opts.dir)}`);
    const [url, commit] = await Promise.all([
      server.start(),
      server.importDirectory({ project, dir: opts.dir, committedOnly: opts.committedOnly, ref: opts.ref, prepared }),
    ]);
    let result;
    try {
      result = await server.createPipelineFor({
        project,
        ref: commit.ref,
        isTag: opts.isTag,
        sha: commit.sha,
        source: opts.source,
        commitMessage: commit.message,
        variables: opts.variables,
        transformPlan: opts.jobs.length > 0 ? (plan: PipelinePlan) => selectJobs(plan, opts.jobs) : undefined,
      });
    } catch (error) {
      if (error instanceof ConfigInvalidError) {
        for (const d of error.diagnostics) opts.stderr.write(`${formatDiagnostic(d)}\n`);
        return 2;
      }
      throw error;
    }
    if (!result.detail) {
      const why = result.plan.workflow.created ? 'no jobs for this ref and source' : 'workflow:rules did not create a pipeline';
      if (opts.json) opts.stdout.write(`${JSON.stringify({ pipeline: null, reason: why, jobs: [] })}\n`);
      else opts.stderr.write(`No pipeline: ${why}.\n`);
      return 0;
    }
    const pipelineId = result.detail.pipeline.id;
    const reporter = createProgressReporter({ out: opts.json ? null : opts.stdout, verbose: opts.verbose, readTrace: (id, start) => server.readTrace(id, start) });
    // The UI address now, while the pipeline runs: a link that signs its opener in as admin.
    const uiUrl = serveUi ? server.signInLink(`/pipelines/${pipelineId}`) : undefined;
    reporter.start(result.detail.pipeline, result.detail.jobs, { uiUrl });
    if (opts.json && opts.keep) opts.stderr.write(`UI: ${uiUrl}\n`);

    let pipeline: Pipeline = result.detail.pipeline;
    const jobs = new Map<number, Job>(result.detail.jobs.map((j) => [j.id, j]));
    const played = new Set<number>();
    const unsubscribe = server.coordinator.subscribe((event) => {
      if (event.type === 'pipeline' && event.pipeline.id === pipelineId) pipeline = event.pipeline;
      else if (event.type === 'job' && event.job.pipelineId === pipelineId) {
        jobs.set(event.job.id, event.job);
        if (event.job.status === 'manual' && opts.manual.includes(event.job.name) && !played.has(event.job.id)) {
          played.add(event.job.id);
          void server.coordinator.playJob(event.job.id).catch(() => undefined);
        }
      }
      if (event.type === 'trace' && jobs.has(event.jobId)) reporter.trace(event.jobId, event.length);
      else reporter.update(event);
      // Only a change of this pipeline's status can end the wait (a 1 s re-read backs it up).
      if (event.type === 'pipeline' && event.pipeline.id === pipelineId) wake();
    });
    // Manual jobs already waiting at creation time.
    for (const job of jobs.values()) {
      if (job.status === 'manual' && opts.manual.includes(job.name)) {
        played.add(job.id);
        await server.coordinator.playJob(job.id);
      }
    }

    if (opts.externalRunners) {
      const token = await server.coordinator.resetRegistrationToken();
      opts.stderr.write(
        `Waiting for runners. Register one with:\n  gitlab-runner register --non-interactive --url ${url} --registration-token ${token} --executor shell --description local\n`,
      );
    } else {
      const tags = [...new Set(result.plan.jobs.flatMap((j) => j.tags))];
      const useDocker = await chooseDocker(opts, result.plan);
      const issued = await server.coordinator.createRunner({ description: 'built-in runner (run)', tags, runUntagged: true });
      lease = leaseBuildsDir(`${opts.dataDir}/builds`);
      await runner!.start({
        url,
        token: issued.token,
        concurrency: opts.concurrency,
        // a slot that frees up asks at once, not after the other slots' requests (one job start per round trip)
        requestConcurrency: opts.concurrency,
        buildsDir: `${opts.dataDir}/builds`,
        buildsDirName: lease.name,
        cacheDir: `${opts.dataDir}/cache`,
        // the server's repositories are this user's, on this machine: fetched without HTTP
        localRepos: { url, dir: server.repos.dir },
        // its own server marks a job running as it hands it out: no running ack (a request per job)
        features: { two_phase_job_commit: false },
        ...(useDocker ? { docker: { ...opts.docker, image: opts.docker?.image ?? 'alpine:latest', pullPolicy: opts.docker?.pullPolicy ?? ['if-not-present'], ownerLabels: { [RUN_DIR_LABEL]: runDirId(opts.dataDir) } } } : {}),
      }, userUmask);
    }

    process.on('SIGINT', onSigint);
    opts.interrupt?.then(onSigint);
    let canceledByUser = false;
    for (;;) {
      // The backup re-read is the pipeline row only (the events keep the jobs current): reading
      // every job each second made a long pipeline's run cost O(jobs × seconds).
      const row = await server.coordinator.read.pipelineRow(pipelineId);
      if (row) pipeline = row;
      if (FINISHED.has(pipeline.status)) {
        const latest = await server.coordinator.read.pipeline(pipelineId);
        if (latest) {
          pipeline = latest.pipeline;
          for (const j of latest.jobs) jobs.set(j.id, j);
        }
        break;
      }
      if (runnerFailure) {
        // Nothing is left to run or to report the running jobs: cancel what remains and stop.
        opts.stderr.write(`${runnerFailure}; canceling the pipeline.\n`);
        await server.coordinator.cancelPipeline(pipelineId);
        runner = null;
        return 1;
      }
      if (interrupted && !canceledByUser) {
        canceledByUser = true;
        await server.coordinator.cancelPipeline(pipelineId);
        // Stop our own runner now: it kills its jobs' process groups and reports them, which
        // finishes the canceling jobs as canceled.
        if (runner) await runner.stop({ abort: true });
        runner = null;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // With --keep the built-in runner stays: a job retried or played from the UI runs to its end.
    const keeping = opts.keep && !canceledByUser;
    if (!keeping) unsubscribe();
    if (runner && !keeping) {
      await runner.stop({ abort: canceledByUser });
      runner = null;
    }

    const finalJobs = [...jobs.values()].filter((j) => !j.retried).sort((a, b) => a.stageIndex - b.stageIndex || a.id - b.id);
    reporter.finish(pipeline, finalJobs, { interrupted: canceledByUser });
    if (opts.json) {
      opts.stdout.write(`${JSON.stringify(summaryJson(pipeline, finalJobs))}\n`);
    } else if (!canceledByUser) {
      // Canceled by Ctrl-C: the jobs did not fail, their logs are not the news.
      for (const job of finalJobs.filter((j) => j.status === 'failed' && !allowsFailure(j))) {
        const text = (await server.readTrace(job.id, 0)).toString('utf8');
        opts.stdout.write(`\n--- last lines of ${job.name} ---\n${lastLines(text, 30)}\n`);
      }
    }
    let verdict = pipeline.status;
    if (keeping) {
      reporter.follow();
      opts.stderr.write(`Serving the UI and API at ${url} — press Ctrl-C to stop.\n  Sign in to act on this run (the link works once): ${server.signInLink(`/pipelines/${pipelineId}`)}\n`);
      await new Promise<void>((resolve) => {
        wake = () => {
          if (interrupted || runnerFailure) resolve();
        };
        wake();
      });
      unsubscribe();
      if (runnerFailure) opts.stderr.write(`${runnerFailure}.\n`);
      // The verdict is the pipeline's last state (a job retried from the UI may have passed);
      // what still runs at Ctrl-C is canceled, as during the run.
      const latest = await server.coordinator.read.pipeline(pipelineId);
      verdict = latest?.pipeline.status ?? verdict;
      if (!FINISHED.has(verdict)) {
        await server.coordinator.cancelPipeline(pipelineId);
        if (runner) await runner.stop({ abort: true });
        runner = null;
        verdict = 'canceled';
      }
    }
    if (canceledByUser) return 130;
    return verdict === 'success' || verdict === 'manual' || verdict === 'skipped' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    if (runner) await runner.stop({ abort: true }).catch(() => undefined);
    lease?.release();
    await server.close();
    process.umask(userUmask);
  }
}

/** Marks the containers of `run`s on one data directory: the next run there removes what a crash left. */
export const RUN_DIR_LABEL = 'gitlab-ci-dispatcher.run-dir';
export const runDirId = (dataDir: string) => createHash('sha256').update(dataDir).digest('hex').slice(0, 16);

/** The executor of `run`: asked for, or docker when jobs use images and an engine answers. */
async function chooseDocker(opts: RunOptions, plan: PipelinePlan): Promise<boolean> {
  const mode = opts.executor ?? 'auto';
  if (mode === 'shell') return false;
  if (mode === 'auto' && !plan.jobs.some((j) => j.image || j.services.length)) return false;
  // The Docker client (and its gRPC/protobuf dependencies) only for pipelines that may use it.
  const { dockerApi, defaultSocketPath } = await import('../runner/index.js');
  try {
    await dockerApi({ timeoutMs: 3000 }).ping();
    return true;
  } catch (e) {
    if (mode === 'docker') throw new Error(`--executor docker: no Docker engine answers at ${defaultSocketPath()} (${(e as Error).message})`, { cause: e });
    opts.stderr.write(
      `warning: no Docker engine answers at ${defaultSocketPath()} (${(e as Error).message}): jobs run on this machine's shell and their image:/services: are ignored\n`,
    );
    return false;
  }
}

function summaryJson(pipeline: Pipeline, jobs: Job[]) {
  const seconds = (a: string | null, b: string | null) => (a && b ? (Date.parse(b) - Date.parse(a)) / 1000 : null);
  return {
    pipeline: { id: pipeline.id, status: pipeline.status, duration: seconds(pipeline.startedAt ?? pipeline.createdAt, pipeline.finishedAt) },
    jobs: jobs.map((j) => ({
      name: j.name,
      stage: j.stage,
      status: j.status,
      allow_failure: allowsFailure(j),
      exit_code: j.exitCode,
      failure_reason: j.failureReason,
      duration: seconds(j.startedAt, j.finishedAt),
    })),
  };
}

function slug(dir: string): string {
  const base = dir.split('/').filter(Boolean).pop() ?? 'project';
  return base.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'project';
}
