// Starts processes from a small long-lived bash (a "step driver") instead of from this Node
// process. A spawn forks its caller, and the fork copies the caller's page tables: from a runner
// or a server holding ~100 MB that blocked the event loop for 5-8 ms per spawn and cost as much
// again in system time. bash forks in well under a millisecond. The runner starts its job steps
// here (runner/shell/process-group.ts), the server its short git commands (git/run-git.ts).
//
// One driver runs one command at a time; idle drivers are kept for the next command (up to
// MAX_IDLE, each for IDLE_MS). For a command the caller writes a command file (NUL-separated:
// cwd, argc, argv, then NAME=value; mode 0600, a new name per command, removed as soon as the
// command has started) and sends one short line naming it (bash's `read` takes a pipe a byte per
// system call, so argv doesn't go down the pipe); the driver starts the command as a background job
// (`set -m`: its own process group, as `spawn({detached})` gives) with exactly that environment
// (set by bash's own `export` in the forked subshell, which then execs the command; by `env -i`
// when a name is one bash treats specially or can't export: step-env.ts), stdin from /dev/null
// (or a file holding `input`) and stdout+stderr on the driver's output pipe (or stderr into a file of its own, `separateStderr`). On fd 3 it reports `P <pid>`
// when the command has started and `X <status>` when it has ended and its group has been killed;
// then it writes a NUL-framed end mark on the output pipe, so every byte before it belongs to the
// command. The caller kills the group (-pid) to stop the command.
//
// What differs from a direct spawn: bash reports a command killed by signal N as status 128+N,
// which is what is returned (a stop through the caller's signal still counts as aborted), and
// output a process that left the group writes later can't be told from the driver's next
// command (output that arrives while the driver is idle retires it).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { plainName } from './step-env.js';

export interface DriverRun {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** Receives stdout and stderr bytes as they come (stdout only with `separateStderr`). */
  onOutput: (chunk: Buffer) => void;
  /** Bytes on the command's stdin (else /dev/null). */
  input?: Buffer | string;
  /** stderr apart from stdout: kept in a file, given by `stderr()` once done resolves. */
  separateStderr?: boolean;
}

export interface DriverHandle {
  /** Resolves with the command's status (0–255) once it and its output have ended. */
  done: Promise<number>;
  /** Signals the command's process group (as soon as its pid is known). */
  kill(sig: NodeJS.Signals): void;
  /** What the command wrote on stderr, with `separateStderr` (valid once done resolved). */
  stderr(): Buffer;
  /** Stops reading the command's output (it blocks on a full pipe) until resume(): backpressure. */
  pause(): void;
  resume(): void;
}

/** Commands start from step drivers unless GCD_STEP_DRIVER=0 (then callers spawn them directly). */
export const stepDriverEnabled = () => process.env.GCD_STEP_DRIVER !== '0';

const MAX_IDLE = 8;
const IDLE_MS = 30_000;

const PROGRAM = String.raw`set -m
for __gcd_v in $(compgen -e); do export -n "$__gcd_v"; done
unset -v __gcd_v
__gcd_exec() {
  cd -- "$cwd" || exit 1
  if [ "$plain" = 1 ]; then
    # the command in the positional parameters: the assignments below may set any variable
    set -- "${'$'}{__gcd_a[@]:2:argc}"
    unset -v OLDPWD
    export -- "${'$'}{__gcd_a[@]:2+argc}" || exit 126
    exec -- "$@"
  fi
  exec env -i "${'$'}{__gcd_a[@]:2+argc}" "${'$'}{__gcd_a[@]:2:argc}"
}
__gcd_run() {
  local f="$__gcd_base-$1" inf=/dev/null errf=- plain="$4"
  [ "$2" = 1 ] && inf="$f.in"
  [ "$3" = 1 ] && errf="$f.err"
  local -a __gcd_a=()
  if ! readarray -d '' -t __gcd_a < "$f" || ! [[ ${'$'}{__gcd_a[1]} =~ ^[0-9]+$ ]]; then
    printf 'E\n' >&3
    printf '\0%s\0' "$__gcd_mark"
    return
  fi
  local cwd=${'$'}{__gcd_a[0]} argc=${'$'}{__gcd_a[1]}
  if [ "$errf" = - ]; then
    ( __gcd_exec ) <"$inf" 2>&1 3>&- &
  else
    ( __gcd_exec ) <"$inf" 2>"$errf" 3>&- &
  fi
  local pid=$!
  printf 'P %d\n' "$pid" >&3
  wait "$pid"
  local status=$?
  kill -KILL -- "-$pid" 2>/dev/null
  printf 'X %d\n' "$status" >&3
  printf '\0%s\0' "$__gcd_mark"
}
while IFS= read -r __gcd_line; do eval "$__gcd_line"; done
`;

