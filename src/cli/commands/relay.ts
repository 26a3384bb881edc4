// `relay`: a runner to an upstream GitLab (or gitlab-ci-dispatcher) that runs every job in a
// fresh environment (src/relay/README.md).
//
//   relay [run] --upstream-url URL --upstream-token glrt-… [--listen HOST:PORT] [--max-jobs N]
//               [--launcher process|command|docker] [--launch-command CMD] [--launch-image IMAGE]
//               [--launch-timeout S] [--shutdown-timeout S] [--data-dir D] [--config F] …
//   relay register --upstream-url URL (--registration-token T [--tag-list a,b] [--run-untagged=false] | --token glrt-…) [--config F]
//   relay status [--listen HOST:PORT] [--data-dir D] [--json]
//
// Every run option also comes from GCD_RELAY_<NAME> and from the "relay" key of the config file
// (flags > environment > file > defaults). SIGTERM/SIGINT: no new jobs; running ones get
// --shutdown-timeout, then they are failed upstream and their environments torn down; exit 0.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { RegisterCommand } from './types.js';
import { defaultRelayConfigPath, kebab, loadRelayConfig, parseListen, readRelayConfigFile, type RelayConfig } from '../../relay/config.js';
import { runnerInfo } from '../../runner/network/runner-info.js';
import { systemId as machineSystemId } from '../../runner/system-id.js';

const positive = (v: string) => {
  const n = Number(v);
  if (!(n >= 0) || !Number.isFinite(n)) throw new Error(`expected a number, got "${v}"`);
  return n;
};
const bool = (v: string | boolean | undefined) => (v === undefined || v === true ? true : !['false', '0', 'no'].includes(String(v).toLowerCase()));

/**
 * argv that starts this same CLI: the entry point this process runs (src/cli/main.ts under tsx in
 * development, dist/bundle/main.js or dist/cli/main.js once built).
 */
const cliArgv = () => [process.execPath, ...process.execArgv, process.argv[1] ?? fileURLToPath(new URL('../main.js', import.meta.url))];

const RUN_FLAGS: [keyof RelayConfig, string, ((v: string) => unknown)?][] = [
  ['upstreamUrl', 'upstream GitLab URL, e.g. https://gitlab.example.com'],
  ['upstreamToken', 'runner authentication token (glrt-… or what `relay register` saved)'],
  ['listen', 'host:port of the inner runner API, /metrics and /-/health (default 127.0.0.1:8093)'],
  ['advertiseUrl', 'URL the launched runners reach the relay at (RELAY_URL; default http://<listen>)'],
  ['launcher', 'process (built-in runner, default), command or docker'],
  ['launchCommand', 'command launcher: run under /bin/sh -c with RELAY_URL, RELAY_TOKEN, RELAY_JOB_ID…'],
  ['launchImage', 'docker launcher: image whose entrypoint runs a runner against $RELAY_URL with $RELAY_TOKEN'],
  ['launchTimeout', 'seconds for the launched runner to pick the job up (default 300)', positive],
  ['shutdownTimeout', 'seconds running jobs get after SIGTERM (default 3600)', positive],
  ['maxJobs', 'jobs at the same time (default 1)', positive],
  ['maxLoad', 'take no job while the 1-minute load average is above this', positive],
  ['minFreeMemoryMb', 'take no job while free memory is below this', positive],
  ['dataDir', 'state file and job directories (default ~/.gitlab-ci-dispatcher/relay)'],
  ['pollInterval', 'pause after an empty poll, ms (default 3000)', positive],
  ['runnerExecutor', 'command/docker launchers: the executor announced upstream (default shell)'],
  ['runnerShell', 'command/docker launchers: the shell announced upstream (default bash)'],
  ['systemId', 'system_id sent upstream (default derived from the machine id)'],
];

function relayId(dataDir: string): string {
  return createHash('sha256').update(`${os.hostname()}:${path.resolve(dataDir)}`).digest('hex').slice(0, 10);
}

function infoFor(cfg: RelayConfig) {
  return cfg.launcher === 'process' ? runnerInfo() : runnerInfo({ executor: cfg.runnerExecutor, shell: cfg.runnerShell });
}

