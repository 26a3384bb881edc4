// get_sources as ONE bash program, as gitlab-runner's shell writer does: the git commands and the
// lines the log shows between them run in order in a single process, so a job pays for one
// spawn from the runner instead of one per git command (each spawn blocks the runner's event
// loop until the child has exec'd). The first failing command stops the program; its name and
// status come back through a small file, so the job fails with "git <command> failed".
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ansiC } from './bash-script.js';
import { runInGroup } from './process-group.js';
import { ANSI } from '../trace/ansi.js';
import type { TraceWriter } from '../trace/job-trace.js';
import { JobFailure } from '../errors.js';

export const infoLine = (text: string) => `${ANSI.boldCyan}${text}${ANSI.reset}`;

/** The git subcommand of an argument list (`-c k=v checkout …` → checkout). */
export function gitSubcommand(args: string[]): string {
  return args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? args[0] ?? 'git';
}

export class GitScript {
  private readonly steps: ({ text: string } | { shell: string })[] = [];
  private commands = 0;

  constructor(private readonly projectDir: string) {}

  /** A line of the job log, printed when the program reaches it. */
  echo(text: string): void {
    this.steps.push({ text });
  }

  /** A git command; when it fails, `orElse` is tried before the program stops. */
  git(args: string[], orElse?: string[]): void {
    const cmd = (a: string[]) => ['git', ...a.map(ansiC)].join(' ');
    const run = orElse ? `{ ${cmd(args)} || ${cmd(orElse)}; }` : cmd(args);
    this.steps.push({ shell: `${run} || __gcd_fail ${ansiC(gitSubcommand(args))} $?` });
    this.commands++;
  }

  async run(o: { env: Record<string, string | undefined>; trace: TraceWriter; signal: AbortSignal }): Promise<void> {
    if (this.commands === 0) {
      // nothing to spawn for: the log lines are all there is
      for (const s of this.steps) if ('text' in s) o.trace.writeln(s.text);
      return;
    }
    const dir = path.resolve(this.projectDir);
    // Written by the program only when a command fails (and read only then): no need to clear it first.
    const failFile = `${dir}.tmp/get-sources-failed`;
    const program = [
      'exec 2>&1',
      `__gcd_fail() { printf '%s %s' "$1" "$2" > ${ansiC(failFile)}; exit "$2"; }`,
      `cd -- ${ansiC(dir)} || exit 1`,
      ...this.steps.map((s) => ('text' in s ? `printf '%s\\n' ${ansiC(s.text)}` : s.shell)),
      'exit 0',
    ].join('\n');
    const r = await runInGroup({
      command: 'bash',
      args: ['--noprofile', '--norc', '-c', program],
      cwd: dir,
      env: o.env,
      onOutput: (b) => o.trace.write(b),
      signal: o.signal,
    });
    if (r.aborted) throw new JobFailure('job_canceled', 'canceled');
    if (r.exitCode === 0) return;
    const failed = (await readFile(failFile, 'utf8').catch(() => '')).trim();
    await rm(failFile, { force: true });
    const [sub, status] = failed ? failed.split(' ') : ['sources', String(r.exitCode ?? r.signal)];
    throw new JobFailure('script_failure', `git ${sub} failed: exit status ${status}`);
  }
}
