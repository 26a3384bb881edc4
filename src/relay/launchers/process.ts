// `--launcher process`: our built-in runner (`runner run`) as a child process for one job, in its
// own process group. Its config file (the one-time token, builds and cache dirs under the job's
// directory) is written with mode 0600, so the token is never on a command line. The CLI passes
// `runnerArgv`: how to start this same program (node + loader flags + main script).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Launcher } from './types.js';
import { adoptGroup, spawnGroup } from './process-tree.js';
import { relayEnv } from './command.js';

export interface ProcessLauncherOptions {
  /** argv that runs the CLI, e.g. [process.execPath, ...process.execArgv, '/…/cli/main.js']. */
  runnerArgv: string[];
  /** Shared cache directory of the jobs. */
  cacheDir: string;
  pollIntervalMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Working directory (loader flags such as --import tsx resolve from it). Default: the relay's. */
  cwd?: string;
}

export function processLauncher(opts: ProcessLauncherOptions): Launcher {
  return {
    kind: 'process',
    // the built-in runner keeps polling after its job: stop it (gracefully) at once
    exitGraceMs: 0,
    async launch(ctx) {
      const config = path.join(ctx.jobDir, 'runner.json');
      const entry = { name: `relay-job-${ctx.jobId}`, url: ctx.relayUrl, token: ctx.token, builds_dir: path.join(ctx.jobDir, 'builds'), cache_dir: opts.cacheDir };
      await writeFile(config, JSON.stringify({ runners: [entry] }, null, 2), { mode: 0o600 });
      const argv = [...opts.runnerArgv, 'runner', 'run', '--config', config, '--poll-interval', String(opts.pollIntervalMs ?? 1000)];
      return spawnGroup(argv, { env: { ...(opts.env ?? process.env), ...relayEnv(ctx), GCD_RUNNER_CONFIG: config }, cwd: opts.cwd ?? process.cwd(), logFile: ctx.logFile });
    },
    async adopt(ref) {
      return ref.kind === 'process' ? adoptGroup(ref.pid, ref.startTime) : null;
    },
  };
}