export const registerRelayCommand: RegisterCommand = (program: Command, setExit) => {
  const relay = program
    .command('relay')
    .description('take jobs from an upstream GitLab and run each in a fresh VM, container or process')
    .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher relay register --upstream-url https://gitlab.example.com --token glrt-xxxx\n  $ gitlab-ci-dispatcher relay --launcher docker --launch-image my-runner-image\n  $ gitlab-ci-dispatcher relay status\n');

  const run = relay.command('run', { isDefault: true }).description('poll the upstream and run every job in its own environment until SIGTERM/SIGINT')
    .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher relay run --upstream-url https://gitlab.example.com --upstream-token glrt-xxxx --listen 127.0.0.1:8093\n  $ gitlab-ci-dispatcher relay run --launcher command --launch-command ./start-vm.sh\n');
  for (const [key, help, parse] of RUN_FLAGS) {
    if (parse) run.option(`--${kebab(key)} <value>`, help, parse);
    else run.option(`--${kebab(key)} <value>`, help);
  }
  run
    .option('--proxy-git [bool]', 'rewrite the repo URL to clone through the relay (isolated networks)', bool)
    .option('--proxy-artifacts [bool]', 'bring artifact redirects to the upstream back through the relay', bool)
    .option('--config <file>', 'JSON config file with a "relay" key (default $GCD_RELAY_CONFIG or ~/.gitlab-ci-dispatcher/relay.json)')
    .option('--debug', 'log every request and the environments\' output')
    .addHelpText(
      'after',
      '\nExample (a container per job, official gitlab-runner inside):\n  $ gitlab-ci-dispatcher relay --upstream-url https://gitlab.example.com --upstream-token glrt-… \\\n      --launcher docker --launch-image my/gitlab-runner-single --max-jobs 4\n',
    )
    .action(async (opts: Record<string, unknown>) => {
      const { createRelay, consoleRelayLogger, processLauncher, commandLauncher, dockerLauncher } = await import('../../relay/index.js');
      let relayRef: { stop(): Promise<void> } | null = null;
      const onSignal = () => void relayRef?.stop();
      try {
        const file = readRelayConfigFile(String(opts.config ?? defaultRelayConfigPath()));
        const flags: Record<string, unknown> = {};
        for (const [key] of RUN_FLAGS) flags[key] = opts[key];
        flags.proxyGit = opts.proxyGit;
        flags.proxyArtifacts = opts.proxyArtifacts;
        flags.debug = opts.debug;
        const cfg = loadRelayConfig({ flags, env: process.env, file });
        const logger = consoleRelayLogger({ verbose: cfg.debug });
        let launcher;
        if (cfg.launcher === 'process') launcher = processLauncher({ runnerArgv: cliArgv(), cacheDir: path.join(cfg.dataDir, 'cache'), pollIntervalMs: 500 });
        else if (cfg.launcher === 'command') launcher = commandLauncher({ command: cfg.launchCommand! });
        else {
          const { dockerApi } = await import('../../runner/docker/docker-api.js');
          const engine = dockerApi();
          await engine.ping();
          launcher = dockerLauncher({ engine, image: cfg.launchImage!, relayId: relayId(cfg.dataDir) });
        }
        const { overloaded } = await import('../../runner/system-load.js');
        const limits = { maxLoad: cfg.maxLoad ?? undefined, minFreeMemoryBytes: cfg.minFreeMemoryMb === null ? undefined : cfg.minFreeMemoryMb * 1024 * 1024 };
        const r = createRelay({ config: cfg, launcher, info: infoFor(cfg), systemId: cfg.systemId ?? machineSystemId(), logger, overloaded: () => overloaded(limits) });
        relayRef = r;
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
        const url = await r.start();
        process.stdout.write(`gitlab-ci-dispatcher relay listening on ${url} (upstream ${cfg.upstreamUrl}, launcher ${cfg.launcher}, max jobs ${cfg.maxJobs})\n`);
        await r.done;
        setExit(0);
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        await relayRef?.stop().catch(() => undefined);
        setExit(1);
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    });

  relay
    .command('register')
    .description('register the relay as a runner upstream (registration token) or verify a glrt- token, and save it in the config file')
    .requiredOption('--upstream-url <url>', 'upstream GitLab URL')
    .option('--registration-token <token>', 'registration token (POST /runners)')
    .option('--token <token>', 'runner authentication token (glrt-…) created upstream: verify it instead')
    .option('--tag-list <tags>', 'comma-separated tags', '')
    .option('--run-untagged [bool]', 'also take untagged jobs (default: true without tags)', bool)
    .option('--description <text>', 'runner description', 'gitlab-ci-dispatcher relay')
    .option('--launcher <kind>', 'process, command or docker: decides the runner info sent upstream', 'process')
    .option('--config <file>', 'config file to save upstreamUrl/upstreamToken in')
    .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher relay register --upstream-url https://gitlab.example.com --registration-token GR1348941xxxx --tag-list vm,linux\n  $ gitlab-ci-dispatcher relay register --upstream-url https://gitlab.example.com --token glrt-xxxx\n')
    .action(async (opts: Record<string, unknown>) => {
      try {
        const token = (opts.token ?? opts.registrationToken) as string | undefined;
        if (!token) throw new Error('one of --registration-token or --token is required');
        const { registerRelay } = await import('../../relay/index.js');
        const upstreamUrl = String(opts.upstreamUrl);
        if (!/^https?:\/\/[^/]/.test(upstreamUrl)) throw new Error(`--upstream-url must be an http(s) URL`);
        const sysId = machineSystemId();
        const reg = await registerRelay({
          upstreamUrl,
          token,
          info: opts.launcher === 'process' ? runnerInfo() : runnerInfo({ executor: 'shell', shell: 'bash' }),
          systemId: sysId,
          description: String(opts.description ?? ''),
          tags: String(opts.tagList ?? '').split(',').map((t) => t.trim()).filter(Boolean),
          runUntagged: opts.runUntagged as boolean | undefined,
        });
        const file = path.resolve(String(opts.config ?? defaultRelayConfigPath()));
        saveRelayKeys(file, { upstreamUrl, upstreamToken: reg.token, systemId: sysId });
        process.stderr.write(`Relay registered upstream (runner id ${reg.id}, ${reg.flow === 'verify' ? 'token verified' : 'new runner'}). Saved in ${file}\n`);
        setExit(0);
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        setExit(1);
      }
    });

  relay
    .command('status')
    .description('list the jobs a relay runs now (asks the running relay, else reads its state file)')
    .option('--listen <addr>', 'the relay\'s listen address (default: from the config, else 127.0.0.1:8093)')
    .option('--data-dir <dir>', 'the relay\'s data directory (for its state file)')
    .option('--config <file>', 'config file with a "relay" key')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher relay status\n  $ gitlab-ci-dispatcher relay status --listen 127.0.0.1:8093 --json\n')
    .action(async (opts: Record<string, unknown>) => {
      try {
        const file = readRelayConfigFile(String(opts.config ?? defaultRelayConfigPath()));
        const env = (k: string) => process.env[`GCD_RELAY_${k}`];
        const listen = String(opts.listen ?? env('LISTEN') ?? file.listen ?? '127.0.0.1:8093');
        const dataDir = String(opts.dataDir ?? env('DATA_DIR') ?? file.dataDir ?? path.join(os.homedir(), '.gitlab-ci-dispatcher', 'relay'));
        const { host, port } = parseListen(listen);
        const h = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
        let status: { source: string; jobs: { jobId: number; name: string; state: string; environment: string | null; ageSeconds?: number }[] };
        try {
          const res = await fetch(`http://${h}:${port}/-/status`, { signal: AbortSignal.timeout(3000) });
          if (!res.ok) throw new Error(String(res.status));
          status = { source: `relay at ${h}:${port}`, ...((await res.json()) as { jobs: never[] }) };
        } catch {
          const { readStateFile } = await import('../../relay/index.js');
          const st = readStateFile(dataDir);
          if (!st) throw new Error(`no relay answers on ${listen} and there is no state file in ${dataDir}`);
          const now = Date.now();
          status = {
            source: `state file of pid ${st.pid} (not answering), ${st.updatedAt}`,
            jobs: st.jobs.map((j) => ({ jobId: j.jobId, name: j.name, state: j.handedOut ? 'running' : 'waiting', environment: j.env ? JSON.stringify(j.env) : null, ageSeconds: Math.round((now - j.times.receivedAt) / 1000) })),
          };
        }
        if (opts.json) process.stdout.write(JSON.stringify(status, null, 2) + '\n');
        else {
          process.stdout.write(`${status.source}: ${status.jobs.length} job(s)\n`);
          for (const j of status.jobs) process.stdout.write(`  job ${j.jobId}  ${j.name}  ${j.state}  ${j.environment ?? '-'}  ${j.ageSeconds ?? '?'}s\n`);
        }
        setExit(0);
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        setExit(1);
      }
    });
};

/** Adds keys to the "relay" object of a JSON config file (mode 0600: it holds the token). */
function saveRelayKeys(file: string, keys: Record<string, string>): void {
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
  }
  doc.relay = { ...((doc.relay as object) ?? {}), ...keys };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
