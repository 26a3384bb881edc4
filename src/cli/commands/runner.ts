// `runner register` and `runner run`: the built-in runner as a standalone process, like
// `gitlab-runner register` / `gitlab-runner run`, against this dispatcher or GitLab itself.
//
//   runner register --url URL --registration-token T [--tag-list a,b] [--run-untagged=false]
//                   [--description D] [--config F]          (POST /runners)
//   runner register --url URL --token glrt-… [--config F]    (POST /runners/verify)
//   … [--executor shell|docker --docker-image IMAGE [--docker-network-mode bridge|host]
//      [--docker-pull-policy P[,P]] [--docker-allowed-pull-policies P[,P]]]
//   runner run [--config F] [--url URL --token T] [--concurrent N] [--builds-dir D]
//              [--cache-dir D] [--listen ADDR] [--max-load L] [--min-free-memory-mb M]
//
// Signals while running: the first SIGTERM/SIGINT stops requesting jobs and lets running
// jobs finish, then exits; a second one aborts the running jobs (reported
// runner_system_failure) and exits. A 403 on the runner token stops the runner with a message
// and exit status 1. The config file format is documented in src/runner/config-file.ts.
import path from 'node:path';
import type { Command } from 'commander';
import type { RegisterCommand } from './types.js';
import type { Runner } from '../../runner/index.js';
import { defaultConfigPath, dockerOptionsOf, readConfigFile, upsertRunner, validateConfig, writeConfigFile, type RunnerEntry } from '../../runner/config-file.js';
import type { MetricsServer } from '../../runner/metrics.js';
import { systemId } from '../../runner/system-id.js';

