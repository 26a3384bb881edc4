// Runs one command in its own process group (spawn detached = setsid) so that a timeout, a
// cancel or the end of the step reaches every process the script started: SIGTERM to -pgid,
// then SIGKILL after `killGraceMs`. When the leader exits, anything left in the group is killed.
// Commands without stdin start from a step driver (step-driver.ts) rather than from this
// process; GCD_STEP_DRIVER=0 spawns them directly.
import { spawn } from 'node:child_process';
import { prewarmDriver, runOnDriver, stepDriverEnabled, type DriverRun } from '../../util/step-driver.js';

export interface GroupRunOptions extends DriverRun {
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Bytes written to stdin, then closed. */
  stdin?: string;
}

export interface GroupRunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The run was stopped through `signal`. */
  aborted: boolean;
}

/** Readies what runInGroup starts commands from (a runner about to take jobs). */
export function prepareGroupRuns(): void {
  if (stepDriverEnabled()) prewarmDriver();
}

export function killGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

export function runInGroup(opts: GroupRunOptions): Promise<GroupRunResult> {
  if (opts.stdin === undefined && stepDriverEnabled()) return runViaDriver(opts);
  return spawnInGroup(opts);
}

async function runViaDriver(opts: GroupRunOptions): Promise<GroupRunResult> {
  if (opts.signal?.aborted) return { exitCode: null, signal: null, aborted: true };
  const run = runOnDriver({ command: opts.command, args: opts.args, cwd: opts.cwd, env: opts.env, onOutput: opts.onOutput });
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    if (aborted) return;
    aborted = true;
    run.kill('SIGTERM');
    killTimer = setTimeout(() => run.kill('SIGKILL'), opts.killGraceMs ?? 5000);
    killTimer.unref();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const status = await run.done;
    return { exitCode: status, signal: null, aborted };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (killTimer) clearTimeout(killTimer);
  }
}

function spawnInGroup(opts: GroupRunOptions): Promise<GroupRunResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return resolve({ exitCode: null, signal: null, aborted: true });
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (aborted || child.pid === undefined) return;
      aborted = true;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), opts.killGraceMs ?? 5000);
      killTimer.unref();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', opts.onOutput);
    child.stderr!.on('data', opts.onOutput);
    // Tracked from the start: a pipe may close before or after the leader's 'exit'.
    let pipesOpen = 2;
    let onPipesClosed: (() => void) | null = null;
    const pipeClosed = () => {
      if (--pipesOpen === 0) onPipesClosed?.();
    };
    child.stdout!.once('close', pipeClosed);
    child.stderr!.once('close', pipeClosed);
    if (opts.stdin !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(opts.stdin);
    }
    child.on('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('exit', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // The leader is gone: nothing of this step may outlive it.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        resolve({ exitCode: code, signal: sig, aborted });
      };
      // Wait for the pipes to drain, but not for a grandchild that escaped the group.
      if (pipesOpen === 0) return settle();
      onPipesClosed = settle;
      setTimeout(() => {
        child.stdout!.destroy();
        child.stderr!.destroy();
        settle();
      }, 2000).unref();
    });
  });
}