class StepDriver {
  readonly mark = randomBytes(12).toString('hex');
  private readonly endMark: Buffer;
  private readonly proc: ChildProcess;
  private readonly envBase: string;
  /** The environment file of the current command: a new name each time, so that a late unlink of the last one can't remove it. */
  private envFile = '';
  private commands = 0;
  private current: Running | null = null;
  private held: Buffer | null = null;
  private control = '';
  dead = false;
  idleTimer: NodeJS.Timeout | null = null;
  private readonly exited: Promise<void>;

  constructor(
    private readonly dir: string,
    private readonly onIdle: (d: StepDriver) => void,
  ) {
    this.endMark = Buffer.from(`\0${this.mark}\0`);
    this.envBase = path.join(dir, `env-${this.mark}`);
    this.proc = spawn('bash', ['--noprofile', '--norc', '-c', PROGRAM], {
      detached: true,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', __gcd_mark: this.mark, __gcd_base: this.envBase },
      stdio: ['pipe', 'pipe', 'ignore', 'pipe'],
    });
    this.proc.stdin!.on('error', () => this.die());
    this.proc.stdout!.on('data', (b: Buffer) => this.output(b));
    (this.proc.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => this.controlData(b.toString('latin1')));
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', () => resolve());
      this.proc.once('error', () => resolve());
    });
    this.proc.on('exit', () => this.die());
    this.proc.on('error', () => this.die());
    this.hold(false); // until run()
  }

  /** An idle driver must not keep the process alive (a runner that stops exits at once). */
  private hold(on: boolean): void {
    for (const h of [this.proc, this.proc.stdin, this.proc.stdout, this.proc.stdio[3]] as ({ ref?: () => void; unref?: () => void } | null)[]) {
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  }

  run(r: DriverRun): DriverHandle {
    const running = new Running(r.onOutput);
    this.current = running;
    this.hold(true);
    this.held = null;
    // The command file: cwd, argc, the arguments, then NAME=value, each NUL-terminated. Only a
    // short line goes down the pipe: bash's `read` takes a pipe one byte per system call.
    let body = `${r.cwd}\0${r.args.length + 1}\0${r.command}\0`;
    for (const a of r.args) body += `${a}\0`;
    let plain = r.env.PATH !== undefined;
    for (const k in r.env) {
      const v = r.env[k];
      if (v === undefined) continue;
      body += `${k}=${v}\0`;
      if (plain && !plainName(k)) plain = false;
    }
    const n = ++this.commands;
    const envFile = (this.envFile = `${this.envBase}-${n}`);
    if (r.input !== undefined) running.inFile = `${this.envBase}-${n}.in`;
    if (r.separateStderr) running.errFile = `${this.envBase}-${n}.err`;
    // The command file is small: written synchronously (a thread-pool round trip costs more);
    // the input (a git pack, say) may not be.
    let files: Promise<unknown>;
    try {
      writeFileSync(envFile, body, { mode: 0o600 });
      files = running.inFile ? writeFile(running.inFile, r.input!, { mode: 0o600 }) : Promise.resolve();
    } catch (e) {
      files = Promise.reject(e as Error);
    }
    files.then(
      () => {
        if (this.dead) return;
        this.proc.stdin!.write(`__gcd_run ${n} ${running.inFile ? 1 : 0} ${running.errFile ? 1 : 0} ${plain ? 1 : 0}\n`);
      },
      (e: Error) => {
        this.current = null;
        this.retire();
        running.fail(e);
      },
    );
    const out = this.proc.stdout!;
    return {
      done: running.done,
      kill: (sig) => running.kill(sig),
      stderr: () => running.stderr,
      pause: () => {
        if (this.current === running) out.pause();
      },
      resume: () => out.resume(),
    };
  }

  private output(b: Buffer): void {
    const cur = this.current;
    if (!cur) {
      // Something that left the last command's group still writes here: retire this driver.
      this.retire();
      return;
    }
    let chunk = this.held ? Buffer.concat([this.held, b]) : b;
    this.held = null;
    const at = chunk.indexOf(this.endMark);
    if (at >= 0) {
      if (at > 0) cur.onOutput(chunk.subarray(0, at));
      if (at + this.endMark.length < chunk.length) this.retire();
      cur.outputEnded = true;
      this.settle();
      return;
    }
    // Hold back a tail that could be the start of the end mark.
    const from = chunk.lastIndexOf(0, chunk.length - 1);
    if (from >= 0 && from > chunk.length - this.endMark.length && this.endMark.subarray(0, chunk.length - from).equals(chunk.subarray(from))) {
      this.held = chunk.subarray(from);
      chunk = chunk.subarray(0, from);
    }
    if (chunk.length) cur.onOutput(chunk);
  }

  private controlData(text: string): void {
    this.control += text;
    let nl: number;
    while ((nl = this.control.indexOf('\n')) >= 0) {
      const line = this.control.slice(0, nl);
      this.control = this.control.slice(nl + 1);
      const cur = this.current;
      if (!cur) continue;
      if (line.startsWith('P ')) {
        unlinkQuietly(this.envFile);
        cur.started(Number(line.slice(2)));
      } else if (line === 'E') {
        // never expected (each command has its own file): fail the command rather than run it without its environment
        cur.error = new Error('the step driver could not read the command\'s environment file');
        cur.status = -1;
        this.settle();
      } else if (line.startsWith('X ')) {
        cur.status = Number(line.slice(2));
        this.settle();
      }
    }
  }

  private settle(): void {
    const cur = this.current;
    if (!cur || cur.status === null || !cur.outputEnded) return;
    this.current = null;
    this.hold(false);
    this.proc.stdout!.resume(); // a caller that paused it is done with it
    if (cur.error) unlinkQuietly(this.envFile);
    void cur.finish();
    if (!this.dead) this.onIdle(this);
  }

  /** An idle driver's end: its stdin closed (bash leaves its loop), killed after 2 s. */
  async close(): Promise<void> {
    this.dead = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.proc.stdin!.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(t);
  }

  retire(): void {
    this.dead = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.proc.stdin!.end();
    this.proc.kill('SIGKILL');
  }

  private die(): void {
    if (this.dead && !this.current) return;
    this.dead = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const cur = this.current;
    this.current = null;
    unlinkQuietly(this.envFile);
    if (cur) {
      cur.error = new Error('the step driver (bash) ended unexpectedly');
      void cur.finish();
    }
    this.onIdle(this);
  }
}