const parseBool = (v: string | boolean | undefined): boolean => {
  if (v === undefined || v === true) return true;
  if (v === false) return false;
  const s = String(v).toLowerCase();
  if (['true', '1', 'yes'].includes(s)) return true;
  if (['false', '0', 'no'].includes(s)) return false;
  throw new Error(`expected true or false, got "${v}"`);
};
const policyList = (v: string) => v.split(',').map((p) => p.trim()).filter(Boolean);
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got "${v}"`);
  return n;
};
const positiveNumber = (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new Error(`expected a positive number, got "${v}"`);
  return n;
};

export const registerRunnerCommand: RegisterCommand = (program: Command, setExit) => {
  const runner = program.command('runner').description('the built-in runner (shell or docker executor): register it, run it').addHelpText('after', '\nExample:\n  $ gitlab-ci-dispatcher runner register --url http://127.0.0.1:8080 --registration-token <token>\n  $ gitlab-ci-dispatcher runner run\n');

  runner
    .command('register')
    .description('register a runner with a registration token (or verify a glrt- token) and save it in the config file')
    .requiredOption('--url <url>', 'coordinator URL, e.g. http://127.0.0.1:8080')
    .option('--registration-token <token>', 'registration token (POST /runners)')
    .option('--token <token>', 'runner authentication token (glrt-…) created on the server: verify it instead')
    .option('--tag-list <tags>', 'comma-separated tags', '')
    .option('--run-untagged [bool]', 'also take untagged jobs (default: true without tags, false with tags)', parseBool)
    .option('--description <text>', 'runner description', '')
    .option('--locked [bool]', 'lock the runner to its project', parseBool)
    .option('--paused [bool]', 'register paused', parseBool)
    .option('--config <file>', 'runner config file', defaultConfigPath())
    .option('--executor <name>', 'shell (default) or docker')
    .option('--docker-image <image>', 'docker executor: the image of jobs without image: (required with --executor docker)')
    .option('--docker-network-mode <mode>', 'docker executor: bridge (a network per job, default) or host')
    .option('--docker-pull-policy <policies>', 'docker executor: always (default), if-not-present, never; comma-separated to try in order', policyList)
    .option('--docker-allowed-pull-policies <policies>', 'docker executor: the policies image:pull_policy may ask for (default: the pull policy)', policyList)
    .option('--docker-wait-for-services-timeout <seconds>', 'docker executor: how long to wait for services (default 30)', Number)
    .addHelpText(
      'after',
      '\nExamples:\n  $ gitlab-ci-dispatcher runner register --url http://127.0.0.1:8080 --registration-token <token> --tag-list linux,docker\n' +
        '  $ gitlab-ci-dispatcher runner register --url http://127.0.0.1:8080 --token glrt-… --executor docker --docker-image alpine:3.20\n',
    )
    .action(async (opts: Record<string, unknown>) => {
      try {
        const url = String(opts.url);
        const executor = (opts.executor as string | undefined) ?? 'shell';
        if (executor !== 'shell' && executor !== 'docker') throw new Error(`--executor must be shell or docker, got "${executor}"`);
        if (executor === 'docker' && !opts.dockerImage) throw new Error('--executor docker needs --docker-image (the image of jobs without image:)');
        const docker =
          executor === 'docker'
            ? {
                image: opts.dockerImage as string,
                ...(opts.dockerNetworkMode !== undefined ? { network_mode: opts.dockerNetworkMode as 'bridge' | 'host' } : {}),
                ...(opts.dockerPullPolicy !== undefined ? { pull_policy: opts.dockerPullPolicy as never } : {}),
                ...(opts.dockerAllowedPullPolicies !== undefined ? { allowed_pull_policies: opts.dockerAllowedPullPolicies as never } : {}),
                ...(opts.dockerWaitForServicesTimeout !== undefined ? { wait_for_services_timeout: opts.dockerWaitForServicesTimeout as number } : {}),
              }
            : undefined;
        // the same checks as when the file is read back, before anything is registered
        validateConfig({ runners: [{ url, token: 'x', executor, ...(docker ? { docker } : {}) }] }, 'options');
        const token = (opts.token ?? opts.registrationToken) as string | undefined;
        if (!token) throw new Error('one of --registration-token or --token is required');
        const tags = String(opts.tagList ?? '').split(',').map((t) => t.trim()).filter(Boolean);
        const sysId = systemId();
        const { registerRunner, verifyRunner } = await import('../../runner/index.js');
        const reg =
          opts.token !== undefined
            ? await verifyRunner({ url, token, systemId: sysId })
            : await registerRunner({
                url,
                registrationToken: token,
                description: String(opts.description ?? ''),
                tags,
                runUntagged: opts.runUntagged as boolean | undefined,
                locked: opts.locked as boolean | undefined,
                paused: opts.paused as boolean | undefined,
                systemId: sysId,
              });
        const file = path.resolve(String(opts.config));
        const config = await readConfigFile(file);
        const entry: RunnerEntry = {
          name: String(opts.description || '') || `runner-${reg.id}`,
          url,
          id: reg.id,
          token: reg.token,
          token_expires_at: reg.token_expires_at,
          system_id: sysId,
          ...(executor === 'docker' ? { executor, docker } : {}),
        };
        await writeConfigFile(file, upsertRunner(config, entry));
        process.stderr.write(`Runner registered successfully (id ${reg.id}). Saved in ${file}\n`);
        setExit(0);
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        setExit(1);
      }
    });

  runner
    .command('run')
    .description('poll the coordinator and run jobs (shell or docker executor, per the config) until SIGTERM/SIGINT')
    .option('--config <file>', 'runner config file', defaultConfigPath())
    .option('--url <url>', 'coordinator URL (with --token: run without a config file)')
    .option('--token <token>', 'runner authentication token')
    .option('--concurrent <n>', 'jobs at the same time', positiveInt)
    .option('--builds-dir <dir>', 'where jobs run (default ./builds)')
    .option('--cache-dir <dir>', 'local cache (default ./cache)')
    .option('--listen <addr>', '[host:]port for /metrics and /health')
    .option('--max-load <load>', 'refuse new jobs while the 1-minute load average is above this', positiveNumber)
    .option('--min-free-memory-mb <mb>', 'refuse new jobs while free memory is below this', positiveNumber)
    .option('--poll-interval <ms>', 'pause after an empty poll, in ms', positiveInt)
    .option('--debug', 'log every request')
    .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher runner run                      # the runners of the config file\n  $ gitlab-ci-dispatcher runner run --url http://127.0.0.1:8080 --token glrt-… --concurrent 4 --listen 127.0.0.1:9252\n')
    .action(async (opts: Record<string, unknown>) => {
      const { createRunner, consoleLogger } = await import('../../runner/index.js');
      const logger = consoleLogger({ verbose: Boolean(opts.debug) });
      let metrics: MetricsServer | null = null;
      let runners: { name: string; runner: Runner }[] = [];
      const onSignal = (sig: string) => {
        const abort = runners.some(({ runner: r }) => r.state === 'stopping');
        logger.info(abort ? `${sig} again: aborting running jobs` : `${sig}: finishing running jobs, no new jobs (send again to abort)`);
        for (const { runner: r } of runners) void r.stop({ abort });
      };
      const onTerm = () => onSignal('SIGTERM');
      const onInt = () => onSignal('SIGINT');
      try {
        const config = await readConfigFile(path.resolve(String(opts.config)));
        let entries: RunnerEntry[] = config.runners;
        if (opts.url || opts.token) {
          if (!opts.url || !opts.token) throw new Error('--url and --token go together');
          entries = [{ url: String(opts.url), token: String(opts.token), name: 'runner' }];
        }
        if (!entries.length) throw new Error(`no runner configured: run "runner register" first, or pass --url and --token (config: ${opts.config})`);
        const concurrent = (opts.concurrent as number | undefined) ?? config.concurrent ?? 1;
        runners = entries.map((e, i) => ({
          name: e.name || `runner-${e.id ?? i}`,
          runner: createRunner({
            url: e.url,
            token: e.token,
            description: e.name,
            concurrency: e.limit ?? concurrent,
            requestConcurrency: e.request_concurrency,
            buildsDir: (opts.buildsDir as string | undefined) ?? e.builds_dir ?? 'builds',
            cacheDir: (opts.cacheDir as string | undefined) ?? e.cache_dir ?? 'cache',
            systemId: e.system_id,
            environment: e.environment,
            docker: dockerOptionsOf(e),
            pollIntervalMs: opts.pollInterval as number | undefined,
            limits: {
              maxLoad: (opts.maxLoad as number | undefined) ?? e.max_load,
              minFreeMemoryBytes: ((opts.minFreeMemoryMb as number | undefined) ?? e.min_free_memory_mb ?? 0) * 1024 * 1024 || undefined,
            },
            logger,
          }),
        }));
        const listen = (opts.listen as string | undefined) ?? config.listen;
        if (listen) {
          const { startMetricsServer } = await import('../../runner/metrics.js');
          metrics = await startMetricsServer(listen, runners);
          logger.info(`metrics and health on ${metrics.url}/metrics ${metrics.url}/health`);
        }
        process.on('SIGTERM', onTerm);
        process.on('SIGINT', onInt);
        for (const { name, runner: r } of runners) {
          r.start();
          logger.info(`runner "${name}" started`);
        }
        await Promise.all(runners.map(({ runner: r }) => r.done));
        const forbidden = runners.filter(({ runner: r }) => r.state === 'forbidden');
        for (const { name, runner: r } of forbidden) process.stderr.write(`error: runner "${name}": ${r.stoppedReason}\n`);
        setExit(forbidden.length ? 1 : 0);
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        for (const { runner: r } of runners) await r.stop({ abort: true });
        setExit(1);
      } finally {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        await metrics?.close();
      }
    });
};
