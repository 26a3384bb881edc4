// Running the system `git`: buffered (small outputs: rev-parse, ls-tree, cat-file) async with an
// AbortSignal, started from a step driver (util/step-driver.ts: no fork of the server's big
// process; GCD_STEP_DRIVER=0 spawns directly), or sync for the compiler's ProjectFiles reads.
// Streaming protocol traffic is spawned directly by smart-http.ts.
import { execFileSync, spawn } from 'node:child_process';
import { AppError, INSUFFICIENT_STORAGE } from '../util/errors.js';
import { runOnDriver, stepDriverEnabled } from '../util/step-driver.js';
import { inheritedEnv } from '../util/step-env.js';

export interface RunGitOptions {
  cwd?: string;
  /** Extra environment (merged over a cleaned process.env). */
  env?: Record<string, string | undefined>;
  input?: Buffer | string;
  signal?: AbortSignal;
  /** Exit codes that are not failures (e.g. 1 for `diff --quiet`). */
  okCodes?: number[];
}

export interface GitResult {
  stdout: Buffer;
  code: number;
}

const MAX_BUFFER = 256 * 1024 * 1024;

/** process.env (without `_`: inheritedEnv) and without variables that would redirect git away from the repository we name. */
export function gitEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = inheritedEnv();
  for (const key of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_PREFIX', 'GIT_NAMESPACE', 'GIT_PROTOCOL']) {
    delete env[key];
  }
  env.GIT_TERMINAL_PROMPT = '0';
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export class GitCommandError extends AppError {
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    // A full disk is a passing outage (507), not a bug; the answer then names no paths.
    const full = /No space left on device|Disk quota exceeded/i.test(stderr);
    super(
      full ? 'insufficient_storage' : 'internal',
      full ? INSUFFICIENT_STORAGE.message : `git ${args.join(' ')} failed (${exitCode}): ${stderr.trim().slice(0, 500)}`,
      full ? { stderr: stderr.trim().slice(0, 500) } : undefined,
    );
    if (full) this.retryAfterSeconds = INSUFFICIENT_STORAGE.retryAfterSeconds;
    this.name = 'GitCommandError';
  }
}

const isOk = (code: number | null, options: RunGitOptions) => code === 0 || (code !== null && (options.okCodes ?? []).includes(code));

export function runGit(args: string[], options: RunGitOptions = {}): Promise<GitResult> {
  return runProgram('git', args, args, options);
}

/**
 * `git A… && git B…` as one process start (`sh -c`): one round trip to the step driver instead of
 * two, where nothing in between needs this process. Fails as the first failing command does.
 */
export function runGitThen(first: string[], then: string[], options: RunGitOptions = {}): Promise<GitResult> {
  const ref = (from: number, n: number) => Array.from({ length: n }, (_, i) => `"\${${from + i}}"`).join(' ');
  const script = `git ${ref(1, first.length)} && exec git ${ref(first.length + 1, then.length)}`;
  return runProgram('sh', ['-c', script, 'sh', ...first, ...then], [...first, '&&', 'git', ...then], options);
}

/** `args` is what an error names (git's own argv). */
function runProgram(command: string, argv: string[], args: string[], options: RunGitOptions): Promise<GitResult> {
  if (stepDriverEnabled()) return runOnStepDriver(command, argv, args, options);
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason ?? new Error('aborted'));
      return;
    }
    const child = spawn(command, argv, {
      cwd: options.cwd,
      env: gitEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (isOk(code, options)) resolve({ stdout: Buffer.concat(out), code: code ?? 0 });
      else reject(new GitCommandError(args, code, Buffer.concat(err).toString('utf8')));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

async function runOnStepDriver(command: string, argv: string[], args: string[], options: RunGitOptions): Promise<GitResult> {
  const { signal } = options;
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  const out: Buffer[] = [];
  const h = runOnDriver({ command, args: argv, cwd: options.cwd ?? process.cwd(), env: gitEnv(options.env), onOutput: (b) => out.push(b), input: options.input, separateStderr: true });
  const onAbort = () => h.kill('SIGTERM');
  signal?.addEventListener('abort', onAbort, { once: true });
  let code: number;
  try {
    code = await h.done;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  if (!isOk(code, options)) throw new GitCommandError(args, code, h.stderr().toString('utf8'));
  return { stdout: Buffer.concat(out), code };
}

/** Trimmed stdout as text. */
export async function gitText(args: string[], options: RunGitOptions = {}): Promise<string> {
  return (await runGit(args, options)).stdout.toString('utf8').trim();
}

export function runGitSync(args: string[], options: Omit<RunGitOptions, 'signal'> = {}): Buffer {
  try {
    return execFileSync('git', args, {
      cwd: options.cwd,
      env: gitEnv(options.env),
      input: options.input,
      maxBuffer: MAX_BUFFER,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { status?: number | null; stderr?: Buffer };
    throw new GitCommandError(args, e.status ?? null, e.stderr?.toString('utf8') ?? String(error));
  }
}

export const ZERO_SHA = '0000000000000000000000000000000000000000';
