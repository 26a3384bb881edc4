// Processes started in their own process group (detached), so that a stop reaches everything
// they started; and the same processes found again by pid + start time after a relay restart
// (a pid alone could have been reused by an unrelated process).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Environment } from './types.js';

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null off Linux. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

export function alive(pid: number, startTime?: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const st = processStartTime(pid);
  if (startTime && st && st !== startTime) return false;
  // a zombie (exited, not yet reaped) is gone for our purposes
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
  } catch {
    // not Linux: trust kill(0)
  }
  return true;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/** SIGTERM the group, SIGTERM again after 1 s (the built-in runner then aborts its job), SIGKILL after graceMs. */
async function stopGroup(pid: number, isAlive: () => boolean, exited: Promise<string>, graceMs: number): Promise<void> {
  if (!isAlive()) return;
  killGroup(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  let second = false;
  while (isAlive() && Date.now() < until) {
    await Promise.race([exited, wait(100)]);
    if (!second && Date.now() > until - graceMs + 1000) {
      second = true;
      killGroup(pid, 'SIGTERM');
    }
  }
  killGroup(pid, 'SIGKILL');
  await Promise.race([exited, wait(2000)]);
}

export function spawnGroup(argv: string[], opts: { env: NodeJS.ProcessEnv; cwd: string; logFile: string }): Environment {
  // Output goes to a file the child holds itself, not to pipes into the relay: a relay killed
  // with SIGKILL must not take its environments down with it (EPIPE on their next write).
  const fd = openSync(opts.logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(argv[0], argv.slice(1), { env: opts.env, cwd: opts.cwd, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
    child.once('error', (e) => {
      done = true;
      resolve(`could not start: ${e.message}`);
    });
  });
  const pid = child.pid ?? -1;
  const startTime = pid > 0 ? processStartTime(pid) : null;
  return {
    ref: { kind: 'process', pid, startTime },
    exited,
    stop: ({ graceMs = 10_000 } = {}) => (pid > 0 ? stopGroup(pid, () => !done, exited, graceMs) : Promise.resolve()),
    describe: () => `process ${pid}`,
  };
}

/** A process group of an earlier relay, watched by polling. */
export function adoptGroup(pid: number, startTime: string | null): Environment | null {
  if (!alive(pid, startTime)) return null;
  const exited = new Promise<string>((resolve) => {
    const t = setInterval(() => {
      if (!alive(pid, startTime)) {
        clearInterval(t);
        resolve('exited');
      }
    }, 250);
  });
  return {
    ref: { kind: 'process', pid, startTime },
    exited,
    stop: ({ graceMs = 10_000 } = {}) => stopGroup(pid, () => alive(pid, startTime), exited, graceMs),
    describe: () => `process ${pid} (adopted)`,
  };
}
