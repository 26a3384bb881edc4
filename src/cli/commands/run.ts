// `gitlab-ci-dispatcher run [DIR]`: the main job. Starts the server on 127.0.0.1 (free port),
// snapshots DIR as one commit, creates the pipeline, runs built-in runner workers, reports
// progress and exits 0 (success), 1 (failed/canceled), 2 (configuration error) or 130 (Ctrl-C).
//
// States: starting -> running (until the pipeline is finished or blocked on a manual job)
//         -> stopping (runner drained, server closed) -> exit. SIGINT in `running` cancels the
//         pipeline, waits for its jobs to stop, prints the summary and exits 130.
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { RegisterCommand } from './types.js';
import { collect, parseKeyValues } from '../args.js';
import type { RunOptions } from '../run-pipeline.js';

export const registerRun: RegisterCommand = (program: Command, setExit) => {
  program
    .command('run')
    .description('run the pipeline of DIR (default: current directory) with the built-in runner')
    .argument('[dir]', 'project directory', '.')
    .option('--ref <ref>', 'branch or tag name the pipeline runs for (default: the current branch)')
    .option('--tag', 'the ref is a tag')
    .option('--source <source>', 'CI_PIPELINE_SOURCE (push, web, api, schedule, merge_request_event…)', 'push')
    .option('--variable <K=V>', 'pipeline variable (repeatable)', collect, [])
    .option('--job <name>', 'run only this job and what it needs (repeatable)', collect, [])
    .option('--manual <name>', 'play this manual job when it becomes playable (repeatable)', collect, [])
    .option('--committed', 'run HEAD as committed (ignore uncommitted and untracked files)')
    .option('--concurrency <n>', 'built-in runner workers (twice the CPU count by default: jobs spend much of their time waiting on git, the network or their processes)', String(2 * availableParallelism()))
    .option('--data <dir>', 'state directory (default: DIR/.gitlab-ci-dispatcher)')
    .option('--external-runners', 'start no built-in runner; print how to register a gitlab-runner')
    .option('--keep', 'keep serving the UI and API after the pipeline ends')
    .option('--port <port>', 'port to listen on (default: a free port)')
    .option('--json', 'print one JSON summary object on stdout at the end')
    .option('--verbose', 'stream every job log, prefixed with the job name')
    .option('--executor <name>', 'shell or docker (default: docker when the pipeline uses image:/services: and a Docker engine answers)')
    .option('--docker-image <image>', 'docker executor: the image of jobs without image:', 'alpine:latest')
    .option('--docker-network-mode <mode>', 'docker executor: bridge (a network per job) or host', 'bridge')
    .option('--docker-pull-policy <policies>', 'docker executor: if-not-present (default), always, never; comma-separated to try in order', 'if-not-present')
    .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher run examples/basic --variable DEPLOY_ENV=staging\n  $ gitlab-ci-dispatcher run --keep          # then open the printed UI link: retry, play, cancel\n  $ gitlab-ci-dispatcher run --job test --verbose\n')
    .action(async (dir: string, opts: Record<string, unknown>) => {
      const root = path.resolve(dir);
      if (!existsSync(root)) {
        process.stderr.write(`error: ${root} does not exist\n`);
        setExit(2);
        return;
      }
      const variables = parseKeyValues(opts.variable as string[]);
      const executor = (opts.executor as string | undefined) ?? 'auto';
      const networkMode = String(opts.dockerNetworkMode);
      const pullPolicy = String(opts.dockerPullPolicy).split(',').map((p) => p.trim()).filter(Boolean);
      const bad =
        !['auto', 'shell', 'docker'].includes(executor) ? `--executor must be shell or docker, got "${executor}"`
        : !['bridge', 'host'].includes(networkMode) ? `--docker-network-mode must be bridge or host, got "${networkMode}"`
        : !pullPolicy.length || pullPolicy.some((p) => !['always', 'if-not-present', 'never'].includes(p)) ? `--docker-pull-policy must be always, if-not-present or never, got "${String(opts.dockerPullPolicy)}"`
        : null;
      if (bad) {
        process.stderr.write(`error: ${bad}\n`);
        setExit(2);
        return;
      }
      const port = opts.port === undefined ? 0 : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(`error: --port must be a port number (0-65535), got "${String(opts.port)}"\n`);
        setExit(2);
        return;
      }
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency expects a positive integer');
      const options: RunOptions = {
        dir: root,
        dataDir: path.resolve((opts.data as string | undefined) ?? path.join(root, '.gitlab-ci-dispatcher')),
        ref: opts.ref as string | undefined,
        isTag: Boolean(opts.tag),
        source: String(opts.source),
        variables,
        jobs: opts.job as string[],
        manual: opts.manual as string[],
        committedOnly: Boolean(opts.committed),
        concurrency,
        externalRunners: Boolean(opts.externalRunners),
        keep: Boolean(opts.keep),
        port,
        json: Boolean(opts.json),
        verbose: Boolean(opts.verbose),
        executor: executor as RunOptions['executor'],
        docker: { image: String(opts.dockerImage), networkMode: networkMode as 'bridge' | 'host', pullPolicy: pullPolicy as ('always' | 'if-not-present' | 'never')[] },
        stdout: process.stdout,
        stderr: process.stderr,
      };
      const { runPipelineLocally } = await import('../run-pipeline.js');
      setExit(await runPipelineLocally(options));
    });
};
