// The bash program for one step, shaped like gitlab-runner's bash shell writer: errexit and
// pipefail, stderr merged into stdout (one ordered stream), each command announced by a bold
// green "$ command" line (multi-line commands show their first line), optional per-command
// sections (FF_SCRIPT_SECTIONS), and the commands themselves inline so `set -e` stops at the
// first failure and bash exits with that command's status. With `posix`, the same program for
// a plain POSIX sh (busybox ash, dash: images without bash): '…' quoting instead of $'…', and
// pipefail only where the shell has it.
import { ansiC } from '../../util/shell-quote.js';

export { ansiC };

/** POSIX single quotes: every byte literal, ' written as '\''. */
export function shQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

export function displayCommand(command: string): string {
  const lines = command.split('\n');
  const first = lines[0];
  return lines.length > 1 && lines.slice(1).some((l) => l.trim() !== '') ? `${first} # collapsed multi-line command` : first;
}

export interface BashScriptOptions {
  commands: string[];
  cwd: string;
  /** Emit section_start/section_end around each command. */
  scriptSections?: boolean;
  /** Extra lines before the commands (e.g. `cd` into the project). */
  prologue?: string[];
  /** For a POSIX sh rather than bash. */
  posix?: boolean;
}

export function bashScript(opts: BashScriptOptions): string {
  const q = opts.posix ? shQuote : ansiC;
  const strict = opts.posix ? ['set -e', 'if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi'] : ['set -eo pipefail'];
  const out: string[] = [...strict, 'set +o noclobber', 'exec 2>&1', `cd -- ${q(opts.cwd)}`, ...(opts.prologue ?? [])];
  const now = '"${EPOCHSECONDS:-$(date +%s)}"';
  opts.commands.forEach((command, i) => {
    if (opts.scriptSections) {
      out.push(`printf 'section_start:%s:section_script_step_${i}[hide_duration=true,collapsed=true]\\r\\033[0K' ${now}`);
    }
    out.push(`printf '%s\\n' ${q(`\x1b[32;1m$ ${displayCommand(command)}\x1b[0;m`)}`);
    out.push(command);
    if (opts.scriptSections) out.push(`printf 'section_end:%s:section_script_step_${i}\\r\\033[0K' ${now}`);
  });
  out.push('exit 0', '');
  return out.join('\n');
}
