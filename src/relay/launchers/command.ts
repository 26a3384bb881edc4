// `--launcher command`: runs --launch-command under /bin/sh -c, in its own process group, with
// RELAY_URL, RELAY_TOKEN, RELAY_JOB_ID, RELAY_JOB_NAME, RELAY_JOB_IMAGE, RELAY_JOB_TAGS and
// RELAY_JOB_DIR in its environment. The command starts the environment (a qemu VM, a container,
// a process) and a runner in it, e.g.
//   gitlab-runner run-single --url "$RELAY_URL" --token "$RELAY_TOKEN" --executor shell --max-builds 1
// It is stopped (SIGTERM to the group, SIGKILL after the grace) when the job is over.
import type { Launcher, LaunchContext } from './types.js';
import { adoptGroup, spawnGroup } from './process-tree.js';

export function relayEnv(ctx: LaunchContext): Record<string, string> {
  return {
    RELAY_URL: ctx.relayUrl,
    RELAY_TOKEN: ctx.token,
    RELAY_JOB_ID: String(ctx.jobId),
    RELAY_JOB_NAME: ctx.jobName,
    RELAY_JOB_IMAGE: ctx.image,
    RELAY_JOB_TAGS: ctx.tags.join(','),
    RELAY_JOB_DIR: ctx.jobDir,
  };
}

export function commandLauncher(opts: { command: string; env?: NodeJS.ProcessEnv }): Launcher {
  return {
    kind: 'command',
    async launch(ctx) {
      return spawnGroup(['/bin/sh', '-c', opts.command], { env: { ...(opts.env ?? process.env), ...relayEnv(ctx) }, cwd: ctx.jobDir, logFile: ctx.logFile });
    },
    async adopt(ref) {
      return ref.kind === 'process' ? adoptGroup(ref.pid, ref.startTime) : null;
    },
  };
}