class Running {
  status: number | null = null;
  error: Error | null = null;
  inFile?: string;
  errFile?: string;
  stderr = Buffer.alloc(0);
  outputEnded = false;
  private pid: number | null = null;
  private pendingKill: NodeJS.Signals | null = null;
  resolve!: (status: number) => void;
  fail!: (e: Error) => void;
  readonly done = new Promise<number>((res, rej) => {
    this.resolve = res;
    this.fail = rej;
  });

  constructor(readonly onOutput: (chunk: Buffer) => void) {}

  /** Reads what stderr left in its file, removes the command's files, then settles done. */
  async finish(): Promise<void> {
    if (this.errFile) this.stderr = await readFile(this.errFile).catch(() => Buffer.alloc(0));
    for (const f of [this.inFile, this.errFile]) if (f) unlinkQuietly(f);
    if (this.error) this.fail(this.error);
    else this.resolve(this.status!);
  }

  started(pid: number): void {
    this.pid = pid;
    if (this.pendingKill) this.kill(this.pendingKill);
  }

  kill(sig: NodeJS.Signals): void {
    if (this.status !== null) return;
    if (this.pid === null) {
      this.pendingKill = sig;
      return;
    }
    try {
      process.kill(-this.pid, sig);
    } catch {}
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {}
}

let dir: string | null = null;
const idle: StepDriver[] = [];

/**
 * The command files' directory (mode 0700): in /dev/shm where there is one (RAM: creating and
 * removing a file there costs a fraction of what it does on a disk's filesystem, and the
 * environments, job tokens included, never reach a disk), else in the temporary directory.
 */
function driverDir(): string {
  if (!dir) {
    try {
      dir = mkdtempSync('/dev/shm/gcd-steps-');
    } catch {
      dir = mkdtempSync(path.join(os.tmpdir(), 'gcd-steps-'));
    }
    const d = dir;
    process.once('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  return dir;
}

function release(d: StepDriver): void {
  const i = idle.indexOf(d);
  if (i >= 0) idle.splice(i, 1);
  if (d.dead) return;
  if (idle.length >= MAX_IDLE) return d.retire();
  d.idleTimer = setTimeout(() => {
    const j = idle.indexOf(d);
    if (j >= 0) idle.splice(j, 1);
    d.retire();
  }, IDLE_MS);
  d.idleTimer.unref();
  idle.push(d);
}

/** Runs one command through an idle driver, or a new one. */
export function runOnDriver(r: DriverRun): DriverHandle {
  let d = idle.pop();
  while (d?.dead) d = idle.pop();
  if (d?.idleTimer) clearTimeout(d.idleTimer);
  return (d ?? new StepDriver(driverDir(), release)).run(r);
}

/** Starts one idle driver ahead of the first command (a runner that starts: its first job's steps need not wait for a spawn). */
export function prewarmDriver(): void {
  if (idle.some((d) => !d.dead)) return;
  release(new StepDriver(driverDir(), release));
}

/**
 * Ends the idle drivers and waits until they have exited (a runner or a server that stops): a
 * driver reaped here counts its commands' CPU time in this process's children's time, as a
 * direct spawn would (one left to exit after this process would have it counted nowhere).
 */
export async function closeIdleDrivers(): Promise<void> {
  await Promise.all(idle.splice(0).map((d) => d.close()));
}
